package sqlrepo

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"strings"

	"hermod/internal/store"
)

type messages Repos

const msgColumns = `id, sender_id, recipient_id, group_id, is_system, text, records, delivery_date,
	modification_date, recall_date, pre_message_id, extensions, client_id`

func (x messages) Insert(ctx context.Context, m *store.Message) error {
	return insertNew(ctx, x.w, `INSERT INTO messages (`+msgColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		m.ID, m.SenderID, m.RecipientID, m.GroupID, m.IsSystem, m.Text, encodeRecords(m.Records), m.DeliveryDate,
		m.ModificationDate, m.RecallDate, m.PreMessageID, m.Extensions, m.ClientID)
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

// where builds the WHERE clauses of q: one, or for a participant's
// archive two whose union is the result (what they sent, what they
// received), so that each is served by its own index in date order.
func where(q store.MessageQuery) []clause {
	var c clause
	in := func(c *clause, col string, ids []int64, not bool) {
		op := ` IN (`
		if not {
			op = ` NOT IN (`
		}
		c.conds = append(c.conds, col+op+inList(len(ids))+`)`)
		c.args = append(c.args, int64Args(ids)...)
	}
	if q.Group {
		c.add(`group_id != 0`)
	} else {
		c.add(`group_id = 0`)
	}
	if len(q.IDs) > 0 {
		in(&c, "id", q.IDs, false)
	}
	if q.System != nil {
		c.add(`is_system = ?`, *q.System)
	}
	if len(q.SenderIDs) > 0 {
		in(&c, "sender_id", q.SenderIDs, false)
	}
	if len(q.TargetIDs) > 0 {
		if q.Group {
			in(&c, "group_id", q.TargetIDs, false)
		} else {
			in(&c, "recipient_id", q.TargetIDs, false)
		}
	}
	if q.DeliveredFrom != 0 {
		c.add(`delivery_date >= ?`, q.DeliveredFrom)
	}
	if q.DeliveredTo != 0 {
		c.add(`delivery_date <= ?`, q.DeliveredTo)
	}
	if q.AboveID != 0 {
		c.add(`id > ?`, q.AboveID)
	}
	if !q.WithRecalled {
		c.add(`recall_date = 0`)
	}
	if q.After != nil {
		c.add(`(delivery_date, id) > (?, ?)`, q.After.DeliveryDate, q.After.ID)
	}
	if q.Before != nil {
		c.add(`(delivery_date, id) < (?, ?)`, q.Before.DeliveryDate, q.Before.ID)
	}
	if q.ParticipantID == 0 {
		return []clause{c}
	}
	sent, received := c.copy(), c.copy()
	sent.add(`sender_id = ?`, q.ParticipantID)
	received.add(`recipient_id = ? AND sender_id != ?`, q.ParticipantID, q.ParticipantID)
	for _, b := range []struct {
		c    *clause
		peer string
	}{{&sent, "recipient_id"}, {&received, "sender_id"}} {
		if len(q.PeerIDs) > 0 {
			in(b.c, b.peer, q.PeerIDs, false)
		}
		if len(q.ExcludedPeerIDs) > 0 {
			in(b.c, b.peer, q.ExcludedPeerIDs, true)
		}
	}
	return []clause{sent, received}
}

// clause is a WHERE clause: conditions joined by AND, and their arguments.
type clause struct {
	conds []string
	args  []any
}

func (c *clause) add(cond string, args ...any) {
	c.conds = append(c.conds, cond)
	c.args = append(c.args, args...)
}

func (c clause) copy() clause {
	return clause{conds: slices.Clone(c.conds), args: slices.Clone(c.args)}
}

func (c clause) String() string { return strings.Join(c.conds, " AND ") }

// Statement is one SQL statement and its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// MessageQueryParts returns the statements selecting columns (a list of
// messages' columns) that Messages().Query runs for q: one, or for a
// participant's archive one per part, which Query merges with a UNION ALL.
// Each is read in date order from an index of its own; the backends' plan
// tests EXPLAIN them.
func MessageQueryParts(q store.MessageQuery, columns string) []Statement {
	order, limit := messageOrder(q), ""
	if q.Limit > 0 {
		limit = ` LIMIT ` + strconv.Itoa(q.Limit)
	}
	cs := where(q)
	out := make([]Statement, len(cs))
	for i, c := range cs {
		out[i] = Statement{`SELECT ` + columns + ` FROM messages WHERE ` + c.String() + order + limit, c.args}
	}
	return out
}

func messageOrder(q store.MessageQuery) string {
	if q.Descending {
		return ` ORDER BY delivery_date DESC, id DESC`
	}
	return ` ORDER BY delivery_date, id`
}

func (x messages) Query(ctx context.Context, q store.MessageQuery) ([]store.Message, error) {
	order, limit := messageOrder(q), ""
	if q.Limit > 0 {
		limit = ` LIMIT ` + strconv.Itoa(q.Limit) // built here: a short string that stays on the stack
	}
	var sqlText string
	var args []any
	if cs := where(q); len(cs) == 1 {
		sqlText, args = `SELECT `+msgColumns+` FROM messages WHERE `+cs[0].String()+order+limit, cs[0].args
	} else {
		// Each part is ordered and limited on its own index, then merged.
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = `SELECT * FROM (SELECT ` + msgColumns + ` FROM messages WHERE ` + c.String() + order + limit + `) AS p` + strconv.Itoa(i)
			args = append(args, c.args...)
		}
		sqlText = `SELECT ` + msgColumns + ` FROM (` + strings.Join(parts, ` UNION ALL `) + `) AS u` + order + limit
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
	var total int64
	for _, c := range where(q) {
		var n int64
		if err := x.r.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE `+c.String(), c.args...).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
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

var errCorruptRecords = errors.New("sqlrepo: corrupt message records")

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
