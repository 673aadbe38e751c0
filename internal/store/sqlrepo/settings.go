package sqlrepo

import (
	"context"

	"hermod/internal/store"
)

type settings Repos

func (x settings) Upsert(ctx context.Context, ss []store.Setting) error {
	return withTx(ctx, x.w, func(q Querier) error {
		for _, s := range ss {
			_, err := q.ExecContext(ctx, `INSERT INTO settings (owner_id, scope, target_id, name, value, updated_date) VALUES (?,?,?,?,?,?)
				ON CONFLICT (owner_id, scope, target_id, name) DO UPDATE SET value = excluded.value, updated_date = excluded.updated_date`,
				s.OwnerID, s.Scope, s.TargetID, s.Name, s.Value, s.UpdatedDate)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func settingWhere(f store.SettingFilter) (string, []any) {
	w := `owner_id = ? AND scope = ?`
	args := []any{f.OwnerID, f.Scope}
	if len(f.TargetIDs) > 0 {
		w += ` AND target_id IN (` + inList(len(f.TargetIDs)) + `)`
		args = append(args, int64Args(f.TargetIDs)...)
	}
	if len(f.Names) > 0 {
		w += ` AND name IN (` + inList(len(f.Names)) + `)`
		for _, n := range f.Names {
			args = append(args, n)
		}
	}
	return w, args
}

func (x settings) Delete(ctx context.Context, f store.SettingFilter) (int64, error) {
	w, args := settingWhere(f)
	res, err := x.w.ExecContext(ctx, `DELETE FROM settings WHERE `+w, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (x settings) List(ctx context.Context, f store.SettingFilter) ([]store.Setting, error) {
	w, args := settingWhere(f)
	return queryAll(ctx, x.r, func(s scanner) (*store.Setting, error) {
		var v store.Setting
		return &v, s.Scan(&v.OwnerID, &v.Scope, &v.TargetID, &v.Name, &v.Value, &v.UpdatedDate)
	}, `SELECT owner_id, scope, target_id, name, value, updated_date FROM settings WHERE `+w+` ORDER BY target_id, name`, args...)
}

type reactions Repos

func (x reactions) Add(ctx context.Context, rs []store.MessageReaction) error {
	return withTx(ctx, x.w, func(q Querier) error {
		for _, r := range rs {
			_, err := q.ExecContext(ctx, `INSERT INTO message_reactions (message_id, user_id, reaction_type, creation_date) VALUES (?,?,?,?)
				ON CONFLICT DO NOTHING`, r.MessageID, r.UserID, r.Type, r.CreationDate)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (x reactions) Remove(ctx context.Context, messageID, userID int64, types []int32) (int64, error) {
	if len(types) == 0 {
		return 0, nil
	}
	args := []any{messageID, userID}
	for _, t := range types {
		args = append(args, t)
	}
	res, err := x.w.ExecContext(ctx, `DELETE FROM message_reactions WHERE message_id = ? AND user_id = ? AND reaction_type IN (`+inList(len(types))+`)`, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (x reactions) List(ctx context.Context, messageIDs []int64) ([]store.MessageReaction, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	return queryAll(ctx, x.r, func(s scanner) (*store.MessageReaction, error) {
		var r store.MessageReaction
		return &r, s.Scan(&r.MessageID, &r.UserID, &r.Type, &r.CreationDate)
	}, `SELECT message_id, user_id, reaction_type, creation_date FROM message_reactions WHERE message_id IN (`+inList(len(messageIDs))+`)
		ORDER BY message_id, reaction_type, creation_date, user_id`, int64Args(messageIDs)...)
}
