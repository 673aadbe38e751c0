package postgres

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"hermod/internal/store"
	"hermod/internal/store/postgres/pgtest"
	"hermod/internal/store/sqlrepo"
)

// TestHotQueriesUseIndexes checks PostgreSQL's plans of the hot queries
// on tables seeded with enough rows, and analyzed, for the planner's
// choice to be the one it makes in production: the archive pages of
// SQLite's plan test (a user's, one conversation's, a group's), each part
// read from its index in date order with no sort, and the roster, the
// joined groups, a group's members and the lookup of a message by the id
// its XMPP client gave it, each from its index with no table scan.
func TestHotQueriesUseIndexes(t *testing.T) {
	st, err := Open(context.Background(), pgtest.DSN(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	seed(t, st.db)

	explain := func(t *testing.T, s sqlrepo.Statement) string {
		t.Helper()
		rows, err := st.q.QueryContext(ctx, "EXPLAIN "+s.SQL, s.Args...)
		if err != nil {
			t.Fatalf("%s: %v", s.SQL, err)
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, line)
		}
		return strings.Join(lines, "\n")
	}
	check := func(t *testing.T, stmts []sqlrepo.Statement, ordered bool, indexes []string) {
		t.Helper()
		var plans []string
		for _, s := range stmts {
			plans = append(plans, explain(t, s))
		}
		plan := strings.Join(plans, "\n--\n")
		t.Logf("plan:\n%s", plan)
		if strings.Contains(plan, "Seq Scan") {
			t.Fatalf("a table is scanned:\n%s", plan)
		}
		if ordered && strings.Contains(plan, "Sort") {
			t.Fatalf("a part sorts:\n%s", plan)
		}
		for _, idx := range indexes {
			if !strings.Contains(plan, " "+idx+" ") && !strings.HasSuffix(plan, " "+idx) && !strings.Contains(plan, " "+idx+"\n") {
				t.Fatalf("the plan does not use %s:\n%s", idx, plan)
			}
		}
	}

	cursor := &store.MessageCursor{DeliveryDate: 151_000, ID: 150_000}
	for _, tc := range []struct {
		name  string
		q     store.MessageQuery
		index []string
	}{
		{"user archive", store.MessageQuery{ParticipantID: 1, Descending: true, Limit: 50, Before: cursor},
			[]string{"messages_private_sender", "messages_recipient"}},
		{"conversation", store.MessageQuery{ParticipantID: 1, PeerIDs: []int64{4}, Before: cursor, Descending: true, Limit: 50},
			[]string{"messages_pair"}},
		{"group", store.MessageQuery{Group: true, TargetIDs: []int64{7}, Descending: true, Limit: 50, Before: cursor},
			[]string{"messages_group"}},
		{"private messages by sender", store.MessageQuery{SenderIDs: []int64{1}, Descending: true, Limit: 50},
			[]string{"messages_private_sender"}},
		{"group messages by sender", store.MessageQuery{Group: true, SenderIDs: []int64{1}, Descending: true, Limit: 50},
			[]string{"messages_group_sender"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, sqlrepo.MessageQueryParts(tc.q, "id"), true, tc.index)
		})
	}

	for _, tc := range []struct {
		name  string
		run   func(x sqlrepo.Repos) error
		index []string
	}{
		{"roster", func(x sqlrepo.Repos) error {
			_, err := x.Relationships().List(ctx, 5, store.RelationshipFilter{})
			return err
		}, []string{"relationships_pkey", "relationship_group_members_related"}},
		{"joined groups", func(x sqlrepo.Repos) error {
			_, err := x.GroupMembers().GroupIDs(ctx, 5)
			return err
		}, []string{"group_members_user"}},
		{"group members", func(x sqlrepo.Repos) error {
			_, err := x.GroupMembers().List(ctx, 7, nil)
			return err
		}, []string{"group_members_pkey"}},
		{"message by client id", func(x sqlrepo.Repos) error {
			_, err := x.Messages().ByClientID(ctx, 1, 2, 0, "c-1")
			if err == store.ErrNotFound {
				err = nil
			}
			return err
		}, []string{"messages_client_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{Querier: st.q}
			if err := tc.run(sqlrepo.New(rec, rec)); err != nil {
				t.Fatal(err)
			}
			check(t, rec.stmts, false, tc.index)
		})
	}
}

// recorder notes the reads run through it, to EXPLAIN them.
type recorder struct {
	sqlrepo.Querier
	stmts []sqlrepo.Statement
}

func (r *recorder) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	r.stmts = append(r.stmts, sqlrepo.Statement{SQL: query, Args: args})
	return r.Querier.QueryContext(ctx, query, args...)
}

func (r *recorder) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	r.stmts = append(r.stmts, sqlrepo.Statement{SQL: query, Args: args})
	return r.Querier.QueryRowContext(ctx, query, args...)
}

// seed fills the tables the hot queries read with a production-like
// spread: 200,000 private messages among 200 users (about 1,000 sent and
// 1,000 received each, as in SQLite's archive benchmark: a busy user's
// archive, where reading a page in date order matters), 50,000 group
// messages in 500 groups; 2,000 users in groups of about 200 members
// (each user in about 50) and with 100 relationships each, half of them
// in a relationship group.
func seed(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, stmt := range []string{
		`INSERT INTO messages (id, sender_id, recipient_id, group_id, text, delivery_date, client_id)
			SELECT i, i % 200 + 1, (i * 7 + 3) % 200 + 1, 0, 'hello', 1000 + i, 'c-' || i FROM generate_series(1, 200000) i`,
		`INSERT INTO messages (id, sender_id, recipient_id, group_id, text, delivery_date)
			SELECT i, i % 2000 + 1, 0, i % 500 + 1, 'hello', 1000 + i FROM generate_series(200001, 250000) i`,
		`INSERT INTO group_members (group_id, user_id, role, join_date)
			SELECT g, u, 2, 1 FROM generate_series(1, 500) g, generate_series(1, 2000) u WHERE (g + u) % 10 = 0`,
		`INSERT INTO relationships (owner_id, related_id, establishment_date)
			SELECT o, (o + k * 13) % 2000 + 1, 1 FROM generate_series(1, 2000) o, generate_series(1, 100) k
			ON CONFLICT DO NOTHING`,
		`INSERT INTO relationship_groups (owner_id, idx, name, creation_date)
			SELECT o, 1, 'friends', 1 FROM generate_series(1, 2000) o`,
		`INSERT INTO relationship_group_members (owner_id, idx, related_id)
			SELECT owner_id, 1, related_id FROM relationships WHERE related_id % 2 = 0`,
		`ANALYZE`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}
