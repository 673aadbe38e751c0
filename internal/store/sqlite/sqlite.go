// Package sqlite is hermod's embedded store: one SQLite file in WAL mode,
// written with synchronous=FULL so that a message is on disk before its
// sender is told it was accepted. It is pure Go (modernc.org/sqlite), so
// hermod needs no C toolchain and no database server.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hermod/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the SQLite backend.
//
// Writes go through a pool of one connection: SQLite admits one writer at a
// time anyway, and queueing writers in Go avoids SQLITE_BUSY between our own
// goroutines (busy_timeout still covers another process such as the CLI).
// Reads use their own pool, which in WAL mode never waits for the writer.
type Store struct {
	path  string
	write *stmtDB
	read  *stmtDB
	repos
	commit committer
}

// Open opens (creating and migrating if needed) the store at path.
func Open(ctx context.Context, path string) (*Store, error) {
	dsn := func(readOnly bool) string {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "foreign_keys(1)")
		if readOnly {
			q.Add("_pragma", "query_only(1)")
		} else {
			q.Add("_txlock", "immediate")
		}
		return "file:" + path + "?" + q.Encode()
	}
	w, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn(true))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(2, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := &Store{path: path, write: newStmtDB(w), read: newStmtDB(r)}
	s.repos = repos{r: s.read, w: s.write}
	s.startCommitter()
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close checkpoints the WAL into the database file and closes it.
func (s *Store) Close() error {
	s.stopCommitter()
	_, err := s.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(err, s.read.Close(), s.write.Close())
}

func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("sqlite: creating schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	// Two migrations with one number would skip the second silently (as
	// happens when two branches each add the next one): refuse to start.
	seen := map[int]string{}
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s has no version number", base)
		}
		if other, dup := seen[version]; dup {
			return fmt.Errorf("sqlite: migrations %s and %s have the same version number", other, base)
		}
		seen[version] = base
		body, _ := migrations.ReadFile(name)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		var done int
		tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", version).Scan(&done)
		if done > 0 {
			tx.Rollback()
			continue
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES (?)", version); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// querier is what repositories run statements on: the store's pools, or a
// transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// repos implements store.Repos on a read and a write querier (the same one
// inside a transaction).
type repos struct{ r, w querier }

func (x repos) Users() store.UserRepo                         { return users(x) }
func (x repos) Relationships() store.RelationshipRepo         { return relationships(x) }
func (x repos) FriendRequests() store.FriendRequestRepo       { return friendRequests(x) }
func (x repos) Messages() store.MessageRepo                   { return messages(x) }
func (x repos) Conversations() store.ConversationRepo         { return conversations(x) }
func (x repos) Versions() store.VersionRepo                   { return versions(x) }
func (x repos) GroupTypes() store.GroupTypeRepo               { return groupTypes(x) }
func (x repos) Groups() store.GroupRepo                       { return groups(x) }
func (x repos) GroupMembers() store.GroupMemberRepo           { return groupMembers(x) }
func (x repos) GroupVersions() store.GroupVersionRepo         { return groupVersions(x) }
func (x repos) GroupBlocklist() store.GroupBlocklistRepo      { return groupBlocklist(x) }
func (x repos) GroupInvitations() store.GroupInvitationRepo   { return groupInvitations(x) }
func (x repos) GroupJoinRequests() store.GroupJoinRequestRepo { return groupJoinRequests(x) }
func (x repos) GroupQuestions() store.GroupQuestionRepo       { return groupQuestions(x) }
func (x repos) GroupAliases() store.GroupAliasRepo            { return groupAliases(x) }
func (x repos) Settings() store.SettingRepo                   { return settings(x) }
func (x repos) Reactions() store.ReactionRepo                 { return reactions(x) }
func (x repos) Resources() store.ResourceRepo                 { return resources(x) }
func (x repos) PEP() store.PEPRepo                            { return pep(x) }
func (x repos) PrivateXML() store.PrivateXMLRepo              { return privateXML(x) }
func (x repos) ArchivePrefs() store.ArchivePrefsRepo          { return archivePrefs(x) }

// mapErr turns SQLite's constraint errors into store.ErrConflict and
// sql.ErrNoRows into store.ErrNotFound.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		}
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

// withTx runs fn in a transaction when q is the store's write pool, or
// directly on q when q already is a transaction.
func withTx(ctx context.Context, q querier, fn func(querier) error) error {
	db, ok := q.(*stmtDB)
	if !ok {
		return fn(q)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	t := &stmtTx{Tx: tx, db: db, new: map[string]bool{}}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	t.prepareNew()
	return err
}
