package turms

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"hermod/internal/netpoll"
)

// writeTimeout bounds one flush to a client; a client that does not read
// for this long is cut off rather than allowed to hold server memory.
const writeTimeout = 10 * time.Second

// transport carries whole Turms messages over TCP or WebSocket. Reads happen
// on the session's read loop and writes on its write loop only.
type transport interface {
	// read returns the next message (empty for a heartbeat), valid until
	// the next call.
	read() ([]byte, error)
	// write queues one message; flush sends what was queued (nothing
	// when nothing is).
	write(msg []byte) error
	flush() error
	// tryFlush sends what was queued if the connection takes it at once,
	// without waiting: done is false when some is left for flush
	// (WebSocket: always).
	tryFlush() (done bool, err error)
	// close ends the connection at once; it unblocks read.
	close() error
	remoteAddr() net.Addr

	// parkable returns the connection to park while idle, nil if this
	// transport is read by a goroutine all along (WebSocket).
	parkable() netpoll.Conn
	// idle reports that nothing is buffered; fill waits until something
	// is.
	idle() bool
	fill() error
	// buffered reports that (part of) the next message is in memory
	// already, so reading it waits for no client: the reader may then
	// start it before answering the ones before (pipeline.go). False
	// when the transport cannot tell (WebSocket).
	buffered() bool
	// release gives the read buffers back while parked; acquire takes one.
	release()
	acquire()
}

var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 512) }}

// tcpTransport frames messages with varint32 length prefixes. Its write
// buffer comes from a pool for the length of one flush, so an idle
// connection holds none.
type tcpTransport struct {
	conn net.Conn
	fr   frameReader
	wbuf *[]byte
	// wdl is the write deadline set last (see flush).
	wdl time.Time
}

var writeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuffer keeps buffers grown by a large batch out of the pool.
const maxPooledBuffer = 64 << 10

func newTCPTransport(conn net.Conn, maxFrame int) *tcpTransport {
	t := &tcpTransport{conn: conn, fr: frameReader{max: maxFrame}}
	t.acquire()
	return t
}

func (t *tcpTransport) acquire() {
	t.fr.r = readers.Get().(*bufio.Reader)
	t.fr.r.Reset(t.conn)
}

func (t *tcpTransport) release() {
	t.fr.r.Reset(nil)
	readers.Put(t.fr.r)
	t.fr.r, t.fr.buf = nil, nil
}

func (t *tcpTransport) parkable() netpoll.Conn {
	if tc, ok := t.conn.(*net.TCPConn); ok {
		return tc
	}
	return nil
}

func (t *tcpTransport) idle() bool     { return t.fr.r.Buffered() == 0 }
func (t *tcpTransport) buffered() bool { return t.fr.r.Buffered() > 0 }

func (t *tcpTransport) fill() error {
	_, err := t.fr.r.Peek(1)
	return err
}

func (t *tcpTransport) read() ([]byte, error) { return t.fr.readFrame() }

func (t *tcpTransport) write(msg []byte) error {
	if t.wbuf == nil {
		t.wbuf = writeBuffers.Get().(*[]byte)
	}
	*t.wbuf = appendFrame(*t.wbuf, msg)
	return nil
}

func (t *tcpTransport) flush() error {
	if t.wbuf == nil {
		return nil
	}
	// Moving the deadline costs a timer update: it moves only when nearer
	// than 7/8 of the timeout, so a flush has between 7/8 of it and all.
	if now := time.Now(); t.wdl.Sub(now) < writeTimeout-writeTimeout/8 {
		t.wdl = now.Add(writeTimeout)
		t.conn.SetWriteDeadline(t.wdl)
	}
	_, err := t.conn.Write(*t.wbuf)
	if cap(*t.wbuf) <= maxPooledBuffer {
		*t.wbuf = (*t.wbuf)[:0]
		writeBuffers.Put(t.wbuf)
	}
	t.wbuf = nil
	return err
}

