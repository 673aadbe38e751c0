package xmpp

import (
	"bufio"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"hermod/internal/sendq"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// componentWriteTimeout cuts off a component that stops reading;
// lingerTime is how long a closed stream waits for the component to close
// its side.
const (
	componentWriteTimeout = 30 * time.Second
	lingerTime            = 2 * time.Second
)

// componentConn is one external component's connection (XEP-0114). A
// reader goroutine negotiates the stream and routes what the component
// sends; once it is authenticated a writer goroutine sends what users
// address to it. Components are few and long-lived, so unlike client
// sessions they keep both goroutines and are not parked.
type componentConn struct {
	srv  *Server
	conn net.Conn
	// domain is set, under components.mu, once the header named a
	// configured domain.
	domain string

	queue   *sendq.Queue[[]byte]
	writing atomic.Bool // the writer runs: it ends the stream
	closing chan struct{}
	done    chan struct{} // closed when the writer has ended the stream
	once    sync.Once
	// closeErr is the stream error the writer sends, set before closing
	// is closed.
	closeErr *xmlstream.StreamError
}

func (s *Server) acceptComponents(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("accept failed", "err", err)
			time.Sleep(50 * time.Millisecond) // e.g. out of file descriptors: back off
			continue
		}
		c := &componentConn{srv: s, conn: conn, queue: sendq.New[[]byte](s.opts.SendQueue), closing: make(chan struct{}), done: make(chan struct{})}
		if !s.comps.track(c) {
			conn.Close()
			continue
		}
		s.wg.Go(c.run)
	}
}

// run negotiates the stream, then reads stanzas until it ends.
func (c *componentConn) run() {
	defer func() {
		c.srv.comps.unbind(c) // also when negotiation failed after binding
		c.srv.comps.untrack(c)
		if c.writing.Load() {
			<-c.done // the writer has ended the stream and half-closed
			c.conn.Close()
			return
		}
		c.lingeringClose()
	}()
	dec, err := c.negotiate()
	if err != nil {
		c.fail(err)
		return
	}
	c.srv.log.Info("component connected", "domain", c.domain, "remote", c.conn.RemoteAddr().String())
	defer c.srv.log.Info("component disconnected", "domain", c.domain)
	for {
		el, err := dec.Next()
		if err != nil {
			var se *xmlstream.StreamError
			if errors.As(err, &se) {
				c.closeWith(se)
			} else {
				c.closeWith(nil) // the component closed the stream or went away
			}
			return
		}
		if c.isClosing() {
			continue // read what the component sends until it sees our end
		}
		c.route(el)
	}
}

// negotiate reads the header and the handshake (XEP-0114 section 3) and
// starts the writer. The server's header goes out before any stream error,
// as RFC 6120 section 4.9.1.1 asks.
func (c *componentConn) negotiate() (*xmlstream.Decoder, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.srv.opts.NegotiationTimeout))
	dec := xmlstream.NewDecoder(bufio.NewReader(c.conn), c.srv.opts.Limits)
	h, err := dec.ReadComponentHeader()
	id := randomID()
	if err != nil {
		c.writeRaw(xmlstream.AppendComponentHeader(nil, c.srv.opts.Domain, id))
		return nil, err
	}
	domain := strings.ToLower(h.To)
	if j, err := jid.Parse(h.To); err == nil && j.Local == "" && j.Resource == "" {
		domain = j.Domain
	}
	secret, known := c.srv.comps.secrets[domain]
	if !known {
		c.writeRaw(xmlstream.AppendComponentHeader(nil, c.srv.opts.Domain, id))
		return nil, &xmlstream.StreamError{Condition: "host-unknown", Text: "no component is configured for " + h.To}
	}
	c.srv.comps.mu.Lock() // closeWith (server stop) reads it
	c.domain = domain
	c.srv.comps.mu.Unlock()
	if err := c.writeRaw(xmlstream.AppendComponentHeader(nil, domain, id)); err != nil {
		return nil, err
	}
	el, err := dec.Next()
	if err != nil {
		return nil, err
	}
	if !el.Is(xmlstream.NSComponent, "handshake") {
		return nil, &xmlstream.StreamError{Condition: "not-authorized", Text: "expected <handshake/>"}
	}
	ip := remoteIP(c.conn)
	now := time.Now()
	if !c.srv.throttle.Allowed(ip, now) {
		return nil, &xmlstream.StreamError{Condition: "policy-violation", Text: "too many failed handshakes"}
	}
	if !handshakeOK(el.Text(), id, secret) {
		c.srv.throttle.Failed(ip, now)
		return nil, &xmlstream.StreamError{Condition: "not-authorized"}
	}
	if se := c.srv.comps.bind(c); se != nil {
		return nil, se
	}
	if err := c.writeRaw([]byte("<handshake/>")); err != nil {
		return nil, err
	}
	c.conn.SetReadDeadline(time.Time{}) // TCP keepalives find a dead peer
	c.writing.Store(true)
	c.srv.wg.Go(c.write)
	return dec, nil
}

