package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"hermod/internal/store/sqlrepo"
)

// Prepared statements: SQLite spends a good part of a small query's time
// parsing its SQL, and hermod runs the same few dozen statements over and
// over. A pool prepares each query text once and reuses the statement.

// stmtDB is a pool with a statement cache.
type stmtDB struct {
	*sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newStmtDB(db *sql.DB) *stmtDB { return &stmtDB{DB: db, stmts: map[string]*sql.Stmt{}} }

// cached returns the statement of query if it was prepared.
func (d *stmtDB) cached(query string) *sql.Stmt {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.stmts[query]
}

// stmt returns the statement of query, preparing it first. It takes a
// connection of the pool to prepare: never call it while holding the
// write pool's only connection (in a transaction).
func (d *stmtDB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := d.cached(query); st != nil {
		return st, nil
	}
	st, err := d.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old := d.stmts[query]; old != nil {
		st.Close()
		return old, nil
	}
	d.stmts[query] = st
	return st, nil
}

func (d *stmtDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return nil, mapConflict(err)
	}
	return res, nil
}

func (d *stmtDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (d *stmtDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := d.stmt(ctx, query)
	if err != nil {
		// Let the pool report the error in the row, as QueryRowContext does.
		return d.DB.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// Close closes the statements and the pool.
func (d *stmtDB) Close() error {
	d.mu.Lock()
	for q, st := range d.stmts {
		st.Close()
		delete(d.stmts, q)
	}
	d.mu.Unlock()
	return d.DB.Close()
}

// stmtTx runs a transaction's statements with the write pool's prepared
// ones. It cannot prepare (that needs the connection the transaction
// holds): a query seen for the first time runs unprepared and is noted,
// and the committer prepares it once the transaction is over.
type stmtTx struct {
	*sql.Tx
	db  *stmtDB
	new map[string]bool
	// stmts are the pool's statements bound to this transaction: binding
	// one (Tx.StmtContext) costs locks and an allocation, and a batch of
	// messages runs the same two statements once per message.
	stmts map[string]*sql.Stmt
}

func (t *stmtTx) prepared(ctx context.Context, query string) *sql.Stmt {
	if st := t.stmts[query]; st != nil {
		return st
	}
	st := t.db.cached(query)
	if st == nil {
		t.new[query] = true
		return nil
	}
	st = t.Tx.StmtContext(ctx, st)
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt, 4)
	}
	t.stmts[query] = st
	return st
}

func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (res sql.Result, err error) {
	if st := t.prepared(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = t.Tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return nil, mapConflict(err)
	}
	return res, nil
}

func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.prepared(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.prepared(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// prepareNew prepares the queries a finished transaction ran unprepared.
func (t *stmtTx) prepareNew() {
	for q := range t.new {
		t.db.stmt(context.Background(), q)
		delete(t.new, q)
	}
}

// RunTx runs fn in a transaction of the pool (the write pool: its one
// connection makes it immediate and serial), for the repositories whose one
// call writes several statements outside InTx.
func (d *stmtDB) RunTx(ctx context.Context, fn func(sqlrepo.Querier) error) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	t := &stmtTx{Tx: tx, db: d, new: map[string]bool{}}
	if err := fn(t); err != nil {
		tx.Rollback()
		return err
	}
	err = tx.Commit()
	t.prepareNew()
	return err
}
