package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"hermod/internal/store"
	"hermod/internal/store/sqlrepo"
)

// Group commit: every transaction (InTx) goes to one committer goroutine,
// which runs whatever has queued up meanwhile in a single SQLite
// transaction, each caller's work in a savepoint of its own, and commits
// once. With synchronous=FULL a commit is an fsync, so under load many
// messages share one fsync; no caller is answered before the commit that
// holds its work is on disk, so durability is what it was with one
// transaction per call. A lone caller waits no longer than before.

// maxBatch bounds the work committed at once, so that one commit does not
// keep its first callers waiting behind too many others.
const maxBatch = 1024

// errClosed answers a transaction submitted after Close.
var errClosed = errors.New("sqlite: store closed")

type commitReq struct {
	ctx  context.Context
	fn   func(tx store.Repos) error
	done chan error
}

var commitReqs = sync.Pool{New: func() any { return &commitReq{done: make(chan error, 1)} }}

// committer is the store's transaction queue.
type committer struct {
	mu      sync.RWMutex // held for reading while submitting; Close takes it
	closed  bool
	queue   chan *commitReq
	stopped chan struct{}
	// careful makes batches run with savepoints (see commitBatch); the
	// committer goroutine's own.
	careful bool
}

func (s *Store) startCommitter() {
	s.commit = committer{queue: make(chan *commitReq), stopped: make(chan struct{})}
	go s.commitLoop()
}

// InTx runs fn in one immediate (write-locking) transaction, possibly
// shared with other callers' transactions (see above): fn's work commits
// or rolls back as a whole, and is durable when InTx returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Repos) error) error {
	req := commitReqs.Get().(*commitReq)
	req.ctx, req.fn = ctx, fn
	s.commit.mu.RLock()
	if s.commit.closed {
		s.commit.mu.RUnlock()
		commitReqs.Put(req)
		return errClosed
	}
	s.commit.queue <- req
	s.commit.mu.RUnlock()
	err := <-req.done
	req.ctx, req.fn = nil, nil
	commitReqs.Put(req)
	return err
}

// stopCommitter refuses new transactions and waits for the queued ones.
func (s *Store) stopCommitter() {
	s.commit.mu.Lock()
	if !s.commit.closed {
		s.commit.closed = true
		close(s.commit.queue)
	}
	s.commit.mu.Unlock()
	<-s.commit.stopped
}

func (s *Store) commitLoop() {
	defer close(s.commit.stopped)
	batch := make([]*commitReq, 0, maxBatch)
	for req := range s.commit.queue {
		batch = append(batch[:0], req)
	more:
		for len(batch) < maxBatch {
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
		s.commitBatch(batch)
		clear(batch)
	}
}

// commitBatch runs the requests' work in one transaction and commits once.
// A savepoint around each request's work would let a failing one roll back
// alone, but costs two statements and a copy of every page the work
// changes; failures are rare, so a batch first runs without them, and only
// when one request fails is it rolled back and run again with a savepoint
// per request (store.Store allows running a transaction's work more than
// once). After such a failure batches keep their savepoints until one
// passes without a failure, so that a stream of failing requests costs no
// more than the savepoints.
func (s *Store) commitBatch(batch []*commitReq) {
	results := make([]error, len(batch))
	if !s.commit.careful || len(batch) == 1 {
		if s.runBatch(batch, results, false) {
			return
		}
		s.commit.careful = true
	}
	for i := range results {
		results[i] = nil
	}
	failed := false
	s.runBatch(batch, results, true)
	for _, err := range results {
		failed = failed || err != nil
	}
	s.commit.careful = failed
}

// runBatch runs batch in one transaction, with a savepoint per request or
// none, and answers every request. Without savepoints, a failing request
// among several rolls the whole transaction back: runBatch then answers
// nobody and returns false.
func (s *Store) runBatch(batch []*commitReq, results []error, savepoints bool) bool {
	ctx := context.Background()
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		for _, r := range batch {
			r.done <- err
		}
		return true
	}
	stx := &stmtTx{Tx: tx, db: s.write, new: map[string]bool{}}
	defer stx.prepareNew() // once the transaction has given its connection back
	x := sqlrepo.New(stx, stx)
	single := len(batch) == 1
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if !savepoints {
			if results[i] = run(r.fn, x); results[i] != nil && !single {
				tx.Rollback()
				return false
			}
			continue
		}
		if _, err := stx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			results[i] = err
			continue
		}
		if results[i] = run(r.fn, x); results[i] != nil {
			_, err = stx.ExecContext(ctx, "ROLLBACK TO w")
			results[i] = errors.Join(results[i], err)
		}
		if _, err := stx.ExecContext(ctx, "RELEASE w"); err != nil && results[i] == nil {
			results[i] = err
		}
	}
	switch {
	case single && results[0] != nil:
		tx.Rollback()
	default:
		if err := tx.Commit(); err != nil {
			for i := range results {
				if results[i] == nil {
					results[i] = err
				}
			}
		}
	}
	for i, r := range batch {
		r.done <- results[i]
	}
	return true
}

// run calls fn, turning a panic into an error so that one caller's bug
// does not take the others' work down with it.
func run(fn func(store.Repos) error, x sqlrepo.Repos) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("sqlite: transaction panicked: %v", p)
		}
	}()
	return fn(x)
}
