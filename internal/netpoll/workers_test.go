//go:build linux

package netpoll

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestWorkers: every task runs, however many arrive at once; at most
// maxIdle workers stay waiting afterwards, and they take the next tasks;
// after close none is left, and tasks still run.
func TestWorkers(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	w := newWorkers(4)
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range 32 { // 32 at once: more than maxIdle, each on its own goroutine
		wg.Add(1)
		w.Go(func() { <-release; wg.Done() })
	}
	close(release)
	wg.Wait()
	waitFor(t, func() bool { return w.idle.Load() == 4 }, "4 idle workers")
	before := runtime.NumGoroutine()
	for range 100 { // one at a time: the idle workers take them
		wg.Add(1)
		w.Go(wg.Done)
		wg.Wait()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after sequential tasks, %d before", n, before)
	}
	w.close()
	waitFor(t, func() bool { return w.idle.Load() == 0 }, "no idle worker after close")
	done := make(chan struct{})
	w.Go(func() { close(done) })
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a task after close did not run")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkGo hands a task to a worker, as a woken connection does, and
// BenchmarkGoroutine starts a goroutine for it as before; "deep" tasks use
// 16 KiB of stack, as a message's path does.
func BenchmarkGo(b *testing.B) {
	for _, depth := range []int{0, 64} {
		b.Run(fmt.Sprintf("stack=%dx256B", depth), func(b *testing.B) {
			w := newWorkers(maxIdleWorkers)
			defer w.close()
			done := make(chan struct{})
			task := func() { deep(depth); done <- struct{}{} }
			b.ReportAllocs()
			for b.Loop() {
				w.Go(task)
				<-done
			}
		})
	}
}

func BenchmarkGoroutine(b *testing.B) {
	for _, depth := range []int{0, 64} {
		b.Run(fmt.Sprintf("stack=%dx256B", depth), func(b *testing.B) {
			done := make(chan struct{})
			task := func() { deep(depth); done <- struct{}{} }
			b.ReportAllocs()
			for b.Loop() {
				go task()
				<-done
			}
		})
	}
}

// deep recurses n frames of about 256 bytes each.
//
//go:noinline
func deep(n int) byte {
	var pad [240]byte
	if n == 0 {
		return pad[0]
	}
	pad[n%240] = byte(n)
	return deep(n-1) + pad[(n+1)%240]
}
