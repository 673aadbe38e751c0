package cache

import (
	"errors"
	"sync"
	"testing"
)

func TestCache(t *testing.T) {
	c := New[int, string](2)
	loads := 0
	load := func(v string) func() (string, error) {
		return func() (string, error) { loads++; return v, nil }
	}

	if v, _ := c.Get(1, load("a")); v != "a" || loads != 1 {
		t.Fatalf("first get: %q after %d loads", v, loads)
	}
	if v, _ := c.Get(1, load("b")); v != "a" || loads != 1 {
		t.Fatalf("hit: %q after %d loads, want the kept a", v, loads)
	}
	c.Invalidate(1)
	if v, _ := c.Get(1, load("b")); v != "b" || loads != 2 {
		t.Fatalf("after invalidate: %q after %d loads", v, loads)
	}

	boom := errors.New("boom")
	if _, err := c.Get(2, func() (string, error) { return "", boom }); err != boom {
		t.Fatalf("load error: %v", err)
	}
	if c.Len() != 1 {
		t.Fatalf("a failed load was kept: %d entries", c.Len())
	}

	c.Get(2, load("c"))
	c.Get(3, load("d"))
	if c.Len() != 2 {
		t.Fatalf("size bound: %d entries, want 2", c.Len())
	}
}

// A value read before an invalidation of any key is returned but not kept:
// it may predate the change the invalidation announces.
func TestReadRacingInvalidateIsNotKept(t *testing.T) {
	c := New[int, int](10)
	v, _ := c.Get(1, func() (int, error) {
		c.Invalidate(1) // the change commits and is announced while we read
		return 1, nil
	})
	if v != 1 {
		t.Fatalf("got %d", v)
	}
	if c.Len() != 0 {
		t.Fatal("a value read across an invalidation was kept")
	}
	v, _ = c.Get(1, func() (int, error) { return 2, nil })
	if v != 2 {
		t.Fatalf("after the race: %d, want the fresh 2", v)
	}
}

func TestConcurrent(t *testing.T) {
	c := New[int, int](64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				k := (g*7 + i) % 100
				v, err := c.Get(k, func() (int, error) { return k * 2, nil })
				if err != nil || v != k*2 {
					t.Errorf("key %d: %d, %v", k, v, err)
					return
				}
				if i%50 == 0 {
					c.Invalidate(k)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 64 {
		t.Fatalf("%d entries over the bound", c.Len())
	}
}

func BenchmarkHit(b *testing.B) {
	c := New[int64, bool](1024)
	c.Get(7, func() (bool, error) { return true, nil })
	b.ReportAllocs()
	for b.Loop() {
		c.Get(7, nil)
	}
}
