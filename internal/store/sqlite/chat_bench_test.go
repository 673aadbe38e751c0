package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hermod/internal/store"
)

// BenchmarkChatCommit is the store's share of a 1:1 chat under load: 200
// pairs, each message inserted with its sender's read date in one InTx, by
// many senders at once so that commits are shared as on a busy server. The
// archive holds 50,000 messages first, so that the indexes are not all in
// one page. ns/op is the committer's time per message (what bounds the
// throughput: it is one goroutine); cpu-us/msg is the process's CPU per
// message.
func BenchmarkChatCommit(b *testing.B) {
	for _, senders := range []int{8, 64} {
		b.Run(fmt.Sprintf("senders=%d", senders), func(b *testing.B) {
			benchChat(b, senders)
		})
	}
}

func benchChat(b *testing.B, senders int) {
	const pairs = 200
	st := open(b, filepath.Join(b.TempDir(), "hermod.db"))
	defer st.Close()
	ctx := context.Background()
	var id atomic.Int64
	msg := func(pair int) *store.Message {
		n := id.Add(1)
		sender, recipient := int64(100000+2*pair), int64(100000+2*pair+1)
		if n%2 == 0 {
			sender, recipient = recipient, sender
		}
		return &store.Message{ID: 1<<40 + n, SenderID: sender, RecipientID: recipient,
			Text: "1764500000000000000 a message of a typical length", DeliveryDate: time.Now().UnixMilli()}
	}
	send := func(m *store.Message) error {
		return st.InTx(ctx, func(tx store.Repos) error {
			if err := tx.Messages().Insert(ctx, m); err != nil {
				return err
			}
			return tx.Conversations().UpsertPrivateReadDate(ctx, m.SenderID, m.RecipientID, m.DeliveryDate)
		})
	}
	for range 50 {
		err := st.InTx(ctx, func(tx store.Repos) error {
			for i := range 1000 {
				if err := tx.Messages().Insert(ctx, msg(i%pairs)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	cpu0 := cpuTime()
	b.ResetTimer()
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				if err := send(msg(s % pairs)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-us/msg")
}

// cpuTime is the process's CPU time, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
