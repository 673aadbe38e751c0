package sqlrepo

import (
	"context"
	"strings"

	"hermod/internal/store"
)

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, q Querier, scan func(scanner) (*T, error), sqlText string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, rows.Err()
}

func queryIDs(ctx context.Context, q Querier, sqlText string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// setter collects the SET clause of an UPDATE from optional fields.
type setter struct {
	sets []string
	args []any
}

func (s *setter) add(col string, v any) {
	s.sets = append(s.sets, col+" = ?")
	s.args = append(s.args, v)
}

func setIf[T any](s *setter, col string, v *T) {
	if v != nil {
		s.add(col, *v)
	}
}

func (s *setter) clause() string { return strings.Join(s.sets, ", ") }

type groupTypes Repos

const groupTypeColumns = `id, name, size_limit, invitation_strategy, join_strategy, info_update_strategy,
	member_info_update_strategy, guest_speakable, self_info_updatable, enable_read_receipt, message_editable`

func scanGroupType(s scanner) (*store.GroupType, error) {
	var t store.GroupType
	err := s.Scan(&t.ID, &t.Name, &t.SizeLimit, &t.InvitationStrategy, &t.JoinStrategy, &t.InfoUpdateStrategy,
		&t.MemberInfoUpdateStrategy, &t.GuestSpeakable, &t.SelfInfoUpdatable, &t.EnableReadReceipt, &t.MessageEditable)
	return &t, mapErr(err)
}

func (x groupTypes) Create(ctx context.Context, t *store.GroupType) error {
	return insertNew(ctx, x.w, `INSERT INTO group_types (`+groupTypeColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		t.ID, t.Name, t.SizeLimit, t.InvitationStrategy, t.JoinStrategy, t.InfoUpdateStrategy,
		t.MemberInfoUpdateStrategy, t.GuestSpeakable, t.SelfInfoUpdatable, t.EnableReadReceipt, t.MessageEditable)
}

func (x groupTypes) Get(ctx context.Context, id int64) (*store.GroupType, error) {
	t, err := scanGroupType(x.r.QueryRowContext(ctx, `SELECT `+groupTypeColumns+` FROM group_types WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (x groupTypes) List(ctx context.Context) ([]store.GroupType, error) {
	return queryAll(ctx, x.r, scanGroupType, `SELECT `+groupTypeColumns+` FROM group_types ORDER BY id`)
}

type groups Repos

const groupColumns = `id, type_id, creator_id, owner_id, name, intro, announcement, min_score, mute_end_date,
	active, attributes, creation_date, last_updated_date, deletion_date`

func scanGroup(s scanner) (*store.Group, error) {
	var g store.Group
	err := s.Scan(&g.ID, &g.TypeID, &g.CreatorID, &g.OwnerID, &g.Name, &g.Intro, &g.Announcement, &g.MinScore,
		&g.MuteEndDate, &g.Active, &g.Attributes, &g.CreationDate, &g.LastUpdatedDate, &g.DeletionDate)
	return &g, mapErr(err)
}

func (x groups) Create(ctx context.Context, g *store.Group) error {
	return insertNew(ctx, x.w, `INSERT INTO groups (`+groupColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		g.ID, g.TypeID, g.CreatorID, g.OwnerID, g.Name, g.Intro, g.Announcement, g.MinScore, g.MuteEndDate,
		g.Active, g.Attributes, g.CreationDate, g.LastUpdatedDate, g.DeletionDate)
}

func (x groups) Get(ctx context.Context, id int64) (*store.Group, error) {
	g, err := scanGroup(x.r.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	return g, nil
}

func (x groups) GetMany(ctx context.Context, ids []int64) ([]store.Group, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAll(ctx, x.r, scanGroup, `SELECT `+groupColumns+` FROM groups WHERE id IN (`+inList(len(ids))+`) ORDER BY id`, int64Args(ids)...)
}

func (x groups) Update(ctx context.Context, id int64, upd store.GroupUpdate) error {
	var s setter
	setIf(&s, "type_id", upd.TypeID)
	setIf(&s, "owner_id", upd.OwnerID)
	setIf(&s, "name", upd.Name)
	setIf(&s, "intro", upd.Intro)
	setIf(&s, "announcement", upd.Announcement)
	setIf(&s, "min_score", upd.MinScore)
	setIf(&s, "mute_end_date", upd.MuteEndDate)
	setIf(&s, "active", upd.Active)
	setIf(&s, "attributes", upd.Attributes)
	setIf(&s, "deletion_date", upd.DeletionDate)
	s.add("last_updated_date", upd.LastUpdatedDate)
	return mustAffect(x.w.ExecContext(ctx, `UPDATE groups SET `+s.clause()+` WHERE id = ?`, append(s.args, id)...))
}

func (x groups) CountOwned(ctx context.Context, ownerID int64) (int64, error) {
	var n int64
	err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM groups WHERE owner_id = ? AND deletion_date = 0`, ownerID).Scan(&n)
	return n, err
}

type groupMembers Repos

const memberColumns = `group_id, user_id, name, role, join_date, mute_end_date, note`

func scanMember(s scanner) (*store.GroupMember, error) {
	var m store.GroupMember
	err := s.Scan(&m.GroupID, &m.UserID, &m.Name, &m.Role, &m.JoinDate, &m.MuteEndDate, &m.Note)
	return &m, mapErr(err)
}

func (x groupMembers) Add(ctx context.Context, members []store.GroupMember) error {
	return withTx(ctx, x.w, func(q Querier) error {
		for _, m := range members {
			err := insertNew(ctx, q, `INSERT INTO group_members (`+memberColumns+`) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
				m.GroupID, m.UserID, m.Name, m.Role, m.JoinDate, m.MuteEndDate, m.Note)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (x groupMembers) Remove(ctx context.Context, groupID int64, userIDs []int64) (int64, error) {
	q := `DELETE FROM group_members WHERE group_id = ?`
	args := []any{groupID}
	if userIDs != nil {
		if len(userIDs) == 0 {
			return 0, nil
		}
		q += ` AND user_id IN (` + inList(len(userIDs)) + `)`
		args = append(args, int64Args(userIDs)...)
	}
	res, err := x.w.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (x groupMembers) Get(ctx context.Context, groupID, userID int64) (*store.GroupMember, error) {
	m, err := scanMember(x.r.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID))
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (x groupMembers) List(ctx context.Context, groupID int64, userIDs []int64) ([]store.GroupMember, error) {
	q := `SELECT ` + memberColumns + ` FROM group_members WHERE group_id = ?`
	args := []any{groupID}
	if len(userIDs) > 0 {
		q += ` AND user_id IN (` + inList(len(userIDs)) + `)`
		args = append(args, int64Args(userIDs)...)
	}
	return queryAll(ctx, x.r, scanMember, q+` ORDER BY user_id`, args...)
}

func (x groupMembers) Count(ctx context.Context, groupID int64) (int64, error) {
	var n int64
	err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM group_members WHERE group_id = ?`, groupID).Scan(&n)
	return n, err
}

func (x groupMembers) Update(ctx context.Context, groupID, userID int64, upd store.GroupMemberUpdate) error {
	var s setter
	setIf(&s, "name", upd.Name)
	setIf(&s, "role", upd.Role)
	setIf(&s, "mute_end_date", upd.MuteEndDate)
	setIf(&s, "note", upd.Note)
	if len(s.sets) == 0 {
		_, err := x.Get(ctx, groupID, userID)
		return err
	}
	return mustAffect(x.w.ExecContext(ctx, `UPDATE group_members SET `+s.clause()+` WHERE group_id = ? AND user_id = ?`,
		append(s.args, groupID, userID)...))
}

func (x groupMembers) GroupIDs(ctx context.Context, userID int64) ([]int64, error) {
	return queryIDs(ctx, x.r, `SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id`, userID)
}

type groupVersions Repos

func (x groupVersions) Get(ctx context.Context, groupID int64, kind store.GroupVersionKind) (int64, error) {
	var v int64
	err := mapErr(x.r.QueryRowContext(ctx, `SELECT updated_at FROM group_versions WHERE group_id = ? AND kind = ?`, groupID, string(kind)).Scan(&v))
	if err == store.ErrNotFound {
		return 0, nil
	}
	return v, err
}

func (x groupVersions) Bump(ctx context.Context, groupID int64, kind store.GroupVersionKind, now int64) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO group_versions (group_id, kind, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (group_id, kind) DO UPDATE SET updated_at = excluded.updated_at WHERE excluded.updated_at > group_versions.updated_at`, groupID, string(kind), now)
	return err
}
