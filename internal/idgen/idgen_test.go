package idgen

import (
	"sync"
	"testing"
	"time"
)

func TestNextIncreasesAndCarriesNode(t *testing.T) {
	g, err := New(42)
	if err != nil {
		t.Fatal(err)
	}
	prev := int64(0)
	for range 100_000 {
		id := g.Next()
		if id <= prev {
			t.Fatalf("id %d not greater than previous %d", id, prev)
		}
		if Node(id) != 42 {
			t.Fatalf("Node(%d) = %d, want 42", id, Node(id))
		}
		prev = id
	}
	if d := time.Since(Time(prev)); d < -time.Second || d > time.Minute {
		t.Fatalf("Time(last id) is %v away from now", d)
	}
}

func TestSequenceOverflowBorrowsNextMillisecond(t *testing.T) {
	g, _ := New(1)
	frozen := Epoch.Add(time.Hour)
	g.now = func() time.Time { return frozen }
	seen := make(map[int64]bool)
	prev := int64(0)
	for range 3 << seqBits { // three milliseconds' worth at one clock reading
		id := g.Next()
		if id <= prev || seen[id] {
			t.Fatalf("id %d repeated or not increasing", id)
		}
		seen[id] = true
		prev = id
	}
	if got := Time(prev).Sub(frozen); got != 2*time.Millisecond {
		t.Fatalf("after borrowing, last id time is +%v, want +2ms", got)
	}
}

func TestNodesNeverCollide(t *testing.T) {
	a, _ := New(1)
	b, _ := New(2)
	var mu sync.Mutex
	seen := make(map[int64]bool)
	var wg sync.WaitGroup
	for _, g := range []*Generator{a, a, b, b} {
		wg.Go(func() {
			ids := make([]int64, 20_000)
			for i := range ids {
				ids[i] = g.Next()
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				if seen[id] {
					t.Errorf("duplicate id %d", id)
					return
				}
				seen[id] = true
			}
		})
	}
	wg.Wait()
}

func TestNewRejectsBadNode(t *testing.T) {
	for _, n := range []int{-1, MaxNode + 1} {
		if _, err := New(n); err == nil {
			t.Errorf("New(%d) succeeded", n)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	g, _ := New(1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			g.Next()
		}
	})
}
