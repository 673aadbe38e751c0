package sqlite

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"

	"hermod/internal/store"
)

type messages repos

const msgColumns = `id, sender_id, recipient_id, group_id, is_system, text, records, delivery_date,
	modification_date, recall_date, pre_message_id, extensions, client_id`

func (x messages) Insert(ctx context.Context, m *store.Message) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO messages (`+msgColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		m.ID, m.SenderID, m.RecipientID, m.GroupID, m.IsSystem, m.Text, encodeRecords(m.Records), m.DeliveryDate,
		m.ModificationDate, m.RecallDate, m.PreMessageID, m.Extensions, m.ClientID)
	return mapErr(err)
}

func scanMessage(s scanner) (*store.Message, error) {
	var m store.Message
	var records []byte
	err := s.Scan(&m.ID, &m.SenderID, &m.RecipientID, &m.GroupID, &m.IsSystem, &m.Text, &records, &m.DeliveryDate,
		&m.ModificationDate, &m.RecallDate, &m.PreMessageID, &m.Extensions, &m.ClientID)
	if err != nil {
		return nil, mapErr(err)
	}
	if m.Records, err = decodeRecords(records); err != nil {
		return nil, err
	}
	return &m, nil
}

func (x messages) Get(ctx context.Context, id int64) (*store.Message, error) {
	return scanMessage(x.r.QueryRowContext(ctx, `SELECT `+msgColumns+` FROM messages WHERE id = ?`, id))
}

func (x messages) ByClientID(ctx context.Context, senderID, recipientID, groupID int64, clientID string) (*store.Message, error) {
	if clientID == "" {
		return nil, store.ErrNotFound
	}
	if groupID != 0 {
		recipientID = 0
	}
	return scanMessage(x.r.QueryRowContext(ctx, `SELECT `+msgColumns+` FROM messages
		WHERE sender_id = ? AND client_id = ? AND recipient_id = ? AND group_id = ? ORDER BY id DESC LIMIT 1`,
		senderID, clientID, recipientID, groupID))
}

// where builds the WHERE clause of q.
func where(q store.MessageQuery) (string, []any) {
	var conds []string
	var args []any
	in := func(col string, ids []int64) {
		conds = append(conds, col+` IN (`+inList(len(ids))+`)`)
		args = append(args, int64Args(ids)...)
	}
	if q.Group {
		conds = append(conds, `group_id != 0`)
	} else {
		conds = append(conds, `group_id = 0`)
	}
	if len(q.IDs) > 0 {
		in("id", q.IDs)
	}
	if q.System != nil {
		conds, args = append(conds, `is_system = ?`), append(args, *q.System)
	}
	if len(q.SenderIDs) > 0 {
		in("sender_id", q.SenderIDs)
	}
	if len(q.TargetIDs) > 0 {
		if q.Group {
			in("group_id", q.TargetIDs)
		} else {
			in("recipient_id", q.TargetIDs)
		}
	}
	if q.DeliveredFrom != 0 {
		conds, args = append(conds, `delivery_date >= ?`), append(args, q.DeliveredFrom)
	}
	if q.DeliveredTo != 0 {
		conds, args = append(conds, `delivery_date <= ?`), append(args, q.DeliveredTo)
	}
	if !q.WithRecalled {
		conds = append(conds, `recall_date = 0`)
	}
	return strings.Join(conds, " AND "), args
}

func (x messages) Query(ctx context.Context, q store.MessageQuery) ([]store.Message, error) {
	w, args := where(q)
	order := ` ORDER BY delivery_date, id`
	if q.Descending {
		order = ` ORDER BY delivery_date DESC, id DESC`
	}
	sqlText := `SELECT ` + msgColumns + ` FROM messages WHERE ` + w + order
	if q.Limit > 0 {
		sqlText += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := x.r.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *m)
	}
	return out, rows.Err()
}

func (x messages) Count(ctx context.Context, q store.MessageQuery) (int64, error) {
	w, args := where(q)
	var n int64
	err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE `+w, args...).Scan(&n)
	return n, err
}

func (x messages) Update(ctx context.Context, id int64, upd store.MessageUpdate) error {
	var sets []string
	var args []any
	if upd.Text != nil {
		sets, args = append(sets, "text = ?"), append(args, *upd.Text)
	}
	if upd.Records != nil {
		sets, args = append(sets, "records = ?"), append(args, encodeRecords(*upd.Records))
	}
	if upd.ModificationDate != nil {
		sets, args = append(sets, "modification_date = ?"), append(args, *upd.ModificationDate)
	}
	if upd.RecallDate != nil {
		sets, args = append(sets, "recall_date = ?"), append(args, *upd.RecallDate)
	}
	if upd.Extensions != nil {
		sets, args = append(sets, "extensions = ?"), append(args, *upd.Extensions)
	}
	if len(sets) == 0 {
		_, err := x.Get(ctx, id)
		return err
	}
	args = append(args, id)
	return mustAffect(x.w.ExecContext(ctx, `UPDATE messages SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...))
}

// encodeRecords packs records as a uvarint count, then each record as a
// uvarint length and its bytes. No records is NULL.
func encodeRecords(records [][]byte) []byte {
	if len(records) == 0 {
		return nil
	}
	n := binary.MaxVarintLen64
	for _, r := range records {
		n += binary.MaxVarintLen64 + len(r)
	}
	b := binary.AppendUvarint(make([]byte, 0, n), uint64(len(records)))
	for _, r := range records {
		b = binary.AppendUvarint(b, uint64(len(r)))
		b = append(b, r...)
	}
	return b
}

var errCorruptRecords = errors.New("sqlite: corrupt message records")

func decodeRecords(b []byte) ([][]byte, error) {
	if len(b) == 0 {
		return nil, nil
	}
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, errCorruptRecords
	}
	b = b[n:]
	out := make([][]byte, 0, count)
	for range count {
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			return nil, errCorruptRecords
		}
		out = append(out, b[n:n+int(l)])
		b = b[n+int(l):]
	}
	return out, nil
}
