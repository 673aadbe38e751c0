package sqlrepo

import (
	"context"
	"encoding/json"

	"hermod/internal/store"
)

type groupBlocklist Repos

func (x groupBlocklist) Add(ctx context.Context, b *store.GroupBlockedUser) error {
	return insertNew(ctx, x.w, `INSERT INTO group_blocked_users (group_id, user_id, block_date, requester_id) VALUES (?,?,?,?)
		ON CONFLICT DO NOTHING`, b.GroupID, b.UserID, b.BlockDate, b.RequesterID)
}

func (x groupBlocklist) Remove(ctx context.Context, groupID, userID int64) error {
	return mustAffect(x.w.ExecContext(ctx, `DELETE FROM group_blocked_users WHERE group_id = ? AND user_id = ?`, groupID, userID))
}

func (x groupBlocklist) IsBlocked(ctx context.Context, groupID, userID int64) (bool, error) {
	var n int
	err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM group_blocked_users WHERE group_id = ? AND user_id = ?`, groupID, userID).Scan(&n)
	return n > 0, err
}

func (x groupBlocklist) List(ctx context.Context, groupID int64) ([]store.GroupBlockedUser, error) {
	return queryAll(ctx, x.r, func(s scanner) (*store.GroupBlockedUser, error) {
		var b store.GroupBlockedUser
		return &b, s.Scan(&b.GroupID, &b.UserID, &b.BlockDate, &b.RequesterID)
	}, `SELECT group_id, user_id, block_date, requester_id FROM group_blocked_users WHERE group_id = ? ORDER BY user_id`, groupID)
}

type groupInvitations Repos

const invitationColumns = `id, group_id, inviter_id, invitee_id, content, status, reason, creation_date, response_date, expiration_date`

func scanInvitation(s scanner) (*store.GroupInvitation, error) {
	var v store.GroupInvitation
	err := s.Scan(&v.ID, &v.GroupID, &v.InviterID, &v.InviteeID, &v.Content, &v.Status, &v.Reason, &v.CreationDate, &v.ResponseDate, &v.ExpirationDate)
	return &v, mapErr(err)
}

func (x groupInvitations) Create(ctx context.Context, v *store.GroupInvitation) error {
	return insertNew(ctx, x.w, `INSERT INTO group_invitations (`+invitationColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		v.ID, v.GroupID, v.InviterID, v.InviteeID, v.Content, v.Status, v.Reason, v.CreationDate, v.ResponseDate, v.ExpirationDate)
}

func (x groupInvitations) Get(ctx context.Context, id int64) (*store.GroupInvitation, error) {
	v, err := scanInvitation(x.r.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM group_invitations WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (x groupInvitations) Respond(ctx context.Context, id int64, r store.Response) error {
	return mustAffect(x.w.ExecContext(ctx, `UPDATE group_invitations SET status = ?, reason = ?, response_date = ? WHERE id = ? AND status = 0`,
		r.Status, r.Reason, r.ResponseDate, id))
}

func enrollmentWhere(f store.EnrollmentFilter, sender, recipient string) (string, []any) {
	w, args := "1 = 1", []any{}
	if f.GroupID != 0 {
		w, args = w+" AND group_id = ?", append(args, f.GroupID)
	}
	if f.SenderID != 0 {
		w, args = w+" AND "+sender+" = ?", append(args, f.SenderID)
	}
	if f.RecipientID != 0 && recipient != "" {
		w, args = w+" AND "+recipient+" = ?", append(args, f.RecipientID)
	}
	return w, args
}

func (x groupInvitations) List(ctx context.Context, f store.EnrollmentFilter) ([]store.GroupInvitation, error) {
	w, args := enrollmentWhere(f, "inviter_id", "invitee_id")
	return queryAll(ctx, x.r, scanInvitation, `SELECT `+invitationColumns+` FROM group_invitations WHERE `+w+` ORDER BY id DESC`, args...)
}

type groupJoinRequests Repos

const joinRequestColumns = `id, group_id, requester_id, responder_id, content, status, reason, creation_date, response_date, expiration_date`

func scanJoinRequest(s scanner) (*store.GroupJoinRequest, error) {
	var v store.GroupJoinRequest
	err := s.Scan(&v.ID, &v.GroupID, &v.RequesterID, &v.ResponderID, &v.Content, &v.Status, &v.Reason, &v.CreationDate, &v.ResponseDate, &v.ExpirationDate)
	return &v, mapErr(err)
}

func (x groupJoinRequests) Create(ctx context.Context, v *store.GroupJoinRequest) error {
	return insertNew(ctx, x.w, `INSERT INTO group_join_requests (`+joinRequestColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		v.ID, v.GroupID, v.RequesterID, v.ResponderID, v.Content, v.Status, v.Reason, v.CreationDate, v.ResponseDate, v.ExpirationDate)
}

func (x groupJoinRequests) Get(ctx context.Context, id int64) (*store.GroupJoinRequest, error) {
	v, err := scanJoinRequest(x.r.QueryRowContext(ctx, `SELECT `+joinRequestColumns+` FROM group_join_requests WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (x groupJoinRequests) Respond(ctx context.Context, id int64, r store.Response) error {
	return mustAffect(x.w.ExecContext(ctx, `UPDATE group_join_requests SET status = ?, reason = ?, responder_id = ?, response_date = ? WHERE id = ? AND status = 0`,
		r.Status, r.Reason, r.ResponderID, r.ResponseDate, id))
}

func (x groupJoinRequests) List(ctx context.Context, f store.EnrollmentFilter) ([]store.GroupJoinRequest, error) {
	w, args := enrollmentWhere(f, "requester_id", "")
	return queryAll(ctx, x.r, scanJoinRequest, `SELECT `+joinRequestColumns+` FROM group_join_requests WHERE `+w+` ORDER BY id DESC`, args...)
}

type groupQuestions Repos

func scanQuestion(s scanner) (*store.GroupQuestion, error) {
	var q store.GroupQuestion
	var answers string
	if err := s.Scan(&q.ID, &q.GroupID, &q.Question, &answers, &q.Score); err != nil {
		return nil, mapErr(err)
	}
	return &q, json.Unmarshal([]byte(answers), &q.Answers)
}

func (x groupQuestions) Create(ctx context.Context, qs []store.GroupQuestion) error {
	return withTx(ctx, x.w, func(tx Querier) error {
		for _, q := range qs {
			answers, _ := json.Marshal(q.Answers)
			if err := insertNew(ctx, tx, `INSERT INTO group_join_questions (id, group_id, question, answers, score) VALUES (?,?,?,?,?)
				ON CONFLICT DO NOTHING`, q.ID, q.GroupID, q.Question, string(answers), q.Score); err != nil {
				return err
			}
		}
		return nil
	})
}

func (x groupQuestions) GetMany(ctx context.Context, ids []int64) ([]store.GroupQuestion, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return queryAll(ctx, x.r, scanQuestion, `SELECT id, group_id, question, answers, score FROM group_join_questions WHERE id IN (`+inList(len(ids))+`) ORDER BY id`, int64Args(ids)...)
}

func (x groupQuestions) Update(ctx context.Context, id int64, upd store.GroupQuestionUpdate) error {
	var s setter
	setIf(&s, "question", upd.Question)
	if upd.Answers != nil {
		b, _ := json.Marshal(*upd.Answers)
		s.add("answers", string(b))
	}
	setIf(&s, "score", upd.Score)
	if len(s.sets) == 0 {
		qs, err := x.GetMany(ctx, []int64{id})
		if err == nil && len(qs) == 0 {
			return store.ErrNotFound
		}
		return err
	}
	return mustAffect(x.w.ExecContext(ctx, `UPDATE group_join_questions SET `+s.clause()+` WHERE id = ?`, append(s.args, id)...))
}

func (x groupQuestions) Delete(ctx context.Context, groupID int64, ids []int64) (int64, error) {
	q := `DELETE FROM group_join_questions WHERE group_id = ?`
	args := []any{groupID}
	if ids != nil {
		if len(ids) == 0 {
			return 0, nil
		}
		q += ` AND id IN (` + inList(len(ids)) + `)`
		args = append(args, int64Args(ids)...)
	}
	res, err := x.w.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (x groupQuestions) List(ctx context.Context, groupID int64) ([]store.GroupQuestion, error) {
	return queryAll(ctx, x.r, scanQuestion, `SELECT id, group_id, question, answers, score FROM group_join_questions WHERE group_id = ? ORDER BY id`, groupID)
}
