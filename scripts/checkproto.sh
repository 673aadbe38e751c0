#!/usr/bin/env bash
# Fails when the committed generated code differs from what the .proto files
# generate now.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/genproto.sh
if ! git diff --exit-code --stat -- internal/turms/pb || [ -n "$(git status --porcelain -- internal/turms/pb)" ]; then
	echo "internal/turms/pb is stale: run 'go generate ./internal/turms/pb' and commit the result" >&2
	exit 1
fi
