package netpoll

import (
	"sync"
	"sync/atomic"
)

// workers runs the short tasks of busy connections (a woken reader that
// reads what arrived, a writer that sends what was queued) on goroutines
// that outlive them. A new goroutine for each task started with a small
// stack and grew it, copying, to the depth of a message's path (decode,
// store, relay, encode) every time: a few per cent of the CPU of a chat
// message. A worker that finishes a task waits for the next one, as long
// as fewer than maxIdle wait, and a task finds a waiting worker or starts
// a goroutine of its own, so a task never waits for a worker.
type workers struct {
	tasks   chan func()
	quit    chan struct{}
	stop    sync.Once
	idle    atomic.Int32
	maxIdle int32
}

// maxIdleWorkers bounds the goroutines kept waiting for tasks.
const maxIdleWorkers = 64

func newWorkers(maxIdle int) workers {
	return workers{tasks: make(chan func()), quit: make(chan struct{}), maxIdle: int32(maxIdle)}
}

// Go runs f on a waiting worker, or on a new goroutine when none waits.
func (w *workers) Go(f func()) {
	select {
	case w.tasks <- f:
	default:
		go w.work(f)
	}
}

func (w *workers) work(f func()) {
	for {
		f()
		f = nil // let the task's closure go while we wait
		if w.idle.Add(1) > w.maxIdle {
			w.idle.Add(-1)
			return
		}
		select {
		case f = <-w.tasks:
			w.idle.Add(-1)
		case <-w.quit:
			w.idle.Add(-1)
			return
		}
	}
}

// close makes waiting workers, and workers when their task ends, exit.
// Go still runs tasks afterwards, each on a goroutine of its own.
func (w *workers) close() { w.stop.Do(func() { close(w.quit) }) }
