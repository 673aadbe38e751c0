#!/usr/bin/env bash
# Regenerates internal/turms/pb from proto/turms with Debian's protoc and a
# pinned protoc-gen-go, so that the output is the same on every machine.
set -euo pipefail
cd "$(dirname "$0")/.."
version=v1.36.12
bin="$(go env GOPATH)/bin"
if ! "$bin/protoc-gen-go" --version 2>/dev/null | grep -q "$version"; then
	GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$version"
fi
command -v protoc >/dev/null || { echo "protoc is missing: apt-get install protobuf-compiler" >&2; exit 1; }
rm -f internal/turms/pb/*.pb.go
protoc --plugin=protoc-gen-go="$bin/protoc-gen-go" -I proto \
	--go_out=internal/turms/pb --go_opt=paths=source_relative \
	--go_opt=Mturms/constant.proto=hermod/internal/turms/pb \
	--go_opt=Mturms/model.proto=hermod/internal/turms/pb \
	--go_opt=Mturms/request.proto=hermod/internal/turms/pb \
	--go_opt=Mturms/notification.proto=hermod/internal/turms/pb \
	proto/turms/*.proto
# paths=source_relative keeps the turms/ prefix: flatten it.
mv internal/turms/pb/turms/*.pb.go internal/turms/pb/
rmdir internal/turms/pb/turms
