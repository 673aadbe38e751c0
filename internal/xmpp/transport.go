package xmpp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hermod/internal/netpoll"
	"hermod/internal/xmpp/xmlstream"
)

// writeTimeout bounds one flush to a client; a client that does not read
// is cut off rather than hold its write loop forever.
const writeTimeout = 10 * time.Second

// transport is one client connection as the session sees it: a TCP stream
// of XML (RFC 6120) or a WebSocket with one element per message (RFC 7395).
type transport interface {
	// open reads the client's stream header (TCP) or <open/> (WebSocket).
	open(lim xmlstream.Limits) (xmlstream.Header, error)
	// opening returns the server's stream header or <open/>.
	opening(from, id string) []byte
	// next reads the next top-level element; io.EOF when the client closed
	// the stream.
	next() (*xmlstream.Element, error)
	// parentNS is the default namespace around top-level elements.
	parentNS() string
	// write queues one serialized element (or header); flush sends.
	write(b []byte) error
	flush() error
	// closing returns what ends the stream.
	closing() []byte
	close() error
	// tlsState is the connection's TLS state, nil when not encrypted.
	tlsState() *tls.ConnectionState
	// canStartTLS reports whether STARTTLS is possible (plain TCP).
	canStartTLS() bool
	startTLS(c *tls.Config, timeout time.Duration) error
	// safeToUpgrade reports that the client sent nothing after
	// <starttls/>: anything buffered would be a plaintext injection.
	safeToUpgrade() bool
	remoteAddr() net.Addr

	// parkable returns the connection to park while idle, nil if this
	// transport is read by a goroutine all along (TLS, WebSocket).
	parkable() netpoll.Conn
	// idle reports that nothing but whitespace is buffered between
	// stanzas (and discards it).
	idle() bool
	// fill waits until something is buffered.
	fill() error
	// release gives the read buffer back while parked; acquire takes one.
	release()
	acquire()
}

// Buffers are pooled: a parked connection holds none, and one that is
// writing holds one only until its flush.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4096) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4096) }}
)

// deadlineConn extends the read deadline at every read, so that any byte
// from the client (a whitespace keepalive too) keeps the connection alive.
// Moving a deadline costs a timer update, so a read moves it only when it
// is nearer than 7/8 of idle: the connection may be closed after 7/8 of
// idle without input, not before.
type deadlineConn struct {
	net.Conn
	idle time.Duration
	// probe makes a read return at once what is buffered above the socket
	// (in TLS), or a timeout.
	probe bool
	// until is the idle deadline set last; zero when none is (a probe's
	// replaced it, or the connection changed).
	until time.Time
}

// expired is a read deadline in the past.
var expired = time.Unix(1, 0)

func (c *deadlineConn) Read(p []byte) (int, error) {
	switch {
	case c.probe:
		c.Conn.SetReadDeadline(expired)
		c.until = time.Time{}
	case c.idle > 0:
		if now := time.Now(); c.until.Sub(now) < c.idle-c.idle/8 {
			c.until = now.Add(c.idle)
			c.Conn.SetReadDeadline(c.until)
		}
	}
	return c.Conn.Read(p)
}

type tcpTransport struct {
	raw  net.Conn
	conn net.Conn // raw, or the TLS connection over it
	tls  *tls.Conn
	rd   deadlineConn // conn, read by br
	br   *bufio.Reader
	bw   *bufio.Writer // nil between flushes
	dec  *xmlstream.Decoder
	// wdl is the write deadline set last (see flush).
	wdl time.Time
}

func newTCPTransport(conn net.Conn, idle time.Duration) *tcpTransport {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	t := &tcpTransport{raw: conn, conn: conn, rd: deadlineConn{Conn: conn, idle: idle}}
	t.acquire()
	return t
}

func (t *tcpTransport) acquire() {
	t.br = readers.Get().(*bufio.Reader)
	t.br.Reset(&t.rd)
	if t.dec != nil {
		t.dec.SetSource(t.br)
	}
}

