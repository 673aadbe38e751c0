// Package xmpptest is a small XMPP client for tests: it connects over TCP
// (with STARTTLS), direct TLS or WebSocket, authenticates with SCRAM or
// PLAIN, binds, and reads stanzas in the background so that tests wait for
// the stanza they expect instead of sleeping.
package xmpptest

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/xdg-go/scram"

	"hermod/internal/xmpp/xmlstream"
)

// Namespaces the client uses.
const (
	NSTLS  = "urn:ietf:params:xml:ns:xmpp-tls"
	NSSASL = "urn:ietf:params:xml:ns:xmpp-sasl"
	NSBind = "urn:ietf:params:xml:ns:xmpp-bind"
)

// Timeout bounds every wait of the client: a guard against hangs, not a
// measure, so generous enough for -race on a busy machine.
var Timeout = 30 * time.Second

// Client is one test connection.
type Client struct {
	Domain   string
	JID      string
	Features *xmlstream.Element

	conn net.Conn
	tls  *tls.Conn
	br   *bufio.Reader
	dec  *xmlstream.Decoder
	ws   *websocket.Conn

	mu      sync.Mutex
	backlog []*xmlstream.Element
	in      chan *xmlstream.Element
	readErr error
	done    chan struct{}
	reading bool
}

// DialTCP connects to a STARTTLS listener and opens the stream; with
// startTLS it upgrades the connection first.
func DialTCP(addr, domain string, startTLS bool) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		return nil, err
	}
	c := &Client{Domain: domain, conn: conn, br: bufio.NewReader(conn)}
	if err := c.open(); err != nil {
		conn.Close()
		return nil, err
	}
	if startTLS {
		if err := c.StartTLS(); err != nil {
			conn.Close()
			return nil, err
		}
	}
	return c, nil
}

// DialTLS connects to a direct TLS listener (XEP-0368).
func DialTLS(addr, domain string) (*Client, error) {
	raw, err := net.DialTimeout("tcp", addr, Timeout)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true, ServerName: domain, NextProtos: []string{"xmpp-client"}})
	if err := tc.Handshake(); err != nil {
		raw.Close()
		return nil, err
	}
	c := &Client{Domain: domain, conn: tc, tls: tc, br: bufio.NewReader(tc)}
	if err := c.open(); err != nil {
		tc.Close()
		return nil, err
	}
	return c, nil
}

// DialWS connects to an RFC 7395 endpoint (ws:// or wss://).
func DialWS(url, domain string) (*Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"xmpp"},
		HTTPClient: insecureHTTP()})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &Client{Domain: domain, ws: ws}
	if err := c.open(); err != nil {
		ws.CloseNow()
		return nil, err
	}
	return c, nil
}

