package sqlrepo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"hermod/internal/store"
)

// Group commit, shared by the backends. A commit waits for the disk (an
// fsync on SQLite, a WAL flush on PostgreSQL), and with one transaction
// per message a busy server spends its writes waiting for it. So InTx does
// not run its transaction itself: it queues its work for a committer
// goroutine, which runs whatever has queued up meanwhile in one
// transaction and commits once, so that many callers share one commit.
// Nobody is answered before the commit that holds their work succeeded, so
// an answered transaction is as durable as with one transaction per call;
// a lone caller waits no longer than before (its batch is itself).
//
// Inside a batch each caller's work is isolated: when one fails (an error,
// a panic, or what the backend finds wrong after it), the batch is rolled
// back and run again with a savepoint before each caller's work, and the
// failing work is rolled back to its savepoint alone (see commitBatch).
// store.Store allows running a transaction's work more than once. When
// the transaction loses a race with another (the backend says which
// errors mean that), the batch is rolled back and run again as a whole,
// after a short pause, a bounded number of times. Each caller is answered
// with the result of the run that committed, or with the batch's failure.
//
// The backend supplies the transactions (Batcher): SQLite one at a time
// on its single writer, PostgreSQL a few at once, each on a connection of
// its pool.

// Batcher supplies a backend's transactions to a Committer.
type Batcher interface {
	// Begin starts the transaction of a batch. With savepoints, each
	// caller's work is preceded by BatchTx.Before and may be rolled back
	// alone by BatchTx.After.
	Begin(ctx context.Context, savepoints bool) (BatchTx, error)
	// Retryable tells whether err (a commit's or a caller's work's, or
	// one that After reports lost) means that the transaction lost a race
	// with another and the batch may succeed when run again.
	Retryable(err error) bool
}

// BatchTx is the transaction of one batch: the callers' work runs on it,
// one after the other.
type BatchTx interface {
	Querier
	// Before readies the transaction for the next caller's work (with
	// savepoints: sets one). An error loses the transaction.
	Before(ctx context.Context) error
	// After settles a caller's work that returned err. It returns the
	// caller's answer, which is err, or an error of the backend's when the
	// work left something wrong that it did not return (a failed statement
	// on PostgreSQL); with savepoints, work answered with an error is
	// rolled back to its savepoint. lost is an error that loses the whole
	// transaction (a race the work met, a connection gone).
	After(ctx context.Context, err error) (answer, lost error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context)
	// End releases what the transaction held, after Commit or Rollback.
	End()
}

// CommitterOptions shape a Committer.
type CommitterOptions struct {
	// Name starts the committer's errors ("sqlite", "postgres").
	Name string
	// Committers is how many batches run at once, each in a goroutine
	// of its own (at least 1).
	Committers int
	// MaxBatch is the most calls one transaction holds (at least 1).
	MaxBatch int
	// MaxAttempts is how often a batch runs in all while it keeps losing
	// races (at least 1).
	MaxAttempts int
}

// Committer runs the work of InTx calls in batches.
type Committer struct {
	b       Batcher
	o       CommitterOptions
	closedE error
	mu      sync.RWMutex // held for reading while submitting; Close takes it
	closed  bool
	queue   chan *commitReq
	running sync.WaitGroup
	// commits counts the batches committed, reruns those run again
	// after losing a race.
	commits, reruns atomic.Int64
}

type commitReq struct {
	ctx  context.Context
	fn   func(tx store.Repos) error
	err  error // the answer of the current run
	done chan error
}

var commitReqs = sync.Pool{New: func() any { return &commitReq{done: make(chan error, 1)} }}

// NewCommitter starts o.Committers committers on b's transactions.
func NewCommitter(b Batcher, o CommitterOptions) *Committer {
	o.Committers, o.MaxBatch, o.MaxAttempts = max(o.Committers, 1), max(o.MaxBatch, 1), max(o.MaxAttempts, 1)
	c := &Committer{b: b, o: o, closedE: fmt.Errorf("%s: store closed", o.Name), queue: make(chan *commitReq, o.MaxBatch)}
	for range o.Committers {
		c.running.Go(c.loop)
	}
	return c
}

// InTx runs fn in a transaction, possibly shared with other callers' work
// (see above): fn's work commits or rolls back as a whole, and has
// committed when InTx returns nil. fn may run more than once. Work whose
// ctx is done before it starts is not run; once started, it runs under
// the batch's context, not ctx (on PostgreSQL a cancelled statement costs
// the connection, which holds the other callers' work too).
func (c *Committer) InTx(ctx context.Context, fn func(tx store.Repos) error) error {
	return c.Start(ctx, fn).Wait()
}