func (t *tcpTransport) release() {
	if t.dec != nil {
		t.dec.SetSource(nil)
	}
	t.br.Reset(nil)
	readers.Put(t.br)
	t.br = nil
}

func (t *tcpTransport) parkable() netpoll.Conn {
	if tc, ok := t.raw.(*net.TCPConn); ok {
		return tc
	}
	return nil
}

// idle reports that nothing is buffered, in our reader or, for TLS, in
// the TLS layer, whose decrypted input the socket's readiness does not
// show: a read with an expired deadline finds out. (A timeout leaves a
// tls.Conn usable.)
func (t *tcpTransport) idle() bool {
	if !t.dec.Idle() {
		return false
	}
	if t.tls == nil {
		return true
	}
	t.rd.probe = true
	err := t.dec.Fill()
	t.rd.probe = false
	if err == nil {
		return t.dec.Idle() // whitespace only, or a stanza
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (t *tcpTransport) fill() error { return t.dec.Fill() }

func (t *tcpTransport) open(lim xmlstream.Limits) (xmlstream.Header, error) {
	t.dec = xmlstream.NewDecoder(t.br, lim)
	return t.dec.ReadHeader()
}

func (t *tcpTransport) opening(from, id string) []byte {
	return xmlstream.AppendStreamHeader(nil, from, "", id, "en")
}

func (t *tcpTransport) next() (*xmlstream.Element, error) { return t.dec.Next() }
func (t *tcpTransport) parentNS() string                  { return xmlstream.NSClient }

func (t *tcpTransport) write(b []byte) error {
	if t.bw == nil {
		t.bw = writers.Get().(*bufio.Writer)
		t.bw.Reset(t.conn)
	}
	_, err := t.bw.Write(b)
	return err
}

func (t *tcpTransport) flush() error {
	if t.bw == nil {
		return nil
	}
	var err error
	if t.bw.Buffered() > 0 {
		// As with the read deadline, moved only when nearer than 7/8 of
		// the timeout: a flush has between 7/8 of it and all of it.
		if now := time.Now(); t.wdl.Sub(now) < writeTimeout-writeTimeout/8 {
			t.wdl = now.Add(writeTimeout)
			t.conn.SetWriteDeadline(t.wdl)
		}
		err = t.bw.Flush()
	}
	t.bw.Reset(nil)
	writers.Put(t.bw)
	t.bw = nil
	return err
}

func (t *tcpTransport) closing() []byte { return []byte(xmlstream.StreamClose) }
func (t *tcpTransport) close() error    { return t.conn.Close() }

func (t *tcpTransport) tlsState() *tls.ConnectionState {
	if t.tls == nil {
		return nil
	}
	st := t.tls.ConnectionState()
	return &st
}

func (t *tcpTransport) canStartTLS() bool { return t.tls == nil }

// safeToUpgrade allows whitespace after <starttls/> (some clients end it
// with a newline) and nothing else.
func (t *tcpTransport) safeToUpgrade() bool {
	n := t.br.Buffered()
	if n == 0 {
		return true
	}
	b, _ := t.br.Peek(n)
	if !isBlank(b) {
		return false
	}
	t.br.Discard(n)
	return true
}

func (t *tcpTransport) startTLS(c *tls.Config, timeout time.Duration) error {
	tc := tls.Server(t.raw, c)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return err
	}
	t.tls, t.conn = tc, tc
	t.rd.Conn, t.rd.until, t.wdl = tc, time.Time{}, time.Time{}
	t.br.Reset(&t.rd) // empty: safeToUpgrade saw to it
	return nil
}

func (t *tcpTransport) remoteAddr() net.Addr { return t.raw.RemoteAddr() }

type wsTransport struct {
	conn   *websocket.Conn
	addr   net.Addr
	tls    *tls.ConnectionState
	lim    xmlstream.Limits
	silent time.Duration // the idle timeout
	queued [][]byte
}

func newWSTransport(conn *websocket.Conn, addr net.Addr, st *tls.ConnectionState, idle time.Duration) *wsTransport {
	return &wsTransport{conn: conn, addr: addr, tls: st, silent: idle}
}

var errFraming = &xmlstream.StreamError{Condition: "invalid-namespace", Text: "expected <open/> of urn:ietf:params:xml:ns:xmpp-framing"}

func (t *wsTransport) open(lim xmlstream.Limits) (xmlstream.Header, error) {
	t.lim = lim
	el, err := t.read()
	if err != nil {
		return xmlstream.Header{}, err
	}
	if !el.Is(xmlstream.NSFraming, "open") {
		return xmlstream.Header{}, errFraming
	}
	return xmlstream.Header{To: el.Attr("to"), From: el.Attr("from"), Version: el.Attr("version"), Lang: el.Lang()}, nil
}

func (t *wsTransport) read() (*xmlstream.Element, error) {
	ctx := context.Background()
	if t.silent > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.silent)
		defer cancel()
	}
	typ, b, err := t.conn.Read(ctx)
	if err != nil {
		if websocket.CloseStatus(err) != -1 {
			return nil, io.EOF
		}
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return nil, io.EOF
		}
		if errors.Is(err, websocket.ErrMessageTooBig) {
			return nil, xmlstream.ErrStanzaTooBig
		}
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, &xmlstream.StreamError{Condition: "bad-format", Text: "XMPP frames are text"}
	}
	return xmlstream.Parse(b, t.lim)
}