func (t *tcpTransport) tryFlush() (bool, error) {
	if t.wbuf == nil {
		return true, nil
	}
	tc, ok := t.conn.(*net.TCPConn)
	if !ok {
		return false, nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false, nil
	}
	b := *t.wbuf
	var n int
	var werr error
	// One attempt, whatever it writes: a full socket buffer leaves the
	// rest to flush, which waits.
	if err := rc.Write(func(fd uintptr) bool {
		n, werr = syscall.Write(int(fd), b)
		return true
	}); err != nil {
		return false, err
	}
	switch {
	case werr == syscall.EAGAIN || werr == syscall.EINTR:
		return false, nil
	case werr != nil:
		return false, werr
	case n < len(b):
		*t.wbuf = b[:copy(b, b[n:])]
		return false, nil
	}
	if cap(b) <= maxPooledBuffer {
		*t.wbuf = b[:0]
		writeBuffers.Put(t.wbuf)
	}
	t.wbuf = nil
	return true, nil
}

func (t *tcpTransport) close() error         { return t.conn.Close() }
func (t *tcpTransport) remoteAddr() net.Addr { return t.conn.RemoteAddr() }

// wsTransport sends one binary WebSocket message per Turms message.
type wsTransport struct {
	conn    *websocket.Conn
	addr    net.Addr
	max     int
	buf     []byte
	pending [][]byte
}

func newWSTransport(conn *websocket.Conn, addr net.Addr, maxFrame int) *wsTransport {
	conn.SetReadLimit(-1) // we enforce the limit ourselves, to answer it in Turms terms
	return &wsTransport{conn: conn, addr: addr, max: maxFrame}
}

func (t *wsTransport) read() ([]byte, error) {
	for {
		typ, r, err := t.conn.Reader(context.Background())
		if err != nil {
			return nil, err
		}
		if typ != websocket.MessageBinary {
			return nil, errTextMessage
		}
		if cap(t.buf) > keptBuffer {
			t.buf = nil // a large message's buffer is not kept while idle
		}
		t.buf = t.buf[:0]
		for {
			if len(t.buf) == cap(t.buf) {
				nb := make([]byte, len(t.buf), min(max(512, 2*cap(t.buf)), t.max+1))
				copy(nb, t.buf)
				t.buf = nb
			}
			n, err := r.Read(t.buf[len(t.buf):cap(t.buf)])
			t.buf = t.buf[:len(t.buf)+n]
			if len(t.buf) > t.max {
				return nil, errFrameTooLarge
			}
			if err == io.EOF {
				return t.buf, nil
			}
			if err != nil {
				return nil, err
			}
		}
	}
}

var errTextMessage = errors.New("turms: text WebSocket message")

func (t *wsTransport) write(msg []byte) error {
	t.pending = append(t.pending, msg)
	return nil
}

func (t *wsTransport) flush() error {
	if len(t.pending) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	for i, msg := range t.pending {
		if err := t.conn.Write(ctx, websocket.MessageBinary, msg); err != nil {
			clear(t.pending)
			t.pending = t.pending[:0]
			return err
		}
		t.pending[i] = nil
	}
	t.pending = t.pending[:0]
	return nil
}

func (t *wsTransport) close() error {
	return t.conn.CloseNow()
}

// closeGracefully sends a WebSocket close frame and waits briefly for the
// peer's, after the Turms close notification has been flushed.
func (t *wsTransport) closeGracefully() error {
	return t.conn.Close(websocket.StatusNormalClosure, "")
}

func (t *wsTransport) remoteAddr() net.Addr { return t.addr }

// A WebSocket is read by its goroutine all along: the library owns the
// reads.
func (t *wsTransport) parkable() netpoll.Conn  { return nil }
func (t *wsTransport) idle() bool              { return false }
func (t *wsTransport) tryFlush() (bool, error) { return false, nil }
func (t *wsTransport) buffered() bool          { return false }
func (t *wsTransport) fill() error             { return nil }
func (t *wsTransport) release()                {}
func (t *wsTransport) acquire()                {}
