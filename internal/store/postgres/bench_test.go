package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"hermod/internal/store"
	"hermod/internal/store/postgres"
	"hermod/internal/store/postgres/pgtest"
)

// BenchmarkInTxMessages: chat messages from concurrent writers, each
// stored as the message service stores it (the message and the sender's
// read date in one InTx), each writer a sender of its own, so that what is
// measured is the transactions and their commits, not writers racing for
// one row.
func BenchmarkInTxMessages(b *testing.B) {
	dsn := pgtest.DSN(b)
	var ids, senders atomic.Int64
	for _, committers := range []int{1, 2, 4} {
		st := open(b, dsn, postgres.Options{Committers: committers})
		for _, writers := range []int{1, 8, 64} {
			b.Run(fmt.Sprintf("committers=%d/writers=%d", committers, writers), func(b *testing.B) {
				commits, reruns := st.CommitStats()
				benchMessages(b, st, writers, &ids, &senders)
				c, r := st.CommitStats()
				commits, reruns = c-commits, r-reruns
				b.ReportMetric(float64(b.N)/float64(commits), "msgs/commit")
				b.ReportMetric(float64(reruns)/float64(commits), "reruns/commit")
			})
		}
		st.Close()
	}
}

func benchMessages(b *testing.B, st store.Store, writers int, ids, senders *atomic.Int64) {
	ctx := context.Background()
	b.ReportAllocs()
	var n atomic.Int64
	var wg sync.WaitGroup
	for range writers {
		sender := senders.Add(1)
		wg.Go(func() {
			for n.Add(1) <= int64(b.N) {
				id := ids.Add(1)
				m := &store.Message{ID: id, SenderID: sender, RecipientID: sender + 1<<20, Text: "hello", DeliveryDate: id}
				err := st.InTx(ctx, func(tx store.Repos) error {
					if err := tx.Messages().Insert(ctx, m); err != nil {
						return err
					}
					return tx.Conversations().UpsertPrivateReadDate(ctx, m.SenderID, m.RecipientID, m.DeliveryDate)
				})
				if err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
