package sqlrepo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
	_ "modernc.org/sqlite"

	"hermod/internal/store"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The committer's logic on a plain SQLite table: testBatcher runs batches
// as a backend does, and can make commits lose a race or fail.

var errLost = errors.New("lost a race")

type testBatcher struct {
	db *sql.DB
	// lose is how many of the next commits lose a race; fail makes the
	// next commit fail for good.
	lose atomic.Int64
	fail atomic.Bool
}

func newTestBatcher(t *testing.T) *testBatcher {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return &testBatcher{db: db}
}

func (b *testBatcher) Retryable(err error) bool { return errors.Is(err, errLost) }

func (b *testBatcher) Begin(ctx context.Context, savepoints bool) (BatchTx, error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &testTx{Tx: tx, b: b, savepoints: savepoints}, nil
}

type testTx struct {
	*sql.Tx
	b          *testBatcher
	savepoints bool
}

func (t *testTx) Before(ctx context.Context) error {
	_, err := t.ExecContext(ctx, "SAVEPOINT w")
	return err
}

func (t *testTx) After(ctx context.Context, err error) (error, error) {
	if t.savepoints && err != nil {
		if _, rerr := t.ExecContext(ctx, "ROLLBACK TO w"); rerr != nil {
			return err, rerr
		}
	}
	return err, nil
}

func (t *testTx) Commit(context.Context) error {
	if t.b.lose.Load() > 0 {
		t.b.lose.Add(-1)
		t.Tx.Rollback()
		return errLost
	}
	if t.b.fail.Swap(false) {
		t.Tx.Rollback()
		return errors.New("disk on fire")
	}
	return t.Tx.Commit()
}

func (t *testTx) Rollback(context.Context) { t.Tx.Rollback() }
func (t *testTx) End()                     {}

// insert is work that writes row id, counting its runs, and then fails as
// told ("error", "panic") or not ("").
func insert(id int64, fail string, runs map[int64]int) func(store.Repos) error {
	return func(x store.Repos) error {
		runs[id]++
		if _, err := x.(Repos).w.ExecContext(context.Background(), `INSERT INTO t (id) VALUES (?)`, id); err != nil {
			return err
		}
		switch fail {
		case "error":
			return errors.New("boom")
		case "panic":
			panic("bug")
		}
		return nil
	}
}

func rowExists(t *testing.T, db *sql.DB, id int64) bool {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE id = ?`, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestCommitBatch runs batches as a committer does: without savepoints
// while nothing fails; a failing caller (an error after a write, or a
// panic) has the batch run again with savepoints, so that it alone rolls
// back, and batches keep them until one passes cleanly. A batch that loses
// a race runs again whole, up to MaxAttempts runs; a commit that fails
// answers everyone with its error.
func TestCommitBatch(t *testing.T) {
	b := newTestBatcher(t)
	c := &Committer{b: b, o: CommitterOptions{Name: "test", MaxAttempts: 3}}
	ctx := context.Background()
	runs := map[int64]int{}
	var nextID int64
	careful := false
	for _, tc := range []struct {
		name        string
		fail        []string
		lose        int64 // commits that lose a race
		failCommit  bool
		wantRuns    []int // each caller's; a first try stops at a failure
		wantCareful bool
		wantLanded  bool // the work of the callers that do not fail
	}{
		{"clean", []string{"", "", ""}, 0, false, []int{1, 1, 1}, false, true},
		{"one fails", []string{"", "error", ""}, 0, false, []int{2, 2, 1}, true, true},
		{"careful, clean again", []string{"", ""}, 0, false, []int{1, 1}, false, true},
		{"one panics", []string{"panic", "", ""}, 0, false, []int{2, 1, 1}, true, true},
		{"careful, a failure again", []string{"", "error"}, 0, false, []int{1, 1}, true, true},
		{"careful, then clean", []string{"", ""}, 0, false, []int{1, 1}, false, true},
		{"alone and failing", []string{"error"}, 0, false, []int{1}, false, true},
		{"loses a race", []string{"", "", ""}, 1, false, []int{2, 2, 2}, false, true},
		{"loses every race", []string{"", ""}, 3, false, []int{3, 3}, false, false},
		{"one fails, loses a race", []string{"", "error", ""}, 1, false, []int{3, 3, 2}, true, true},
		{"the commit fails", []string{"", ""}, 0, true, []int{1, 1}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.lose.Store(tc.lose)
			b.fail.Store(tc.failCommit)
			var batch []*commitReq
			var ids []int64
			for _, f := range tc.fail {
				nextID++
				batch = append(batch, &commitReq{ctx: ctx, done: make(chan error, 1), fn: insert(nextID, f, runs)})
				ids = append(ids, nextID)
			}
			careful = c.commitBatch(batch, careful)
			for i, r := range batch {
				if runs[ids[i]] != tc.wantRuns[i] {
					t.Errorf("caller %d ran %d times, want %d", i, runs[ids[i]], tc.wantRuns[i])
				}
				err := <-r.done
				landed := rowExists(t, b.db, ids[i])
				switch {
				case tc.fail[i] != "":
					if err == nil || landed {
						t.Errorf("failing caller %d: %v, its write landed: %v", i, err, landed)
					}
				case tc.wantLanded != (err == nil) || landed != tc.wantLanded:
					t.Errorf("caller %d: %v, its write landed: %v", i, err, landed)
				}
			}
			if careful != tc.wantCareful {
				t.Errorf("careful %v after the batch, want %v", careful, tc.wantCareful)
			}
		})
	}
}

// TestCommitterAnswersAfterCommit: callers from many goroutines are
// answered only after their batch committed (each finds its row on being
// answered) or with an error; Close commits what is queued, and InTx after
// Close fails.
func TestCommitterAnswersAfterCommit(t *testing.T) {
	b := newTestBatcher(t)
	c := NewCommitter(b, CommitterOptions{Name: "test", Committers: 2, MaxBatch: 16, MaxAttempts: 1})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 200)
	for i := range errs {
		wg.Go(func() {
			id := int64(i + 1)
			err := c.InTx(ctx, func(x store.Repos) error {
				_, err := x.(Repos).w.ExecContext(ctx, `INSERT INTO t (id) VALUES (?)`, id)
				return err
			})
			if err == nil && !rowExists(t, b.db, id) {
				err = fmt.Errorf("answered before its commit")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("caller %d: %v", i, err)
		}
	}
	if commits, _ := c.Stats(); commits < 1 || commits > int64(len(errs)) {
		t.Errorf("%d commits", commits)
	}
	c.Close()
	if err := c.InTx(ctx, func(store.Repos) error { return nil }); err == nil {
		t.Error("InTx after Close succeeded")
	}
}
