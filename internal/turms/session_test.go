package turms

import (
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/event"
	"hermod/internal/netpoll"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

// stuckTransport is a connection whose peer has stopped reading: flush
// blocks until the test releases it.
type stuckTransport struct {
	mu       sync.Mutex
	written  [][]byte
	queued   bool          // written since the last flush
	reading  chan struct{} // closed when the session first reads
	flushing chan struct{} // closed when a flush first blocks
	unblock  chan struct{}
	closed   chan struct{}
	once     sync.Once
	flushed  sync.Once
	read1    sync.Once
}

func (t *stuckTransport) read() ([]byte, error) {
	t.read1.Do(func() { close(t.reading) })
	<-t.closed
	return nil, net.ErrClosed
}
func (t *stuckTransport) write(b []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.written = append(t.written, b)
	t.queued = true
	return nil
}
func (t *stuckTransport) flush() error {
	t.mu.Lock()
	queued := t.queued
	t.queued = false
	t.mu.Unlock()
	if !queued {
		return nil
	}
	t.flushed.Do(func() { close(t.flushing) })
	select {
	case <-t.unblock:
	case <-t.closed:
	}
	return nil
}
func (t *stuckTransport) close() error            { t.once.Do(func() { close(t.closed) }); return nil }
func (t *stuckTransport) parkable() netpoll.Conn  { return nil }
func (t *stuckTransport) idle() bool              { return false }
func (t *stuckTransport) buffered() bool          { return false }
func (t *stuckTransport) tryFlush() (bool, error) { return false, nil }
func (t *stuckTransport) fill() error             { return nil }
func (t *stuckTransport) release()                {}
func (t *stuckTransport) acquire()                {}
func (t *stuckTransport) remoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
}

// TestSlowConsumerIsCutOff: a session whose peer does not read, and whose
// queue of notifications reaches its limit, is closed rather than allowed
// to grow without bound or to block whoever delivers to it.
func TestSlowConsumerIsCutOff(t *testing.T) {
	opts := DefaultOptions()
	opts.SendQueue = 2
	srv := New(opts, Services{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tr := &stuckTransport{reading: make(chan struct{}), flushing: make(chan struct{}), unblock: make(chan struct{}), closed: make(chan struct{})}
	s := newSession(srv, tr)
	done := make(chan struct{})
	go func() { s.run(); close(done) }()
	<-tr.reading // the session runs

	msg := func(i int64) *event.Event {
		return &event.Event{RequesterID: 1, Payload: &event.MessageCreated{Message: store.Message{ID: i, SenderID: 1, RecipientID: 2, Text: "x"}}}
	}
	s.Deliver(msg(1)) // taken by a writer, which then blocks in flush
	select {
	case <-tr.flushing:
	case <-time.After(5 * time.Second):
		t.Fatal("no writer took the first message")
	}
	s.Deliver(msg(2))
	s.Deliver(msg(3)) // the queue is now full
	select {
	case <-s.closing:
		t.Fatal("closed before the queue overflowed")
	default:
	}
	start := time.Now()
	s.Deliver(msg(4)) // overflow: must not block, must close
	if time.Since(start) > time.Second {
		t.Fatal("Deliver blocked on a slow consumer")
	}
	select {
	case <-s.closing:
	default:
		t.Fatal("a session over its queue limit was not closed")
	}
	close(tr.unblock)
	<-done
	last := &pb.TurmsNotification{}
	if err := proto.Unmarshal(tr.written[len(tr.written)-1], last); err != nil {
		t.Fatal(err)
	}
	if last.GetCloseStatus() != int32(status.CloseServerError) {
		t.Fatalf("last message %v, want a SERVER_ERROR close notification", last)
	}
}
