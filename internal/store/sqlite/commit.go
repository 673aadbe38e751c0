package sqlite

import (
	"context"
	"errors"

	"hermod/internal/store"
	"hermod/internal/store/sqlrepo"
)

// Group commit (sqlrepo.Committer): every transaction (InTx) goes to one
// committer goroutine, which runs whatever has queued up meanwhile in a
// single SQLite transaction on the writer and commits once. With
// synchronous=FULL a commit is an fsync, so under load many messages share
// one fsync; no caller is answered before the commit that holds its work
// is on disk, so durability is what it was with one transaction per call.
// One committer: SQLite has one writer.

// maxBatch bounds the work committed at once, so that one commit does not
// keep its first callers waiting behind too many others.
const maxBatch = 1024

func (s *Store) startCommitter() {
	s.commit = sqlrepo.NewCommitter(batcher{s}, sqlrepo.CommitterOptions{
		Name: "sqlite", Committers: 1, MaxBatch: maxBatch, MaxAttempts: 1,
	})
}

// InTx runs fn in one immediate (write-locking) transaction, possibly
// shared with other callers' transactions (see above): fn's work commits
// or rolls back as a whole, and is durable when InTx returns nil.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Repos) error) error {
	return s.commit.InTx(ctx, fn)
}

// StartTx queues fn like InTx and returns at once (see store.Store).
func (s *Store) StartTx(ctx context.Context, fn func(tx store.Repos) error) store.Pending {
	return s.commit.Start(ctx, fn)
}

// CommitStats are how many batches the committer has committed, and how
// many it ran again (never, on SQLite's single writer).
func (s *Store) CommitStats() (commits, reruns int64) { return s.commit.Stats() }

// batcher gives the committer its transactions on the writer.
type batcher struct{ s *Store }

// Retryable: no transaction of the single writer loses a race.
func (batcher) Retryable(error) bool { return false }

func (b batcher) Begin(ctx context.Context, savepoints bool) (sqlrepo.BatchTx, error) {
	tx, err := b.s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &batchTx{stmtTx: stmtTx{Tx: tx, db: b.s.write, new: map[string]bool{}}, savepoints: savepoints}, nil
}

type batchTx struct {
	stmtTx
	savepoints bool
}

func (t *batchTx) Before(ctx context.Context) error {
	_, err := t.ExecContext(ctx, "SAVEPOINT w")
	return err
}

func (t *batchTx) After(ctx context.Context, err error) (answer, lost error) {
	if !t.savepoints {
		return err, nil
	}
	if err != nil {
		_, rerr := t.ExecContext(ctx, "ROLLBACK TO w")
		err = errors.Join(err, rerr)
	}
	if _, rerr := t.ExecContext(ctx, "RELEASE w"); rerr != nil && err == nil {
		err = rerr
	}
	return err, nil
}

func (t *batchTx) Commit(context.Context) error { return t.Tx.Commit() }

func (t *batchTx) Rollback(context.Context) { t.Tx.Rollback() }

// End prepares the queries the transaction ran unprepared, now that it
// has given its connection back.
func (t *batchTx) End() { t.prepareNew() }
