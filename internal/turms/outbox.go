package turms

import "sync"

// outbox queues a session's encoded messages for its write loop. Unlike a
// buffered channel it holds no memory while empty, which matters because
// most sessions are idle most of the time.
type outbox struct {
	mu    sync.Mutex
	msgs  [][]byte
	limit int
	// ready holds a token whenever msgs may be non-empty.
	ready chan struct{}
}

func newOutbox(limit int) *outbox {
	return &outbox{limit: limit, ready: make(chan struct{}, 1)}
}

// push queues b. Unless force is set, it refuses (returns false) when the
// queue already holds limit messages.
func (o *outbox) push(b []byte, force bool) bool {
	o.mu.Lock()
	if !force && len(o.msgs) >= o.limit {
		o.mu.Unlock()
		return false
	}
	o.msgs = append(o.msgs, b)
	first := len(o.msgs) == 1
	o.mu.Unlock()
	if first {
		select {
		case o.ready <- struct{}{}:
		default:
		}
	}
	return true
}

// take removes and returns everything queued.
func (o *outbox) take() [][]byte {
	o.mu.Lock()
	msgs := o.msgs
	o.msgs = nil
	o.mu.Unlock()
	return msgs
}