// handshakeOK checks a handshake: the hex SHA-1 of the stream id and the
// secret (XEP-0114 section 3, lower case; upper case is let through too).
func handshakeOK(got, id, secret string) bool {
	sum := sha1.Sum([]byte(id + secret))
	want := hex.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(strings.TrimSpace(got))), []byte(want)) == 1
}

func remoteIP(conn net.Conn) netip.Addr {
	ap, err := netip.ParseAddrPort(conn.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// writeRaw writes during negotiation, before the writer runs.
func (c *componentConn) writeRaw(b []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(componentWriteTimeout))
	_, err := c.conn.Write(b)
	return err
}

// fail ends a stream that did not authenticate.
func (c *componentConn) fail(err error) {
	var se *xmlstream.StreamError
	switch {
	case errors.As(err, &se):
		c.srv.log.Info("component refused", "domain", c.domain, "remote", c.conn.RemoteAddr().String(), "err", err)
		c.writeRaw(append(xmlstream.Append(nil, se.Element(), xmlstream.NSComponent), xmlstream.StreamClose...))
	case errors.Is(err, io.EOF):
		c.writeRaw([]byte(xmlstream.StreamClose))
	}
}

// lingeringClose closes our side and reads what the peer still sends
// (its handshake, written before it saw our error) for a moment before
// closing: closing with unread input would reset the connection, and the
// reset can destroy the stream error before the component reads it.
func (c *componentConn) lingeringClose() {
	if tc, ok := c.conn.(*net.TCPConn); ok && tc.CloseWrite() == nil {
		c.conn.SetReadDeadline(time.Now().Add(lingerTime))
		io.Copy(io.Discard, io.LimitReader(c.conn, 64<<10))
	}
	c.conn.Close()
}

// send queues a stanza for the component, in the component namespace; false
// when the component does not keep up.
func (c *componentConn) send(el *xmlstream.Element) bool {
	b := xmlstream.Append(nil, xmlstream.Renamespace(el, xmlstream.NSClient, xmlstream.NSComponent), xmlstream.NSComponent)
	return c.queue.Push(b, false)
}

// write is the writer: it sends what is queued and, once closing, the
// stream error and the stream's end.
func (c *componentConn) write() {
	bw := bufio.NewWriter(c.conn)
	flush := func(items [][]byte) bool {
		if len(items) == 0 {
			return true
		}
		c.conn.SetWriteDeadline(time.Now().Add(componentWriteTimeout))
		for _, b := range items {
			bw.Write(b)
		}
		return bw.Flush() == nil
	}
	for {
		select {
		case <-c.queue.Ready():
			if !flush(c.queue.Take()) {
				c.closeWith(nil)
			}
		case <-c.closing:
			flush(c.queue.Take())
			if c.closeErr != nil {
				bw.Write(xmlstream.Append(nil, c.closeErr.Element(), xmlstream.NSComponent))
			}
			flush([][]byte{[]byte(xmlstream.StreamClose)})
			// The reader reads on until the component closes its side, for
			// a moment at most (see lingeringClose).
			if tc, ok := c.conn.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			c.conn.SetReadDeadline(time.Now().Add(lingerTime))
			close(c.done)
			return
		}
	}
}

// closeWith starts closing: the writer ends the stream (with se if not
// nil) and closes the connection. Only the first call counts.
func (c *componentConn) closeWith(se *xmlstream.StreamError) {
	c.once.Do(func() {
		c.srv.comps.unbind(c)
		c.closeErr = se
		close(c.closing)
		if !c.writing.Load() {
			c.conn.Close() // negotiation has no writer to end the stream
		}
	})
}

func (c *componentConn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}
