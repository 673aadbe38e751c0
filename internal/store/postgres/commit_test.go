package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hermod/internal/store"
	"hermod/internal/store/postgres"
	"hermod/internal/store/postgres/pgtest"
)

// The committer's guarantees, on batches made deterministic: a store with
// one committer is plugged by a transaction whose work waits for the test,
// the calls of the batch under test queue behind it (waitQueued), and
// unplugging lets the committer take them all at once.

// plug starts a transaction on st that holds st's only committer until
// the returned function is called; that function waits for the plug's
// answer.
func plug(t *testing.T, st *postgres.Store) (unplug func()) {
	t.Helper()
	running, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- st.InTx(context.Background(), func(store.Repos) error {
			close(running)
			<-release
			return nil
		})
	}()
	<-running
	return func() {
		close(release)
		if err := <-done; err != nil {
			t.Errorf("plug: %v", err)
		}
	}
}

// waitQueued waits until n calls are queued on st.
func waitQueued(t *testing.T, st *postgres.Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); postgres.Queued(st) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", postgres.Queued(st), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// calls runs InTx calls in goroutines and collects their answers.
type calls struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	errs     map[int]error
	answered atomic.Int64
}

func (c *calls) start(st store.Store, ctx context.Context, i int, fn func(store.Repos) error) {
	c.wg.Go(func() {
		err := st.InTx(ctx, fn)
		c.answered.Add(1)
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.errs == nil {
			c.errs = map[int]error{}
		}
		c.errs[i] = err
	})
}

func (c *calls) wait() map[int]error {
	c.wg.Wait()
	return c.errs
}

func insertMessage(id int64) func(store.Repos) error {
	return func(tx store.Repos) error {
		return tx.Messages().Insert(context.Background(), &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id})
	}
}

