package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"hermod/internal/store"
	"hermod/internal/store/sqlrepo"
)

// Group commit. A commit waits for its WAL to be flushed, and with one
// transaction per message a busy node's connections spend their time
// queueing for that flush (LWLock WALWrite, IO WALSync in
// pg_stat_activity). So InTx does not run its transaction itself: it
// queues its work for one of a few committer goroutines, which runs
// whatever has queued up meanwhile in one SERIALIZABLE transaction, on one
// connection, and commits once: many callers share one flush and one
// BEGIN/COMMIT. Nobody is answered before the commit that holds their work
// has succeeded, so an answered transaction is as durable as before; a
// lone caller waits no longer than before (its batch is itself).
//
// Inside a batch each caller's work is isolated: when it fails (an error,
// a panic, a statement that failed), the batch runs again with a savepoint
// before each caller's work, and the failing work is rolled back to its
// savepoint alone (see commitBatch). When the transaction loses a
// serialization race, PostgreSQL aborts all of it: the batch is rolled
// back and every caller's work runs again in a new transaction, as a lone
// transaction was run again before (store.Store allows that). Each caller
// is answered with the result of the run that committed, or, when the
// races go on, the serialization failure.
//
// Several committers work at once, each on its own batch, so that one
// slow commit (or one batch waiting for a row another node holds) does not
// stop the node's writes; the pool's other connections serve reads.

// defaultMaxBatch bounds the work committed at once: a batch's statements
// run one after the other on one connection, so a longer one keeps its
// first callers waiting longer, and a batch that loses a race runs all of
// its work again.
const defaultMaxBatch = 64

// errClosed answers a transaction submitted after Close.
var errClosed = errors.New("postgres: store closed")

// errAborted answers a caller whose work returned nil although one of its
// statements had failed (PostgreSQL then refuses the rest of the
// transaction): its work is rolled back, the batch goes on.
var errAborted = errors.New("postgres: a statement of the transaction failed")

type commitReq struct {
	ctx  context.Context
	fn   func(tx store.Repos) error
	err  error // the result of the current run
	done chan error
}

var commitReqs = sync.Pool{New: func() any { return &commitReq{done: make(chan error, 1)} }}

// committer is the store's transaction queue and the goroutines that
// commit it.
type committer struct {
	mu       sync.RWMutex // held for reading while submitting; Close takes it
	closed   bool
	queue    chan *commitReq
	running  sync.WaitGroup
	maxBatch int
	// commits counts the batches committed, reruns those run again after
	// losing a race (for tests and benchmarks).
	commits, reruns atomic.Int64
}

func (s *Store) startCommitters(n, maxBatch int) {
	s.commit.queue = make(chan *commitReq, maxBatch)
	s.commit.maxBatch = maxBatch
	for range n {
		s.commit.running.Go(s.commitLoop)
	}
}

// InTx runs fn in one SERIALIZABLE transaction, possibly shared with other
// callers' work (see above): fn's work commits or rolls back as a whole,
// and has committed when InTx returns nil. fn may run more than once (when
// the transaction loses a race with another, on this node or another), so
// it must only work through tx and its own variables, resetting what it
// collects: an event published or a counter bumped inside fn could happen
// twice. Do those after InTx returns nil. fn's statements do not stop when
// ctx is cancelled (they share a connection with other callers' work);
// work whose ctx is done before it starts is not run.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Repos) error) error {
	req := commitReqs.Get().(*commitReq)
	req.ctx, req.fn = ctx, fn
	s.commit.mu.RLock()
	if s.commit.closed {
		s.commit.mu.RUnlock()
		req.ctx, req.fn = nil, nil
		commitReqs.Put(req)
		return errClosed
	}
	s.commit.queue <- req
	s.commit.mu.RUnlock()
	err := <-req.done
	req.ctx, req.fn, req.err = nil, nil, nil
	commitReqs.Put(req)
	return err
}

// stopCommitters refuses new transactions and waits for the queued ones.
func (s *Store) stopCommitters() {
	s.commit.mu.Lock()
	if !s.commit.closed {
		s.commit.closed = true
		close(s.commit.queue)
	}
	s.commit.mu.Unlock()
	s.commit.running.Wait()
}

