// Package sqlrepo is hermod's repositories on database/sql, shared by the
// sqlite and postgres backends: the SQL and the scanning are written once,
// in the subset both databases understand, and each backend supplies only
// what is its own (opening, pooling, transactions, placeholders, errors).
//
// The SQL is portable by these rules:
//   - placeholders are ?; a backend whose driver wants $n rewrites them in
//     its Querier;
//   - an insert that may hit a key already there says ON CONFLICT DO
//     NOTHING and reports the conflict from the affected-row count, so that
//     a conflict never aborts the transaction it happens in (PostgreSQL
//     would refuse every later statement of it), and callers may go on
//     after store.ErrConflict inside InTx;
//   - no SQLite-only functions (group_concat, scalar max), no INSERT OR
//     REPLACE/IGNORE, derived tables have aliases;
//   - booleans are bound and scanned as Go bools (SQLite keeps them as 0/1
//     integers, PostgreSQL as BOOLEAN).
package sqlrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"hermod/internal/store"
)

// Querier is what repositories run statements on: a backend's pool or one
// of its transactions. A backend's Querier reports a unique-key violation
// as an error that wraps store.ErrConflict (see ConflictError), so that the
// repositories need not know the driver's error types.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// TxRunner is a Querier outside a transaction that can start one: the
// repositories whose one call writes several statements (a relationship
// and its group memberships) run them through it when they are not already
// inside InTx. The backend decides isolation and retries.
type TxRunner interface {
	Querier
	RunTx(ctx context.Context, fn func(Querier) error) error
}

// ConflictError wraps a driver's unique-key violation as store.ErrConflict,
// keeping the driver's error in the chain.
func ConflictError(err error) error { return fmt.Errorf("%w: %w", store.ErrConflict, err) }

// Repos implements store.Repos on a read and a write querier (the same one
// inside a transaction).
type Repos struct{ r, w Querier }

// New returns the repositories reading through r and writing through w.
func New(r, w Querier) Repos { return Repos{r: r, w: w} }

func (x Repos) Users() store.UserRepo                         { return users(x) }
func (x Repos) Relationships() store.RelationshipRepo         { return relationships(x) }
func (x Repos) FriendRequests() store.FriendRequestRepo       { return friendRequests(x) }
func (x Repos) Messages() store.MessageRepo                   { return messages(x) }
func (x Repos) Conversations() store.ConversationRepo         { return conversations(x) }
func (x Repos) Versions() store.VersionRepo                   { return versions(x) }
func (x Repos) GroupTypes() store.GroupTypeRepo               { return groupTypes(x) }
func (x Repos) Groups() store.GroupRepo                       { return groups(x) }
func (x Repos) GroupMembers() store.GroupMemberRepo           { return groupMembers(x) }
func (x Repos) GroupVersions() store.GroupVersionRepo         { return groupVersions(x) }
func (x Repos) GroupBlocklist() store.GroupBlocklistRepo      { return groupBlocklist(x) }
func (x Repos) GroupInvitations() store.GroupInvitationRepo   { return groupInvitations(x) }
func (x Repos) GroupJoinRequests() store.GroupJoinRequestRepo { return groupJoinRequests(x) }
func (x Repos) GroupQuestions() store.GroupQuestionRepo       { return groupQuestions(x) }
func (x Repos) GroupAliases() store.GroupAliasRepo            { return groupAliases(x) }
func (x Repos) Settings() store.SettingRepo                   { return settings(x) }
func (x Repos) Reactions() store.ReactionRepo                 { return reactions(x) }
func (x Repos) Resources() store.ResourceRepo                 { return resources(x) }
func (x Repos) PEP() store.PEPRepo                            { return pep(x) }
func (x Repos) PrivateXML() store.PrivateXMLRepo              { return privateXML(x) }
func (x Repos) ArchivePrefs() store.ArchivePrefsRepo          { return archivePrefs(x) }

// mapErr turns sql.ErrNoRows into store.ErrNotFound (conflicts are mapped
// by the backend's Querier).
func mapErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}

// mustAffect returns ErrNotFound when a statement changed no row.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return mapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// errDuplicate is the conflict of an insert that found its key taken.
var errDuplicate = fmt.Errorf("%w: the key is taken", store.ErrConflict)

// insertNew runs an INSERT that must add its row, adding ON CONFLICT DO
// NOTHING to it: a key already there is store.ErrConflict, reported from
// the affected-row count rather than by a failed statement, so that the
// transaction it runs in stays usable (see the package doc). query must be
// a constant, for the backends' statement caches.
func insertNew(ctx context.Context, q Querier, query string, args ...any) error {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errDuplicate
	}
	return nil
}

// inList returns "?,?,?" for n placeholders.
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// withTx runs fn in a transaction of the backend when q can start one, or
// directly on q when q already is a transaction.
func withTx(ctx context.Context, q Querier, fn func(Querier) error) error {
	if r, ok := q.(TxRunner); ok {
		return r.RunTx(ctx, fn)
	}
	return fn(q)
}
