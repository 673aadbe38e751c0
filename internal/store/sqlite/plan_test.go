package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"hermod/internal/store"
	"hermod/internal/store/sqlrepo"
)

// TestArchiveQueriesReadIndexesInOrder checks the plans of the hot archive
// queries (the latest page of a user's archive, of one conversation, and
// of a group): each part is read from an index in date order, so a page
// costs its size, not the archive's.
func TestArchiveQueriesReadIndexesInOrder(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cursor := &store.MessageCursor{DeliveryDate: 5, ID: 5}
	for _, tc := range []struct {
		name  string
		q     store.MessageQuery
		index []string
	}{
		{"user archive", store.MessageQuery{ParticipantID: 1, Descending: true, Limit: 50, Before: cursor},
			[]string{"messages_private_sender", "messages_recipient"}},
		{"conversation", store.MessageQuery{ParticipantID: 1, PeerIDs: []int64{2}, After: cursor, Limit: 50},
			[]string{"messages_pair", "messages_pair"}},
		{"group", store.MessageQuery{Group: true, TargetIDs: []int64{7}, Descending: true, Limit: 50, Before: cursor},
			[]string{"messages_group"}},
		{"private messages by sender", store.MessageQuery{SenderIDs: []int64{1}, Descending: true, Limit: 50},
			[]string{"messages_private_sender"}},
		{"group messages by sender", store.MessageQuery{Group: true, SenderIDs: []int64{1}, Descending: true, Limit: 50},
			[]string{"messages_group_sender"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var plan []string
			q := tc.q
			q.Limit = 50
			for _, part := range sqlrepo.MessageQueryParts(q, "id") {
				rows, err := st.read.Query(`EXPLAIN QUERY PLAN `+part.SQL, part.Args...)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var id, parent, unused int
					var detail string
					if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
						t.Fatal(err)
					}
					plan = append(plan, detail)
				}
				rows.Close()
			}
			text := strings.Join(plan, "\n")
			if strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "SCAN messages") {
				t.Fatalf("a part sorts or scans:\n%s", text)
			}
			for _, idx := range tc.index {
				if !strings.Contains(text, idx) {
					t.Fatalf("the plan does not use %s:\n%s", idx, text)
				}
			}
		})
	}
}

// BenchmarkArchivePage reads the newest page of 50 of one user's archive,
// and of one of their conversations, among 200,000 private messages of
// 200 users (the user has about 2,000; the conversation about 10).
func BenchmarkArchivePage(b *testing.B) {
	st, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	const users, total = 200, 200_000
	err = st.InTx(context.Background(), func(tx store.Repos) error {
		for i := range int64(total) {
			m := &store.Message{ID: i + 1, SenderID: i%users + 1, RecipientID: (i*7+3)%users + 1, Text: "hello", DeliveryDate: 1_000 + i}
			if err := tx.Messages().Insert(context.Background(), m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    store.MessageQuery
	}{
		{"Turms query (received only), for comparison", store.MessageQuery{TargetIDs: []int64{1}, Descending: true, Limit: 51}},
		{"user", store.MessageQuery{ParticipantID: 1, Descending: true, Limit: 51}},
		{"conversation", store.MessageQuery{ParticipantID: 1, PeerIDs: []int64{4}, Descending: true, Limit: 51}},
		{"user before a cursor", store.MessageQuery{ParticipantID: 1, Descending: true, Limit: 51,
			Before: &store.MessageCursor{DeliveryDate: 1_000 + total/2, ID: total/2 + 1}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.Messages().Query(context.Background(), bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