func messageCount(t *testing.T, st store.Store) int64 {
	t.Helper()
	n, err := st.Messages().Count(context.Background(), store.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBatchIsolatesCallers: in one batch, work that fails (an error, a
// panic, a failed statement it ignored) is rolled back alone, work whose
// context is done is not run, and the rest commits in one transaction.
func TestBatchIsolatesCallers(t *testing.T) {
	st := open(t, pgtest.DSN(t), postgres.Options{Committers: 1})
	defer st.Close()
	ctx := context.Background()
	boom := errors.New("boom")
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	var ranCancelled atomic.Bool
	const n = 40
	unplug := plug(t, st)
	var c calls
	for i := range n {
		id := int64(i + 1)
		insert := insertMessage(id)
		switch i % 5 {
		case 0:
			c.start(st, ctx, i, insert)
		case 1:
			c.start(st, ctx, i, func(tx store.Repos) error { insert(tx); return boom })
		case 2:
			c.start(st, ctx, i, func(tx store.Repos) error { insert(tx); panic("bug") })
		case 3: // a statement fails (text may not hold NUL), the work goes on as if not
			c.start(st, ctx, i, func(tx store.Repos) error {
				insert(tx)
				tx.Messages().Insert(ctx, &store.Message{ID: id + 1000, SenderID: 1, RecipientID: 2, Text: "\x00"})
				return nil
			})
		case 4:
			c.start(st, cancelled, i, func(tx store.Repos) error { ranCancelled.Store(true); return insert(tx) })
		}
	}
	waitQueued(t, st, n)
	before := commitsOf(st)
	unplug()
	errs := c.wait()
	if got := commitsOf(st) - before; got != 2 {
		t.Errorf("%d commits, want 2: the plug's and one for the batch", got)
	}
	for i := range n {
		err := errs[i]
		_, gerr := st.Messages().Get(ctx, int64(i+1))
		ok := false
		switch i % 5 {
		case 0:
			ok = err == nil && gerr == nil
		case 1:
			ok = errors.Is(err, boom)
		case 2:
			ok = err != nil && strings.Contains(err.Error(), "panicked")
		case 3:
			ok = errors.Is(err, postgres.ErrAborted)
		case 4:
			ok = errors.Is(err, context.Canceled)
		}
		if !ok || (i%5 != 0 && !errors.Is(gerr, store.ErrNotFound)) {
			t.Errorf("call %d: %v; reading its message: %v", i, err, gerr)
		}
	}
	if ranCancelled.Load() {
		t.Error("work whose context was done ran")
	}
	if got := messageCount(t, st); got != n/5 {
		t.Fatalf("%d messages, want %d", got, n/5)
	}

	// The next batch, with no failure, commits as one as well.
	unplug = plug(t, st)
	c = calls{}
	for i := range n {
		c.start(st, ctx, i, insertMessage(int64(1000+i)))
	}
	waitQueued(t, st, n)
	before = commitsOf(st)
	unplug()
	for i, err := range c.wait() {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if got := commitsOf(st) - before; got != 2 {
		t.Errorf("%d commits, want 2", got)
	}
	if got := messageCount(t, st); got != n/5+n {
		t.Fatalf("%d messages, want %d", got, n/5+n)
	}
}

// TestBatchRunsAgainAfterLosingRace: a batch whose transaction loses a
// serialization race (another transaction changed a row one caller read,
// before it wrote it) is run again as a whole: every caller's work runs
// twice and lands once, and the racing caller's second run sees the other
// transaction's write.
func TestBatchRunsAgainAfterLosingRace(t *testing.T) {
	st := open(t, pgtest.DSN(t), postgres.Options{Committers: 1})
	defer st.Close()
	ctx := context.Background()
	const kind = store.VersionRelationships
	if err := st.Versions().Bump(ctx, 1, kind, 1); err != nil {
		t.Fatal(err)
	}
	const n = 20
	runs := make([]atomic.Int64, n+1)
	unplug := plug(t, st)
	var c calls
	for i := range n {
		c.start(st, ctx, i, func(tx store.Repos) error {
			runs[i].Add(1)
			return insertMessage(int64(i + 1))(tx)
		})
	}
	waitQueued(t, st, n)
	read, race := make(chan struct{}), make(chan struct{})
	c.start(st, ctx, n, func(tx store.Repos) error {
		v, err := tx.Versions().Get(ctx, 1, kind)
		if err != nil {
			return err
		}
		if runs[n].Add(1) == 1 {
			close(read)
			<-race
		}
		return tx.Versions().Bump(ctx, 1, kind, v+1)
	})
	waitQueued(t, st, n+1)
	unplug()
	<-read
	// Outside the batch, on the pool: commits at once.
	if err := st.Versions().Bump(ctx, 1, kind, 100); err != nil {
		t.Fatal(err)
	}
	close(race)
	for i, err := range c.wait() {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	for i := range runs {
		if got := runs[i].Load(); got != 2 {
			t.Errorf("call %d ran %d times, want 2", i, got)
		}
	}
	if got := rerunsOf(st); got != 1 {
		t.Errorf("%d reruns, want 1", got)
	}
	if got := messageCount(t, st); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
	if v, err := st.Versions().Get(ctx, 1, kind); err != nil || v != 101 {
		t.Errorf("version %d, %v; want 101", v, err)
	}
}

// TestBatchAnswersAfterCommit: nobody in a batch is answered before its
// commit, and when the batch's connection dies before the commit, every
// caller gets an error and none of the work lands, also the work that had
// already run; the store goes on with another connection.
func TestBatchAnswersAfterCommit(t *testing.T) {
	app := fmt.Sprintf("hermod_test_%x", rand.Uint64())
	st := open(t, pgtest.DSN(t)+"&application_name="+app, postgres.Options{Committers: 1})
	defer st.Close()
	ctx := context.Background()
	const n = 20
	unplug := plug(t, st)
	var c calls
	for i := range n - 1 {
		c.start(st, ctx, i, insertMessage(int64(i+1)))
	}
	waitQueued(t, st, n-1)
	ran, kill := make(chan struct{}), make(chan struct{})
	c.start(st, ctx, n-1, func(tx store.Repos) error {
		if err := insertMessage(n)(tx); err != nil {
			return err
		}
		close(ran)
		<-kill
		return nil
	})
	waitQueued(t, st, n)
	unplug()
	<-ran // every call's work has run; the batch waits to commit
	if got := c.answered.Load(); got != 0 {
		t.Fatalf("%d calls answered before the commit", got)
	}
	db, err := sql.Open("pgx", pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var killed int
	err = db.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND state LIKE 'idle in transaction%'`, app).Scan(&killed)
	if err != nil || killed != 1 {
		t.Fatalf("terminated %d backends, %v", killed, err)
	}
	close(kill)
	for i, err := range c.wait() {
		if err == nil {
			t.Errorf("call %d answered success", i)
		}
	}
	if got := messageCount(t, st); got != 0 {
		t.Errorf("%d messages landed", got)
	}
	if err := st.InTx(ctx, insertMessage(1)); err != nil {
		t.Fatalf("after the lost connection: %v", err)
	}
}

// TestCloseCommitsQueued: Close waits for the batch under way and commits
// what is queued; a call after Close fails without running.
func TestCloseCommitsQueued(t *testing.T) {
	dsn := pgtest.DSN(t)
	st := open(t, dsn, postgres.Options{Committers: 1})
	ctx := context.Background()
	const n = 20
	unplug := plug(t, st)
	var c calls
	for i := range n {
		c.start(st, ctx, i, insertMessage(int64(i+1)))
	}
	waitQueued(t, st, n)
	closed := make(chan error, 1)
	go func() { closed <- st.Close() }()
	for deadline := time.Now().Add(10 * time.Second); !postgres.Closing(st); {
		if time.Now().After(deadline) {
			t.Fatal("Close did not start")
		}
		time.Sleep(time.Millisecond)
	}
	ran := false
	if err := st.InTx(ctx, func(store.Repos) error { ran = true; return nil }); err == nil || ran {
		t.Errorf("InTx after Close: %v, ran %v", err, ran)
	}
	unplug()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	for i, err := range c.wait() {
		if err != nil {
			t.Errorf("call %d: %v", i, err)
		}
	}
	st = open(t, dsn, postgres.Options{})
	defer st.Close()
	if got := messageCount(t, st); got != n {
		t.Errorf("%d messages, want %d", got, n)
	}
}

func commitsOf(st *postgres.Store) int64 { n, _ := st.CommitStats(); return n }
func rerunsOf(st *postgres.Store) int64  { _, n := st.CommitStats(); return n }