// Start queues fn as InTx does but returns without waiting for its
// commit: the caller goes on (a connection's next request, say) and waits
// later. The result's Wait must be called exactly once.
func (c *Committer) Start(ctx context.Context, fn func(tx store.Repos) error) store.Pending {
	req := commitReqs.Get().(*commitReq)
	req.ctx, req.fn = ctx, fn
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		req.err = c.closedE
		req.done <- c.closedE
		return req
	}
	c.queue <- req
	c.mu.RUnlock()
	return req
}

// Wait makes commitReq a store.Pending: it returns the work's answer once
// its batch has committed or failed, and recycles the request.
func (r *commitReq) Wait() error {
	err := <-r.done
	r.ctx, r.fn, r.err = nil, nil, nil
	commitReqs.Put(r)
	return err
}

// Close refuses new work and waits until the queued work is committed.
func (c *Committer) Close() {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.running.Wait()
}

// Queued is how many calls wait for a committer.
func (c *Committer) Queued() int { return len(c.queue) }

// Closing tells whether Close has begun.
func (c *Committer) Closing() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.closed
}

// Stats are how many batches were committed and how many run again after
// losing a race.
func (c *Committer) Stats() (commits, reruns int64) { return c.commits.Load(), c.reruns.Load() }

func (c *Committer) loop() {
	batch := make([]*commitReq, 0, c.o.MaxBatch)
	careful := false
	for req := range c.queue {
		batch = append(batch[:0], req)
	more:
		for len(batch) < c.o.MaxBatch {
			select {
			case r, ok := <-c.queue:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		careful = c.commitBatch(batch, careful)
		clear(batch)
	}
}

// commitBatch runs batch until it commits or fails for good, and answers
// every caller.
//
// A savepoint before each caller's work would let a failing one roll back
// alone, but it costs: statements (round trips on PostgreSQL, where a
// batch's time is mostly round trips), a copy of every page the work
// changes (SQLite), and on PostgreSQL under SERIALIZABLE the read locks of
// the rows a subtransaction updates, which the transaction's own update
// otherwise releases, so that concurrent batches abort each other. Failures
// are rare, so a batch first runs without savepoints, and only when a
// caller's work fails is it rolled back and run again with a savepoint per
// caller. After such a failure (careful) the committer's batches keep
// their savepoints until one passes without a failure, so that a stream of
// failing work costs no more than the savepoints. commitBatch returns
// whether the next batch is to be careful.
func (c *Committer) commitBatch(batch []*commitReq, careful bool) bool {
	for attempt := 1; ; {
		savepoints := careful && len(batch) > 1
		failed, err := c.runBatch(batch, savepoints)
		if len(batch) > 1 {
			if failed && !savepoints && err == nil {
				careful = true // and run it again with them
				continue
			}
			careful = failed
		}
		if err == nil || attempt >= c.o.MaxAttempts || !c.b.Retryable(err) {
			for _, r := range batch {
				if r.err == nil {
					r.err = err
				}
				r.done <- r.err
			}
			return careful
		}
		c.reruns.Add(1)
		// A short random pause that grows, for the transaction that
		// won to commit, and so that losers do not collide again.
		base := time.Millisecond << min(attempt-1, 6)
		time.Sleep(base + rand.N(base))
		attempt++
	}
}

// runBatch runs batch in one transaction and commits it, setting each
// caller's answer. It returns an error for every caller without an answer
// of its own: the transaction's failure, or nil when it committed. failed
// tells whether some caller's work failed; without savepoints that rolls
// the transaction back at once (err nil: the batch is to run again with
// savepoints), unless the batch is that work alone.
func (c *Committer) runBatch(batch []*commitReq, savepoints bool) (failed bool, err error) {
	ctx := context.Background()
	for _, r := range batch {
		r.err = nil
	}
	tx, err := c.b.Begin(ctx, savepoints)
	if err != nil {
		return false, err
	}
	defer tx.End()
	x := New(tx, tx)
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if savepoints {
			if err := tx.Before(ctx); err != nil {
				tx.Rollback(ctx)
				return failed, err
			}
		}
		answer, lost := tx.After(ctx, c.run(r.fn, x))
		r.err = answer
		if lost != nil {
			tx.Rollback(ctx)
			return failed, lost
		}
		if answer != nil {
			failed = true
			if !savepoints {
				tx.Rollback(ctx)
				return true, nil
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return failed, err
	}
	c.commits.Add(1)
	return failed, nil
}

// run calls fn, turning a panic into an error so that one caller's bug
// does not take the others' work down with it.
func (c *Committer) run(fn func(store.Repos) error, x Repos) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: transaction panicked: %v", c.o.Name, p)
		}
	}()
	return fn(x)
}
