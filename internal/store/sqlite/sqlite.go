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
	"net/url"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"hermod/internal/store/sqlrepo"
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
	sqlrepo.Repos
	commit *sqlrepo.Committer
}

// writerCacheKiB is the writer's page cache, at most; it fills only as the
// writer touches pages.
const writerCacheKiB = 32 << 10

// walCheckpointPages is the WAL length, in pages, at which a commit
// checkpoints (16 MiB of WAL).
const walCheckpointPages = 4000

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
			// Every message dirties a leaf of each messages index. SQLite's
			// default cache (2 MiB) cannot hold the leaves a busy server
			// writes, so it read them back for each message and spilled
			// them into the WAL before the commit wrote them again.
			q.Add("_pragma", fmt.Sprintf("cache_size(%d)", -writerCacheKiB))
			// A checkpoint copies each page once however often it changed
			// since the last one: a longer WAL (SQLite's default is 1,000
			// pages) copies the hot index leaves fewer times.
			q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walCheckpointPages))
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
	s.Repos = sqlrepo.New(s.read, s.write)
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
	s.commit.Close()
	_, err := s.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	return errors.Join(err, s.read.Close(), s.write.Close())
}

// migrate applies the embedded migrations on the write pool's connection.
func migrate(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return sqlrepo.Migrate(ctx, conn, migrations, "migrations", "sqlite")
}

// mapConflict turns SQLite's unique-key violations into store.ErrConflict.
func mapConflict(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return sqlrepo.ConflictError(err)
		}
	}
	return err
}
