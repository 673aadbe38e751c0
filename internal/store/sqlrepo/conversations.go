package sqlrepo

import (
	"context"

	"hermod/internal/store"
)

type conversations Repos

func (x conversations) UpsertPrivateReadDate(ctx context.Context, ownerID, targetID, readDate int64) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO private_conversations (owner_id, target_id, read_date) VALUES (?, ?, ?)
		ON CONFLICT (owner_id, target_id) DO UPDATE SET read_date = excluded.read_date`, ownerID, targetID, readDate)
	return err
}

func (x conversations) ListPrivate(ctx context.Context, ownerID int64, targetIDs []int64) ([]store.PrivateConversation, error) {
	q := `SELECT owner_id, target_id, read_date FROM private_conversations WHERE owner_id = ?`
	args := []any{ownerID}
	if len(targetIDs) > 0 {
		q += ` AND target_id IN (` + inList(len(targetIDs)) + `)`
		args = append(args, int64Args(targetIDs)...)
	}
	rows, err := x.r.QueryContext(ctx, q+` ORDER BY target_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.PrivateConversation
	for rows.Next() {
		var c store.PrivateConversation
		if err := rows.Scan(&c.OwnerID, &c.TargetID, &c.ReadDate); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (x conversations) UpsertGroupReadDate(ctx context.Context, groupID, memberID, readDate int64) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO group_conversations (group_id, member_id, read_date) VALUES (?, ?, ?)
		ON CONFLICT (group_id, member_id) DO UPDATE SET read_date = excluded.read_date`, groupID, memberID, readDate)
	return err
}

func (x conversations) ListGroup(ctx context.Context, groupIDs []int64) ([]store.GroupReadDate, error) {
	if len(groupIDs) == 0 {
		return nil, nil
	}
	return queryAll(ctx, x.r, func(s scanner) (*store.GroupReadDate, error) {
		var c store.GroupReadDate
		return &c, s.Scan(&c.GroupID, &c.MemberID, &c.ReadDate)
	}, `SELECT group_id, member_id, read_date FROM group_conversations WHERE group_id IN (`+inList(len(groupIDs))+`) ORDER BY group_id, member_id`,
		int64Args(groupIDs)...)
}
