package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"hermod/internal/store/sqlrepo"
)

// pool runs the shared repositories' statements on the database/sql view
// of the pgx pool: placeholders rewritten, unique violations reported as
// store.ErrConflict. pgx prepares and caches each statement per
// connection by itself.
type pool struct {
	db *sql.DB
	rb *rebinder
	// maxAttempts bounds how often a transaction that lost a
	// serialization race is run again.
	maxAttempts int
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := p.db.ExecContext(ctx, p.rb.rebind(query), args...)
	return res, mapConflict(err)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.db.QueryContext(ctx, p.rb.rebind(query), args...)
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(ctx, p.rb.rebind(query), args...)
}

// tx is one transaction of the pool.
type tx struct {
	tx *sql.Tx
	rb *rebinder
}

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.tx.ExecContext(ctx, t.rb.rebind(query), args...)
	return res, mapConflict(err)
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, t.rb.rebind(query), args...)
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.rb.rebind(query), args...)
}

// mapConflict turns a unique violation (SQLSTATE 23505) into
// store.ErrConflict.
func mapConflict(err error) error {
	var pe *pgconn.PgError
	if err != nil && errors.As(err, &pe) && pe.Code == "23505" {
		return sqlrepo.ConflictError(err)
	}
	return err
}

// RunTx runs fn in a SERIALIZABLE transaction, and runs it again (up to
// maxAttempts times in all, after a short random pause that grows) when
// PostgreSQL aborts it for a serialization failure or a deadlock. Several
// hermod nodes, and the goroutines of each, write at once: SERIALIZABLE
// makes the read-then-write work inside fn (the next relationship group's
// index, a request's status check) behave as if the transactions ran one
// after the other, as they did on SQLite's single writer, and the retry
// turns the aborts this costs into waiting. fn may therefore run more than
// once: it must have no effect outside the transaction (see InTx).
func (p *pool) RunTx(ctx context.Context, fn func(sqlrepo.Querier) error) error {
	for attempt := 1; ; attempt++ {
		err := p.try(ctx, fn)
		if err == nil || !retryable(err) || attempt >= p.maxAttempts {
			return err
		}
		// 1-2 ms, doubling to at most about 100 ms: enough for the
		// transaction that won to commit, random so that the losers do
		// not collide again.
		base := time.Millisecond << min(attempt-1, 6)
		t := time.NewTimer(base + rand.N(base))
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
	}
}

func (p *pool) try(ctx context.Context, fn func(sqlrepo.Querier) error) (err error) {
	t, err := p.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable})
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("postgres: transaction panicked: %v", r)
		}
		if err != nil {
			t.Rollback()
		}
	}()
	if err := fn(&tx{tx: t, rb: p.rb}); err != nil {
		return err
	}
	return t.Commit()
}

// retryable tells whether err aborted a transaction that may succeed when
// run again: a serialization failure or a deadlock, or a commit that
// PostgreSQL turned into a rollback because a statement of it failed
// (fn may have taken the failure for an answer, such as not found).
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return errors.Is(err, pgx.ErrTxCommitRollback)
}