func (s *Store) commitLoop() {
	batch := make([]*commitReq, 0, s.commit.maxBatch)
	careful := false
	for req := range s.commit.queue {
		batch = append(batch[:0], req)
	more:
		for len(batch) < s.commit.maxBatch {
			select {
			case r, ok := <-s.commit.queue:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		careful = s.commitBatch(batch, careful)
		clear(batch)
	}
}

// commitBatch runs batch until it commits or fails for good, and answers
// every caller.
//
// A savepoint before each caller's work would let a failing one roll back
// alone, but on PostgreSQL it costs twice. A batch's statements run one
// after the other, each waiting for its answer, so most of a batch's time
// is round trips, and a savepoint adds one per caller. And under
// SERIALIZABLE, PostgreSQL keeps the predicate (read) locks on rows that a
// subtransaction updates, which a transaction's own update otherwise
// releases: a read-date upsert then leaves a lock on its page, and
// concurrent batches that update rows of the same pages abort each other
// (BenchmarkInTxMessages with savepoints always: batches of two committers
// exhausted their 10 attempts). Failures are rare, so a batch first runs
// without savepoints, and only when a caller's work fails is it rolled back
// and run again with a savepoint per caller. After such a failure
// (careful) the committer's batches keep their savepoints until one passes
// without a failure, so that a stream of failing work costs no more than
// the savepoints. commitBatch returns whether the next batch is to be
// careful.
func (s *Store) commitBatch(batch []*commitReq, careful bool) bool {
	for attempt := 1; ; {
		savepoints := careful && len(batch) > 1
		failed, err := s.runBatch(batch, savepoints)
		if len(batch) > 1 {
			if failed && !savepoints {
				careful = true // and run it again with them
				continue
			}
			careful = failed
		}
		if err == nil || !retryable(err) || attempt >= s.q.maxAttempts {
			for _, r := range batch {
				if r.err == nil {
					r.err = err
				}
				r.done <- r.err
			}
			return careful
		}
		s.commit.reruns.Add(1)
		// As RunTx: a short random pause that grows, for the
		// transaction that won to commit.
		base := time.Millisecond << min(attempt-1, 6)
		time.Sleep(base + rand.N(base))
		attempt++
	}
}

// runBatch runs batch in one transaction and commits. It sets each
// caller's result, and returns an error that every caller without an error
// of its own gets: the transaction's failure, or nil when it committed. A
// retryable error (a serialization failure or deadlock, here or in a
// caller's work) means that the transaction was rolled back and may be run
// again.
//
// With savepoints, each caller's work runs after a savepoint of its own,
// and work that fails is rolled back to there. Without, work that fails
// makes runBatch roll the whole transaction back and report failed (the
// batch is then to be run again with savepoints), unless the batch is that
// work alone. failed also tells whether any work failed with savepoints.
func (s *Store) runBatch(batch []*commitReq, savepoints bool) (failed bool, err error) {
	ctx := context.Background()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	for _, r := range batch {
		r.err = nil
	}
	single := len(batch) == 1
	begin := "BEGIN ISOLATION LEVEL SERIALIZABLE"
	if savepoints {
		begin += "; SAVEPOINT w"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return false, err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	bt := &batchTx{conn: conn, rb: s.q.rb, ctx: ctx}
	x := sqlrepo.New(bt, bt)
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if savepoints && i > 0 {
			// The savepoint of the work before is no longer needed:
			// fold it into the transaction and set this work's.
			if _, err := conn.ExecContext(ctx, "RELEASE SAVEPOINT w; SAVEPOINT w"); err != nil {
				return failed, err
			}
		}
		bt.raced = nil
		r.err = run(r.fn, x)
		switch {
		case bt.raced != nil:
			return failed, bt.raced
		case r.err != nil && retryable(r.err):
			return failed, r.err
		case r.err == nil && bt.failed():
			r.err = errAborted
		}
		if r.err == nil {
			continue
		}
		failed = true
		switch {
		case single:
			return true, nil // the deferred ROLLBACK undoes it; nothing else to commit
		case !savepoints:
			return true, nil
		}
		if _, err := conn.ExecContext(ctx, "ROLLBACK TO SAVEPOINT w"); err != nil {
			return failed, err
		}
	}
	// A COMMIT that fails ends the transaction either way (and one that
	// did not reach the server leaves a connection that the pool drops).
	committed = true
	if _, err = conn.ExecContext(ctx, "COMMIT"); err == nil {
		s.commit.commits.Add(1)
	}
	return failed, err
}

// run calls fn, turning a panic into an error so that one caller's bug
// does not take the others' work down with it.
func run(fn func(store.Repos) error, x sqlrepo.Repos) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("postgres: transaction panicked: %v", p)
		}
	}()
	return fn(x)
}

// batchTx runs the repositories' statements of a batch on its connection.
// The statements run under the batch's context, not the caller's: a
// cancelled statement costs pgx its connection, which holds the other
// callers' work too.
type batchTx struct {
	conn *sql.Conn
	rb   *rebinder
	ctx  context.Context
	// raced is the serialization failure or deadlock a statement of the
	// current caller's work met, if any: the transaction is lost then,
	// whatever the work made of the error.
	raced    error
	txStatus byte
}

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
