// Package sendq is the queue between a session's producers (its read loop
// and the router) and its write loop.
package sendq

import "sync"

// Queue holds a session's outgoing items for its write loop. Unlike a
// buffered channel it holds no memory while empty, which matters because
// most sessions are idle most of the time.
type Queue[T any] struct {
	mu    sync.Mutex
	items []T
	limit int
	// ready holds a token whenever items may be non-empty.
	ready chan struct{}
}

// New returns a queue that refuses unforced pushes beyond limit items.
func New[T any](limit int) *Queue[T] {
	return &Queue[T]{limit: limit, ready: make(chan struct{}, 1)}
}

// Push queues v. Unless force is set, it refuses (returns false) when the
// queue already holds limit items.
func (q *Queue[T]) Push(v T, force bool) bool {
	q.mu.Lock()
	if !force && len(q.items) >= q.limit {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, v)
	first := len(q.items) == 1
	q.mu.Unlock()
	if first {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}
	return true
}

// Ready receives a value whenever items may be waiting.
func (q *Queue[T]) Ready() <-chan struct{} { return q.ready }

// Len returns how many items are queued.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// Take removes and returns everything queued.
func (q *Queue[T]) Take() []T {
	q.mu.Lock()
	items := q.items
	q.items = nil
	q.mu.Unlock()
	return items
}
