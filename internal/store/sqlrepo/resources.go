package sqlrepo

import (
	"context"
	"strings"

	"hermod/internal/store"
)

type resources Repos

const resourceColumns = `type, key, uploader_id, user_id, group_id, name, media_type, size, creation_date`

func scanResource(s scanner) (*store.Resource, error) {
	var r store.Resource
	err := s.Scan(&r.Type, &r.Key, &r.UploaderID, &r.UserID, &r.GroupID, &r.Name, &r.MediaType, &r.Size, &r.CreationDate)
	return &r, mapErr(err)
}

func (x resources) Put(ctx context.Context, r *store.Resource) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO resources (`+resourceColumns+`) VALUES (?,?,?,?,?,?,?,?,?)
		ON CONFLICT (type, key) DO UPDATE SET uploader_id = excluded.uploader_id, user_id = excluded.user_id,
		group_id = excluded.group_id, name = excluded.name, media_type = excluded.media_type, size = excluded.size,
		creation_date = excluded.creation_date`,
		r.Type, r.Key, r.UploaderID, r.UserID, r.GroupID, r.Name, r.MediaType, r.Size, r.CreationDate)
	return mapErr(err)
}

func (x resources) Get(ctx context.Context, t store.ResourceType, key string) (*store.Resource, error) {
	r, err := scanResource(x.r.QueryRowContext(ctx, `SELECT `+resourceColumns+` FROM resources WHERE type = ? AND key = ?`, t, key))
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (x resources) Delete(ctx context.Context, t store.ResourceType, key string) error {
	return withTx(ctx, x.w, func(q Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM resource_shares WHERE type = ? AND key = ?`, t, key); err != nil {
			return err
		}
		return mustAffect(q.ExecContext(ctx, `DELETE FROM resources WHERE type = ? AND key = ?`, t, key))
	})
}

func (x resources) List(ctx context.Context, f store.ResourceFilter) ([]store.Resource, error) {
	conds := []string{`type = 2`}
	var args []any
	in := func(col string, ids []int64) {
		conds = append(conds, col+` IN (`+inList(len(ids))+`)`)
		args = append(args, int64Args(ids)...)
	}
	if f.UploaderID != 0 {
		conds, args = append(conds, `uploader_id = ?`), append(args, f.UploaderID)
	}
	if len(f.UserIDs) > 0 {
		in("user_id", f.UserIDs)
	}
	if len(f.GroupIDs) > 0 {
		in("group_id", f.GroupIDs)
	}
	if f.Private != nil {
		if *f.Private {
			conds = append(conds, `group_id = 0`)
		} else {
			conds = append(conds, `group_id != 0`)
		}
	}
	if f.CreatedFrom != 0 {
		conds, args = append(conds, `creation_date >= ?`), append(args, f.CreatedFrom)
	}
	if f.CreatedTo != 0 {
		conds, args = append(conds, `creation_date <= ?`), append(args, f.CreatedTo)
	}
	if f.SharedWithUser != 0 || len(f.SharedWithGroups) > 0 {
		sub := `EXISTS (SELECT 1 FROM resource_shares s WHERE s.type = resources.type AND s.key = resources.key AND (s.user_id = ?`
		args = append(args, f.SharedWithUser)
		if len(f.SharedWithGroups) > 0 {
			sub += ` OR s.group_id IN (` + inList(len(f.SharedWithGroups)) + `)`
			args = append(args, int64Args(f.SharedWithGroups)...)
		}
		conds = append(conds, sub+`))`)
	}
	return queryAll(ctx, x.r, scanResource, `SELECT `+resourceColumns+` FROM resources WHERE `+strings.Join(conds, " AND ")+` ORDER BY creation_date DESC, key`, args...)
}

func (x resources) Share(ctx context.Context, t store.ResourceType, key string, userID, groupID int64) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO resource_shares (type, key, user_id, group_id) VALUES (?,?,?,?)
		ON CONFLICT DO NOTHING`, t, key, userID, groupID)
	return err
}

func (x resources) Unshare(ctx context.Context, t store.ResourceType, key string, userID, groupID int64) error {
	_, err := x.w.ExecContext(ctx, `DELETE FROM resource_shares WHERE type = ? AND key = ? AND user_id = ? AND group_id = ?`, t, key, userID, groupID)
	return err
}

func (x resources) SharedWith(ctx context.Context, t store.ResourceType, key string, userID int64, groupIDs []int64) (bool, error) {
	q := `SELECT count(*) FROM resource_shares WHERE type = ? AND key = ? AND (user_id = ?`
	args := []any{t, key, userID}
	if len(groupIDs) > 0 {
		q += ` OR group_id IN (` + inList(len(groupIDs)) + `)`
		args = append(args, int64Args(groupIDs)...)
	}
	var n int
	err := x.r.QueryRowContext(ctx, q+`)`, args...).Scan(&n)
	return n > 0, err
}
