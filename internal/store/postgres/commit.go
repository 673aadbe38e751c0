package postgres

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/stdlib"

	"hermod/internal/store"
	"hermod/internal/store/sqlrepo"
)

// Group commit (sqlrepo.Committer). With one transaction per message a
// busy node's connections spend their time queueing for the WAL flush
// that each commit waits for (LWLock WALWrite, IO WALSync in
// pg_stat_activity). So a node's InTx work goes to a few committers, each
// of which runs a batch of it in one SERIALIZABLE transaction on one
// connection of the pool and commits once: many callers share one flush
// and one BEGIN/COMMIT. Several committers work at once, each on its own
// batch, so that one slow commit (or one batch waiting for a row another
// node holds) does not stop the node's writes; the pool's other
// connections serve reads.
//
// A batch's statements run one after the other, each waiting for its
// answer, so most of its time is round trips: the savepoints of a careful
// batch are set by one statement per caller (RELEASE and SAVEPOINT sent
// together, the first with BEGIN), and none is released at the end
// (COMMIT takes them along).

// defaultMaxBatch bounds the work committed at once: a longer batch keeps
// its first callers waiting longer, and one that loses a race runs all of
// its work again.
const defaultMaxBatch = 64

// errAborted answers a caller whose work returned nil although one of its
// statements had failed (PostgreSQL then refuses the rest of the
// transaction): its work is rolled back, the batch goes on.
var errAborted = errors.New("postgres: a statement of the transaction failed")

// InTx runs fn in one SERIALIZABLE transaction, possibly shared with other
// callers' work (group commit, sqlrepo.Committer): fn's work commits or
// rolls back as a whole, and has committed when InTx returns nil. fn may
// run more than once (when the transaction loses a race with another, on
// this node or another, or another caller's work in it fails), so it must
// only work through tx and its own variables, resetting what it collects:
// an event published or a counter bumped inside fn could happen twice. Do
// those after InTx returns nil. fn's statements do not stop when ctx is
// cancelled (they share a connection with other callers' work); work whose
// ctx is done before it starts is not run.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Repos) error) error {
	return s.commit.InTx(ctx, fn)
}

// StartTx queues fn like InTx and returns at once (see store.Store).
func (s *Store) StartTx(ctx context.Context, fn func(tx store.Repos) error) store.Pending {
	return s.commit.Start(ctx, fn)
}

// CommitStats are how many batches the committers have committed, and how
// many they ran again after losing a race.
func (s *Store) CommitStats() (commits, reruns int64) { return s.commit.Stats() }

// batcher gives the committers their transactions.
type batcher struct{ s *Store }

func (b batcher) Retryable(err error) bool { return retryable(err) }

func (b batcher) Begin(ctx context.Context, savepoints bool) (sqlrepo.BatchTx, error) {
	conn, err := b.s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	begin := "BEGIN ISOLATION LEVEL SERIALIZABLE"
	if savepoints {
		begin += "; SAVEPOINT w"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		conn.Close()
		return nil, err
	}
	return &batchTx{conn: conn, rb: b.s.q.rb, ctx: ctx, savepoints: savepoints}, nil
}

// batchTx is a batch's transaction on a connection of its own. The
// statements of the callers' work run under the batch's context, not the
// caller's: a cancelled statement costs pgx its connection, which holds the
// other callers' work too.
type batchTx struct {
	conn       *sql.Conn
	rb         *rebinder
	ctx        context.Context
	savepoints bool
	// started: a caller's work has run (the first one's savepoint came
	// with BEGIN).
	started bool
	// raced is the serialization failure or deadlock a statement of the
	// current caller's work met, if any: the transaction is lost then,
	// whatever the work made of the error.
	raced    error
	txStatus byte
}

func (t *batchTx) Before(ctx context.Context) error {
	if !t.started {
		t.started = true
		return nil
	}
	// The savepoint of the work before is no longer needed: fold it into
	// the transaction and set this work's.
	_, err := t.conn.ExecContext(ctx, "RELEASE SAVEPOINT w; SAVEPOINT w")
	return err
}

func (t *batchTx) After(ctx context.Context, err error) (answer, lost error) {
	raced := t.raced
	t.raced = nil
	switch {
	case raced != nil:
		return err, raced
	case err != nil && retryable(err):
		return err, err
	case err == nil && t.failed():
		err = errAborted
	}
	if err != nil && t.savepoints {
		if _, rerr := t.conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT w"); rerr != nil {
			return err, rerr
		}
	}
	return err, nil
}

// Commit ends the transaction either way when it fails (and one that did
// not reach the server leaves a connection that the pool drops).
func (t *batchTx) Commit(ctx context.Context) error {
	_, err := t.conn.ExecContext(ctx, "COMMIT")
	return err
}

func (t *batchTx) Rollback(ctx context.Context) { t.conn.ExecContext(ctx, "ROLLBACK") }

func (t *batchTx) End() { t.conn.Close() }

// failed tells whether the transaction is aborted: a statement failed, and
// PostgreSQL refuses every later one until a rollback.
func (t *batchTx) failed() bool {
	t.conn.Raw(t.status)
	return t.txStatus == 'E'
}

func (t *batchTx) status(dc any) error {
	if c, ok := dc.(*stdlib.Conn); ok {
		t.txStatus = c.Conn().PgConn().TxStatus()
	}
	return nil
}

func (t *batchTx) note(err error) error {
	if err != nil && t.raced == nil && retryable(err) {
		t.raced = err
	}
	return err
}

func (t *batchTx) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	res, err := t.conn.ExecContext(t.ctx, t.rb.rebind(query), args...)
	return res, mapConflict(t.note(err))
}

func (t *batchTx) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := t.conn.QueryContext(t.ctx, t.rb.rebind(query), args...)
	return rows, t.note(err)
}

func (t *batchTx) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	row := t.conn.QueryRowContext(t.ctx, t.rb.rebind(query), args...)
	t.note(row.Err())
	return row
}