// open sends a stream header and reads the server's header and features.
func (c *Client) open() error {
	if c.ws != nil {
		if err := c.SendString(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="` + c.Domain + `" version="1.0"/>`); err != nil {
			return err
		}
		open, err := c.readOne()
		if err != nil {
			return err
		}
		if !open.Is(xmlstream.NSFraming, "open") {
			return fmt.Errorf("expected <open/>, got %s", open)
		}
	} else {
		if err := c.SendString(`<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='` + c.Domain + `' version='1.0'>`); err != nil {
			return err
		}
		c.dec = xmlstream.NewDecoder(c.br, xmlstream.Limits{MaxStanzaBytes: 1 << 20, MaxDepth: 64})
		if _, err := c.dec.ReadHeader(); err != nil {
			return err
		}
	}
	f, err := c.readOne()
	if err != nil {
		return err
	}
	if !f.Is(xmlstream.NSStream, "features") {
		return fmt.Errorf("expected features, got %s", f)
	}
	c.Features = f
	return nil
}

// Read reads the next element before Bind has started the background
// reader (during negotiation).
func (c *Client) Read() (*xmlstream.Element, error) { return c.readOne() }

// readOne reads an element directly (before the background reader runs).
func (c *Client) readOne() (*xmlstream.Element, error) {
	if c.ws != nil {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		_, b, err := c.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		return xmlstream.Parse(b, xmlstream.Limits{MaxStanzaBytes: 1 << 20, MaxDepth: 64})
	}
	c.conn.SetReadDeadline(time.Now().Add(Timeout))
	defer c.conn.SetReadDeadline(time.Time{})
	return c.dec.Next()
}

// StartTLS upgrades the stream.
func (c *Client) StartTLS() error {
	if err := c.SendString(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`); err != nil {
		return err
	}
	p, err := c.readOne()
	if err != nil {
		return err
	}
	if !p.Is(NSTLS, "proceed") {
		return fmt.Errorf("STARTTLS refused: %s", p)
	}
	tc := tls.Client(c.conn, &tls.Config{InsecureSkipVerify: true, ServerName: c.Domain})
	if err := tc.Handshake(); err != nil {
		return err
	}
	c.conn, c.tls, c.br = tc, tc, bufio.NewReader(tc)
	return c.open()
}

// TLSState returns the connection's TLS state, nil if not encrypted.
func (c *Client) TLSState() *tls.ConnectionState {
	if c.tls == nil {
		return nil
	}
	st := c.tls.ConnectionState()
	return &st
}

// Mechanisms lists the SASL mechanisms offered.
func (c *Client) Mechanisms() []string {
	var out []string
	for _, m := range c.Features.Child(NSSASL, "mechanisms").Elements() {
		out = append(out, m.Text())
	}
	return out
}

// SASLError is a <failure/> from the server.
type SASLError struct{ Condition, Text string }

func (e *SASLError) Error() string { return "sasl failure: " + e.Condition + " " + e.Text }

// Auth authenticates with mech (SCRAM-SHA-1/256 with or without -PLUS, or
// PLAIN) and restarts the stream.
func (c *Client) Auth(mech, user, password string) error {
	var first []byte
	var conv *scram.ClientConversation
	switch {
	case mech == "PLAIN":
		first = []byte("\x00" + user + "\x00" + password)
	case strings.HasPrefix(mech, "SCRAM-"):
		hf := scram.SHA256
		if strings.HasPrefix(mech, "SCRAM-SHA-1") {
			hf = scram.SHA1
		}
		cl, err := hf.NewClient(user, password, "")
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(mech, "-PLUS"):
			cb, err := scram.NewTLSExporterBinding(c.TLSState())
			if err != nil {
				return err
			}
			conv = cl.NewConversationWithChannelBinding(cb)
		case c.tls != nil && !hasPlus(c.Mechanisms()):
			// We could bind but the server offers no -PLUS: say so ("y"), so
			// that a server which did offer it detects the downgrade.
			conv = cl.NewConversationAdvertisingChannelBinding()
		default:
			conv = cl.NewConversation()
		}
		msg, err := conv.Step("")
		if err != nil {
			return err
		}
		first = []byte(msg)
	default:
		return fmt.Errorf("unsupported mechanism %s", mech)
	}
	auth := xmlstream.New(NSSASL, "auth", "mechanism", mech).AddText(base64.StdEncoding.EncodeToString(first))
	if err := c.Send(auth); err != nil {
		return err
	}
	for {
		el, err := c.readOne()
		if err != nil {
			return err
		}
		data, _ := base64.StdEncoding.DecodeString(el.Text())
		switch {
		case el.Is(NSSASL, "challenge"):
			msg, err := conv.Step(string(data))
			if err != nil {
				return err
			}
			if err := c.Send(xmlstream.New(NSSASL, "response").AddText(base64.StdEncoding.EncodeToString([]byte(msg)))); err != nil {
				return err
			}
		case el.Is(NSSASL, "success"):
			if conv != nil {
				if _, err := conv.Step(string(data)); err != nil || !conv.Valid() {
					return fmt.Errorf("the server's signature does not verify: %v", err)
				}
			}
			return c.open()
		case el.Is(NSSASL, "failure"):
			cond := ""
			if f := el.FirstElement(); f != nil {
				cond = f.Local
			}
			return &SASLError{Condition: cond, Text: el.ChildText(NSSASL, "text")}
		default:
			return fmt.Errorf("unexpected %s", el)
		}
	}
}

func hasPlus(mechs []string) bool {
	for _, m := range mechs {
		if strings.HasSuffix(m, "-PLUS") {
			return true
		}
	}
	return false
}

// Bind binds resource ("" lets the server choose) and starts the
// background reader.
func (c *Client) Bind(resource string) error {
	b := xmlstream.New(NSBind, "bind")
	if resource != "" {
		b.Add(xmlstream.New(NSBind, "resource").AddText(resource))
	}
	if err := c.Send(xmlstream.New(xmlstream.NSClient, "iq", "type", "set", "id", "bind1").Add(b)); err != nil {
		return err
	}
	r, err := c.readOne()
	if err != nil {
		return err
	}
	if r.Attr("type") != "result" {
		return fmt.Errorf("bind failed: %s", r)
	}
	c.JID = r.Child(NSBind, "bind").ChildText(NSBind, "jid")
	c.startReading()
	return nil
}

// Login authenticates with SCRAM-SHA-256 and binds.
func (c *Client) Login(user, password, resource string) error {
	if err := c.Auth("SCRAM-SHA-256", user, password); err != nil {
		return err
	}
	return c.Bind(resource)
}

func (c *Client) startReading() {
	c.in = make(chan *xmlstream.Element, 256)
	c.done = make(chan struct{})
	c.reading = true
	go func() {
		defer close(c.done)
		defer close(c.in)
		for {
			var el *xmlstream.Element
			var err error
			if c.ws != nil {
				var b []byte
				_, b, err = c.ws.Read(context.Background())
				if err == nil {
					el, err = xmlstream.Parse(b, xmlstream.Limits{MaxStanzaBytes: 1 << 20, MaxDepth: 64})
					if err == nil && el.Is(xmlstream.NSFraming, "close") {
						err = io.EOF
					}
				}
			} else {
				el, err = c.dec.Next()
			}
			if err != nil {
				c.mu.Lock()
				c.readErr = err
				c.mu.Unlock()
				return
			}
			c.in <- el
		}
	}()
}

