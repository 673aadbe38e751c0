package sqlrepo

import (
	"context"

	"hermod/internal/store"
)

type friendRequests Repos

const frColumns = `id, requester_id, recipient_id, content, status, reason, creation_date, response_date, expiration_date`

func (x friendRequests) bumpBoth(ctx context.Context, q Querier, requesterID, recipientID, now int64) error {
	if err := bump(ctx, q, requesterID, store.VersionSentFriendRequests, now); err != nil {
		return err
	}
	return bump(ctx, q, recipientID, store.VersionReceivedFriendRequests, now)
}

func (x friendRequests) Create(ctx context.Context, r *store.FriendRequest) error {
	return withTx(ctx, x.w, func(q Querier) error {
		err := insertNew(ctx, q, `INSERT INTO friend_requests (`+frColumns+`) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			r.ID, r.RequesterID, r.RecipientID, r.Content, r.Status, r.Reason, r.CreationDate, r.ResponseDate, r.ExpirationDate)
		if err != nil {
			return err
		}
		return x.bumpBoth(ctx, q, r.RequesterID, r.RecipientID, r.CreationDate)
	})
}

func scanFR(s scanner) (*store.FriendRequest, error) {
	var r store.FriendRequest
	err := s.Scan(&r.ID, &r.RequesterID, &r.RecipientID, &r.Content, &r.Status, &r.Reason, &r.CreationDate, &r.ResponseDate, &r.ExpirationDate)
	if err != nil {
		return nil, mapErr(err)
	}
	return &r, nil
}

func (x friendRequests) Get(ctx context.Context, id int64) (*store.FriendRequest, error) {
	return scanFR(x.r.QueryRowContext(ctx, `SELECT `+frColumns+` FROM friend_requests WHERE id = ?`, id))
}

func (x friendRequests) FindPending(ctx context.Context, requesterID, recipientID, now int64) (*store.FriendRequest, error) {
	return scanFR(x.r.QueryRowContext(ctx, `SELECT `+frColumns+` FROM friend_requests
		WHERE requester_id = ? AND recipient_id = ? AND status = ? AND (expiration_date = 0 OR expiration_date > ?)
		ORDER BY id DESC LIMIT 1`, requesterID, recipientID, store.RequestPending, now))
}

func (x friendRequests) SetStatus(ctx context.Context, id int64, from, to store.RequestStatus, reason string, now int64) error {
	return withTx(ctx, x.w, func(q Querier) error {
		r, err := scanFR(q.QueryRowContext(ctx, `SELECT `+frColumns+` FROM friend_requests WHERE id = ? AND status = ?`, id, from))
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE friend_requests SET status = ?, reason = ?, response_date = ? WHERE id = ?`, to, reason, now, id); err != nil {
			return err
		}
		return x.bumpBoth(ctx, q, r.RequesterID, r.RecipientID, now)
	})
}

func (x friendRequests) list(ctx context.Context, col string, userID int64) ([]store.FriendRequest, error) {
	rows, err := x.r.QueryContext(ctx, `SELECT `+frColumns+` FROM friend_requests WHERE `+col+` = ? ORDER BY id DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.FriendRequest
	for rows.Next() {
		r, err := scanFR(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func (x friendRequests) ListSent(ctx context.Context, userID int64) ([]store.FriendRequest, error) {
	return x.list(ctx, "requester_id", userID)
}

func (x friendRequests) ListReceived(ctx context.Context, userID int64) ([]store.FriendRequest, error) {
	return x.list(ctx, "recipient_id", userID)
}
