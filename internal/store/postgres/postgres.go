// Package postgres is hermod's store on PostgreSQL, for several nodes
// sharing one database. It runs the repositories of package sqlrepo (the
// same SQL as the sqlite backend) on a pgx connection pool, and keeps here
// only what is PostgreSQL's: the pool, its migrations, applied under an
// advisory lock so that nodes starting together do not race, and
// transactions that are SERIALIZABLE, retried when they lose a race, and
// committed together (group commit, commit.go).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"hermod/internal/store/sqlrepo"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options tune Open; the zero value is the defaults.
type Options struct {
	// MaxConns is the most connections the pool opens (0: pgxpool's
	// default, the larger of 4 and the number of CPUs).
	MaxConns int
	// MaxTxAttempts is how often a transaction is run in all when it keeps
	// losing serialization races (0: 10).
	MaxTxAttempts int
	// Committers is how many transactions of batched InTx work this node
	// runs at once (0: half the pool, at least 1 and at most 4; see
	// commit.go).
	Committers int
	// MaxBatch is the most InTx calls one transaction commits (0: 64).
	MaxBatch int
}

// committers is how many committers a pool of maxConns connections gets
// by default: a few, so that one slow commit does not stop the node's
// writes, and never more than half the pool, which the reads need. (Three
// nodes on a 2-core machine, 4 connections each, chatting: 1 and 2
// committers moved as many messages, 4 a fifth fewer.)
func committers(maxConns int32) int {
	return min(max(int(maxConns)/2, 1), 4)
}

// Store is the PostgreSQL backend.
type Store struct {
	pgx *pgxpool.Pool
	db  *sql.DB
	q   *pool
	sqlrepo.Repos
	commit *sqlrepo.Committer
}

// Open connects to the database at dsn (a PostgreSQL URL or key=value
// string, as libpq takes; search_path=... in it chooses the schema) and
// applies the migrations it lacks.
func Open(ctx context.Context, dsn string, o Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = int32(o.MaxConns)
	}
	if o.MaxTxAttempts <= 0 {
		o.MaxTxAttempts = 10
	}
	if err := migrate(ctx, cfg.ConnConfig.Copy()); err != nil {
		return nil, err
	}
	pp, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pp)
	s := &Store{pgx: pp, db: db, q: &pool{db: db, rb: &rebinder{}, maxAttempts: o.MaxTxAttempts}}
	s.Repos = sqlrepo.New(s.q, s.q)
	if o.Committers <= 0 {
		o.Committers = committers(cfg.MaxConns)
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = defaultMaxBatch
	}
	s.commit = sqlrepo.NewCommitter(batcher{s}, sqlrepo.CommitterOptions{
		Name: "postgres", Committers: o.Committers, MaxBatch: o.MaxBatch, MaxAttempts: o.MaxTxAttempts,
	})
	return s, nil
}

// Where names the database of dsn as user@host:port/database, for a log
// line: without the password a DSN may hold.
func Where(dsn string) string {
	c, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "(a DSN that does not parse)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

// migrationLock is the advisory lock key of the migrations of the current
// schema: nodes migrating one schema wait for each other, schemas (tests)
// do not.
const migrationLock = `hashtext('hermod migrations ' || current_schema())`

// migrate applies the migrations on a connection of its own, not the
// pool's: the advisory lock belongs to the session, and closing the
// connection ends it, so the lock is let go of whatever happens.
func migrate(ctx context.Context, cfg *pgx.ConnConfig) error {
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+migrationLock+`)`); err != nil {
		return fmt.Errorf("postgres: locking the migrations: %w", err)
	}
	return sqlrepo.Migrate(ctx, conn, migrations, "migrations", "postgres")
}

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.q.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close commits the transactions queued and closes the pool; InTx after
// Close fails.
func (s *Store) Close() error {
	s.commit.Close()
	err := s.db.Close()
	s.pgx.Close()
	return err
}
