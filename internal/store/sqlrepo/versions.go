package sqlrepo

import (
	"context"

	"hermod/internal/store"
)

type versions Repos

func (x versions) Get(ctx context.Context, userID int64, kind store.VersionKind) (int64, error) {
	var v int64
	err := x.r.QueryRowContext(ctx, `SELECT updated_at FROM user_versions WHERE user_id = ? AND kind = ?`, userID, string(kind)).Scan(&v)
	if err := mapErr(err); err == store.ErrNotFound {
		return 0, nil
	}
	return v, mapErr(err)
}

func (x versions) Bump(ctx context.Context, userID int64, kind store.VersionKind, now int64) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO user_versions (user_id, kind, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, kind) DO UPDATE SET updated_at = excluded.updated_at WHERE excluded.updated_at > user_versions.updated_at`, userID, string(kind), now)
	return err
}

func bump(ctx context.Context, q Querier, userID int64, kind store.VersionKind, now int64) error {
	return versions(Repos{r: q, w: q}).Bump(ctx, userID, kind, now)
}
