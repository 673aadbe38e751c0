package sqlrepo

import "context"

type groupAliases Repos

func (x groupAliases) Set(ctx context.Context, groupID int64, alias string) error {
	return insertNew(ctx, x.w, `INSERT INTO group_aliases (alias, group_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, alias, groupID)
}

func (x groupAliases) Lookup(ctx context.Context, alias string) (int64, error) {
	var id int64
	err := x.r.QueryRowContext(ctx, `SELECT group_id FROM group_aliases WHERE alias = ?`, alias).Scan(&id)
	return id, mapErr(err)
}

func (x groupAliases) Of(ctx context.Context, groupID int64) (string, error) {
	var alias string
	err := x.r.QueryRowContext(ctx, `SELECT alias FROM group_aliases WHERE group_id = ?`, groupID).Scan(&alias)
	return alias, mapErr(err)
}

func (x groupAliases) Remove(ctx context.Context, groupID int64) error {
	_, err := x.w.ExecContext(ctx, `DELETE FROM group_aliases WHERE group_id = ?`, groupID)
	return err
}
