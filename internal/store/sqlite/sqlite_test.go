package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"hermod/internal/store"
	"hermod/internal/store/sqlite"
	"hermod/internal/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "hermod.db"))
	})
}

func TestReopenKeepsDataAndMigrations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermod.db")
	st := open(t, path)
	if err := st.Messages().Insert(context.Background(), &store.Message{ID: 1, SenderID: 1, RecipientID: 2, DeliveryDate: 5}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = open(t, path) // migrations already applied: must not run again
	defer st.Close()
	if _, err := st.Messages().Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestTwoStoresOnOneFile is the CLI writing beside a running server.
func TestTwoStoresOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermod.db")
	a, b := open(t, path), open(t, path)
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for i, st := range []*sqlite.Store{a, b} {
		wg.Go(func() {
			for k := range 100 {
				id := int64(i*1000 + k + 1)
				if err := st.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id}); err != nil {
					t.Errorf("store %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	n, err := a.Messages().Count(ctx, store.MessageQuery{})
	if err != nil || n != 200 {
		t.Fatalf("count %d, %v", n, err)
	}
}

func TestConcurrentWriters(t *testing.T) {
	st := open(t, filepath.Join(t.TempDir(), "hermod.db"))
	defer st.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for k := range 100 {
				id := int64(w*1000 + k + 1)
				err := st.InTx(ctx, func(tx store.Repos) error {
					if err := tx.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id}); err != nil {
						return err
					}
					return tx.Conversations().UpsertPrivateReadDate(ctx, 1, 2, id)
				})
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	n, _ := st.Messages().Count(ctx, store.MessageQuery{})
	if n != 800 {
		t.Fatalf("count %d, want 800", n)
	}
}

func BenchmarkInsertMessage(b *testing.B) {
	st := open(b, filepath.Join(b.TempDir(), "hermod.db"))
	defer st.Close()
	ctx := context.Background()
	var id int64 // outside: b.Run may call the function more than once
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			id++
			if err := st.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, Text: "hello", DeliveryDate: id}); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Many senders at once, as a loaded server has them: their
	// transactions share commits (group commit).
	var next atomic.Int64
	next.Store(1 << 40)
	b.Run("concurrent", func(b *testing.B) {
		b.SetParallelism(32)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := next.Add(1)
				err := st.InTx(ctx, func(tx store.Repos) error {
					if err := tx.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, Text: "hello", DeliveryDate: id}); err != nil {
						return err
					}
					return tx.Conversations().UpsertPrivateReadDate(ctx, 1, 2, id)
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
