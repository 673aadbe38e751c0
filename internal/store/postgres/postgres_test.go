package postgres_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"hermod/internal/store"
	"hermod/internal/store/postgres"
	"hermod/internal/store/postgres/pgtest"
	"hermod/internal/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(t testing.TB, dsn string, o postgres.Options) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, o)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, pgtest.DSN(t), postgres.Options{})
	})
}

// TestNodesStartTogether: stores opened at once on one empty schema (nodes
// starting together) migrate it once, behind the advisory lock, and all
// work; reopening applies nothing again.
func TestNodesStartTogether(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	stores := make([]*postgres.Store, 4)
	errs := make([]error, len(stores))
	var wg sync.WaitGroup
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, dsn, postgres.Options{MaxConns: 2}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("store %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	for i, st := range stores {
		id := int64(i + 1)
		if err := st.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id}); err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, dsn, postgres.Options{})
	defer st.Close()
	if err := st.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := st.Messages().Count(ctx, store.MessageQuery{})
	if err != nil || n != int64(len(stores)) {
		t.Fatalf("count %d, %v", n, err)
	}
}

// TestTransactionsSerialize: read-modify-write transactions from many
// goroutines and two stores (two nodes) lose no update: each reads a
// version and writes it plus one, which without SERIALIZABLE and the
// retries would let two of them write the same value.
func TestTransactionsSerialize(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	a := open(t, dsn, postgres.Options{MaxTxAttempts: 1000})
	defer a.Close()
	b := open(t, dsn, postgres.Options{MaxTxAttempts: 1000})
	defer b.Close()
	const workers, each = 6, 10
	var wg sync.WaitGroup
	var reruns atomic.Int64
	for w := range workers {
		st := a
		if w%2 == 1 {
			st = b
		}
		wg.Go(func() {
			for range each {
				runs := 0
				err := st.InTx(ctx, func(tx store.Repos) error {
					runs++
					v, err := tx.Versions().Get(ctx, 1, store.VersionRelationships)
					if err != nil {
						return err
					}
					return tx.Versions().Bump(ctx, 1, store.VersionRelationships, v+1)
				})
				if err != nil {
					t.Errorf("worker %d after %d runs: %v", w, runs, err)
					return
				}
				reruns.Add(int64(runs - 1))
			}
		})
	}
	wg.Wait()
	t.Logf("%d transactions, run again %d times after losing a race", workers*each, reruns.Load())
	v, err := a.Versions().Get(ctx, 1, store.VersionRelationships)
	if err != nil || v != workers*each {
		t.Fatalf("version %d, %v; want %d", v, err, workers*each)
	}
}

// TestConflictKeepsTransaction: a duplicate key inside a transaction is
// store.ErrConflict and the transaction goes on (PostgreSQL aborts a
// transaction whose statement failed; the inserts say ON CONFLICT DO
// NOTHING so that none fails).
func TestConflictKeepsTransaction(t *testing.T) {
	st := open(t, pgtest.DSN(t), postgres.Options{})
	defer st.Close()
	ctx := context.Background()
	u := &store.User{ID: 1, Active: true, Credentials: store.Credentials{Salt: []byte("s")}}
	if err := st.Users().Create(ctx, u); err != nil {
		t.Fatal(err)
	}
	err := st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.Users().Create(ctx, u); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate: %v", err)
		}
		return tx.Users().Create(ctx, &store.User{ID: 2, Active: true, Credentials: store.Credentials{Salt: []byte("s")}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := st.Users().Get(ctx, 2); err != nil || !got.Active {
		t.Fatalf("%+v, %v", got, err)
	}
}