// Send writes an element.
func (c *Client) Send(el *xmlstream.Element) error {
	ns := xmlstream.NSClient
	if c.ws != nil {
		ns = ""
	}
	return c.write(xmlstream.Append(nil, el, ns))
}

// SendString writes raw XML.
func (c *Client) SendString(s string) error { return c.write([]byte(s)) }

func (c *Client) write(b []byte) error {
	if c.ws != nil {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		return c.ws.Write(ctx, websocket.MessageText, b)
	}
	c.conn.SetWriteDeadline(time.Now().Add(Timeout))
	_, err := c.conn.Write(b)
	return err
}

// Expect returns the first stanza received for which match is true,
// keeping the others for later calls. It fails after Timeout.
func (c *Client) Expect(match func(*xmlstream.Element) bool) (*xmlstream.Element, error) {
	c.mu.Lock()
	for i, el := range c.backlog {
		if match(el) {
			c.backlog = append(c.backlog[:i], c.backlog[i+1:]...)
			c.mu.Unlock()
			return el, nil
		}
	}
	c.mu.Unlock()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		select {
		case el, ok := <-c.in:
			if !ok {
				c.mu.Lock()
				err := c.readErr
				c.mu.Unlock()
				return nil, fmt.Errorf("stream ended while waiting: %w", err)
			}
			if match(el) {
				return el, nil
			}
			c.mu.Lock()
			c.backlog = append(c.backlog, el)
			c.mu.Unlock()
		case <-deadline.C:
			c.mu.Lock()
			var got []string
			for _, el := range c.backlog {
				got = append(got, el.String())
			}
			c.mu.Unlock()
			return nil, fmt.Errorf("timed out waiting for a stanza; received meanwhile:\n%s", strings.Join(got, "\n"))
		}
	}
}

// IQ sends an IQ with a fresh id and returns its response.
func (c *Client) IQ(typ, to string, payload *xmlstream.Element) (*xmlstream.Element, error) {
	id := fmt.Sprintf("q%d", time.Now().UnixNano())
	iq := xmlstream.New(xmlstream.NSClient, "iq", "type", typ, "id", id, "to", to).Add(payload)
	if err := c.Send(iq); err != nil {
		return nil, err
	}
	return c.Expect(func(el *xmlstream.Element) bool {
		return el.Local == "iq" && el.Attr("id") == id && (el.Attr("type") == "result" || el.Attr("type") == "error")
	})
}

// Closed waits for the server to end the stream and returns the stream
// error it sent, if any.
func (c *Client) Closed() (*xmlstream.Element, error) {
	el, err := c.Expect(func(el *xmlstream.Element) bool { return el.Is(xmlstream.NSStream, "error") })
	if err != nil {
		return nil, err
	}
	return el, nil
}

// WaitEnd waits until the stream has ended.
func (c *Client) WaitEnd() error {
	select {
	case <-c.done:
		return nil
	case <-time.After(Timeout):
		return errors.New("the stream did not end")
	}
}

// Resume asks to resume a stream-managed session (XEP-0198) instead of
// binding, and returns the server's answer; once <resumed/>, the client
// reads in the background as after Bind.
func (c *Client) Resume(previd string, h int) (*xmlstream.Element, error) {
	if err := c.Send(xmlstream.New("urn:xmpp:sm:3", "resume", "previd", previd, "h", fmt.Sprint(h))); err != nil {
		return nil, err
	}
	r, err := c.readOne()
	if err == nil && r.Local == "resumed" {
		c.startReading()
	}
	return r, err
}

// Drop closes the connection without ending the stream, as a phone that
// lost its network does.
func (c *Client) Drop() {
	if c.ws != nil {
		c.ws.CloseNow()
	} else {
		c.conn.Close()
	}
	if c.reading {
		<-c.done
	}
	c.reading = false
}

// Pending returns what was received and not yet matched by Expect.
func (c *Client) Pending() []*xmlstream.Element {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*xmlstream.Element(nil), c.backlog...)
}

// Close ends the stream and the connection.
func (c *Client) Close() {
	if c.ws != nil {
		c.write(xmlstream.Append(nil, xmlstream.New(xmlstream.NSFraming, "close"), ""))
		c.ws.CloseNow()
	} else if c.conn != nil {
		c.SendString(xmlstream.StreamClose)
		c.conn.Close()
	}
	if c.reading {
		<-c.done
	}
}

// Is returns a matcher for stanzas of the given name and attribute pairs.
func Is(local string, attrs ...string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		if el.Local != local {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if el.Attr(attrs[i]) != attrs[i+1] {
				return false
			}
		}
		return true
	}
}