func (t *wsTransport) opening(from, id string) []byte {
	el := xmlstream.New(xmlstream.NSFraming, "open", "from", from, "id", id, "version", "1.0")
	el.Attrs = append(el.Attrs, xmlstream.Attr{Space: xmlstream.NSXML, Local: "lang", Value: "en"})
	return xmlstream.Append(nil, el, "")
}

func (t *wsTransport) next() (*xmlstream.Element, error) {
	el, err := t.read()
	if err != nil {
		return nil, err
	}
	if el.Is(xmlstream.NSFraming, "close") {
		return nil, xmlstream.ErrClosed
	}
	if el.Is(xmlstream.NSFraming, "open") {
		return nil, &xmlstream.StreamError{Condition: "bad-format", Text: "unexpected <open/>"}
	}
	if el.Space == "" { // a stanza without xmlns is in the client namespace
		el.Space = xmlstream.NSClient
	}
	return el, nil
}

func (t *wsTransport) parentNS() string { return "" }

func (t *wsTransport) write(b []byte) error {
	t.queued = append(t.queued, b)
	return nil
}

func (t *wsTransport) flush() error {
	q := t.queued
	t.queued = t.queued[:0]
	for _, b := range q {
		if isBlank(b) {
			continue // no whitespace keepalives in frames: WebSocket has pings
		}
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		err := t.conn.Write(ctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			return err
		}
	}
	clear(q)
	return nil
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\n' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

func (t *wsTransport) closing() []byte {
	return xmlstream.Append(nil, xmlstream.New(xmlstream.NSFraming, "close"), "")
}

func (t *wsTransport) close() error { return t.conn.Close(websocket.StatusNormalClosure, "") }

func (t *wsTransport) tlsState() *tls.ConnectionState { return t.tls }
func (t *wsTransport) canStartTLS() bool              { return false }
func (t *wsTransport) safeToUpgrade() bool            { return false }
func (t *wsTransport) startTLS(*tls.Config, time.Duration) error {
	return errors.New("no STARTTLS on WebSocket")
}
func (t *wsTransport) remoteAddr() net.Addr { return t.addr }

// A WebSocket is read by its goroutine all along: the library owns the
// reads.
func (t *wsTransport) parkable() netpoll.Conn { return nil }
func (t *wsTransport) idle() bool             { return false }
func (t *wsTransport) fill() error            { return nil }
func (t *wsTransport) release()               {}
func (t *wsTransport) acquire()               {}
