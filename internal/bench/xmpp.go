package bench

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/xdg-go/scram"
)

const (
	nsStreams = "http://etherx.jabber.org/streams"
	nsTLS     = "urn:ietf:params:xml:ns:xmpp-tls"
	nsSASL    = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind    = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession = "urn:ietf:params:xml:ns:xmpp-session"
	nsFraming = "urn:ietf:params:xml:ns:xmpp-framing"
)

// xmlConn carries XMPP over a TCP stream or RFC 7395 WebSocket messages.
type xmlConn interface {
	next() ([]byte, unit, error)
	write(b []byte) error
	// open starts (or restarts) the stream.
	open(domain string) error
	// closeStream ends the stream politely and closes the connection.
	closeStream()
	// setDeadline bounds the reads and writes of negotiation (zero: none).
	setDeadline(t time.Time)
	// writeWithin writes b, giving up after d.
	writeWithin(b []byte, d time.Duration) error
	// abort closes the connection at once, whoever is writing.
	abort()
}

// streamConn is XMPP over TCP, optionally TLS.
type streamConn struct {
	conn net.Conn
	sp   *splitter
}

func newStreamConn(c net.Conn) *streamConn {
	return &streamConn{conn: c, sp: newSplitter(c, 2048)}
}

func (s *streamConn) next() ([]byte, unit, error) { return s.sp.next() }
func (s *streamConn) write(b []byte) error {
	_, err := s.conn.Write(b)
	return err
}
func (s *streamConn) open(domain string) error {
	s.sp.start, s.sp.end = 0, 0
	return s.write([]byte("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='" + nsStreams +
		"' to='" + domain + "' version='1.0'>"))
}
func (s *streamConn) closeStream() {
	s.conn.SetWriteDeadline(time.Now().Add(time.Second))
	s.conn.Write([]byte("</stream:stream>"))
	s.conn.Close()
}
func (s *streamConn) setDeadline(t time.Time) { s.conn.SetDeadline(t) }
func (s *streamConn) writeWithin(b []byte, d time.Duration) error {
	s.conn.SetWriteDeadline(time.Now().Add(d))
	defer s.conn.SetWriteDeadline(time.Time{})
	return s.write(b)
}
func (s *streamConn) abort() { s.conn.Close() }

// wsConn is XMPP over WebSocket: one element per text message.
type wsConn struct {
	c        *websocket.Conn
	ctx      context.Context // bounds every read and write
	deadline context.CancelFunc
	buf      []byte
}

func (w *wsConn) next() ([]byte, unit, error) {
	ctx := w.ctx
	_, r, err := w.c.Reader(ctx)
	if err != nil {
		return nil, 0, err
	}
	w.buf = w.buf[:0]
	for {
		if len(w.buf) == cap(w.buf) {
			w.buf = append(w.buf, 0)[:len(w.buf)]
		}
		n, err := r.Read(w.buf[len(w.buf):cap(w.buf)])
		w.buf = w.buf[:len(w.buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, err
		}
	}
	el := bytes.TrimSpace(w.buf)
	switch string(localName(el)) {
	case "open":
		return el, unitHeader, nil
	case "close":
		return el, unitEnd, nil
	}
	return el, unitElement, nil
}

func (w *wsConn) write(b []byte) error { return w.c.Write(w.ctx, websocket.MessageText, b) }
func (w *wsConn) writeWithin(b []byte, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return w.c.Write(ctx, websocket.MessageText, b)
}
func (w *wsConn) abort() { w.c.CloseNow() }
func (w *wsConn) open(domain string) error {
	return w.write([]byte("<open xmlns='" + nsFraming + "' to='" + domain + "' version='1.0'/>"))
}
func (w *wsConn) closeStream() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	w.c.Write(ctx, websocket.MessageText, []byte("<close xmlns='"+nsFraming+"'/>"))
	w.c.CloseNow()
	if w.deadline != nil {
		w.deadline()
	}
}

// setDeadline swaps the context reads and writes run under: coder/websocket
// bounds each operation by its context, not by socket deadlines.
func (w *wsConn) setDeadline(t time.Time) {
	if w.deadline != nil {
		w.deadline()
		w.deadline = nil
	}
	if t.IsZero() {
		w.ctx = context.Background()
		return
	}
	w.ctx, w.deadline = context.WithDeadline(context.Background(), t)
}

// features is what <stream:features> offers that the client uses.
type features struct {
	StartTLS *struct {
		Required *struct{} `xml:"required"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-tls starttls"`
	Mechanisms *struct {
		List []string `xml:"mechanism"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-sasl mechanisms"`
	Bind    *struct{} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
	Session *struct {
		Optional *struct{} `xml:"optional"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-session session"`
}

// xmppClient is one XMPP session of the load.
type xmppClient struct {
	cfg *Config
	xc  xmlConn
	wmu sync.Mutex
	out []byte // reused for outgoing stanzas
	jid string
}

// xmppDialer opens XMPP connections for a run.
type xmppDialer struct {
	cfg    *Config
	d      *dialer
	ws     *http.Client
	tlsCfg *tls.Config
}

func newXMPPDialer(cfg *Config, d *dialer) *xmppDialer {
	x := &xmppDialer{cfg: cfg, d: d}
	// Servers under test have self-signed certificates; the target is
	// loopback, so nothing is to be authenticated.
	x.tlsCfg = &tls.Config{InsecureSkipVerify: true, ServerName: cfg.Domain}
	if cfg.Transport == "ws" {
		x.ws = &http.Client{Transport: &http.Transport{
			DialContext:     func(ctx context.Context, _, addr string) (net.Conn, error) { return d.dial(ctx, addr) },
			TLSClientConfig: x.tlsCfg, ForceAttemptHTTP2: false,
		}}
	}
	return x
}

func (x *xmppDialer) close() {
	if x.ws != nil {
		x.ws.CloseIdleConnections()
	}
}

// login connects, authenticates acct, binds resource and sends initial
// presence: a session as a chat client has it.
func (x *xmppDialer) login(ctx context.Context, acct *account, resource string) (*xmppClient, error) {
	cfg := x.cfg
	deadline := time.Now().Add(cfg.Timeout)
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	c := &xmppClient{cfg: cfg}
	switch cfg.Transport {
	case "ws":
		wc, _, err := websocket.Dial(ctx, cfg.targetFor(acct), &websocket.DialOptions{HTTPClient: x.ws, Subprotocols: []string{"xmpp"}})
		if err != nil {
			return nil, classifyDialError(err)
		}
		wc.SetReadLimit(maxElement)
		w := &wsConn{c: wc, buf: make([]byte, 0, 1024)}
		w.setDeadline(deadline)
		c.xc = w
	default:
		conn, err := x.d.dial(ctx, cfg.targetFor(acct))
		if err != nil {
			return nil, err
		}
		conn.SetDeadline(deadline)
		if cfg.Transport == "tls" {
			tc := x.tlsCfg.Clone()
			tc.NextProtos = []string{"xmpp-client"}
			t := tls.Client(conn, tc)
			if err := t.HandshakeContext(ctx); err != nil {
				conn.Close()
				return nil, fmt.Errorf("TLS: %w", err)
			}
			conn = t
		}
		c.xc = newStreamConn(conn)
	}
	if err := c.negotiate(ctx, x.tlsCfg, acct, resource); err != nil {
		c.xc.closeStream()
		return nil, err
	}
	c.xc.setDeadline(time.Time{})
	return c, nil
}

func (c *xmppClient) negotiate(ctx context.Context, tlsCfg *tls.Config, acct *account, resource string) error {
	f, err := c.openStream()
	if err != nil {
		return err
	}
	if c.cfg.Transport == "starttls" {
		if f.StartTLS == nil {
			return errors.New("the server does not offer STARTTLS")
		}
		if err := c.xc.write([]byte("<starttls xmlns='" + nsTLS + "'/>")); err != nil {
			return err
		}
		el, err := c.element()
		if err != nil {
			return err
		}
		if string(localName(el)) != "proceed" {
			return fmt.Errorf("STARTTLS refused: %.200s", el)
		}
		sc := c.xc.(*streamConn)
		t := tls.Client(sc.conn, tlsCfg)
		if err := t.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
		c.xc = newStreamConn(t)
		if f, err = c.openStream(); err != nil {
			return err
		}
	}
	if f.Mechanisms == nil {
		if f.StartTLS != nil {
			return errors.New("the server requires TLS before authentication: use --transport starttls, tls or ws, or let the server allow plain TCP")
		}
		return errors.New("the server offers no SASL mechanisms")
	}
	if !contains(f.Mechanisms.List, c.cfg.Mechanism) {
		return fmt.Errorf("the server does not offer %s (it offers %s)", c.cfg.Mechanism, strings.Join(f.Mechanisms.List, " "))
	}
	if err := c.authenticate(acct); err != nil {
		return err
	}
	if f, err = c.openStream(); err != nil {
		return err
	}
	if f.Bind == nil {
		return errors.New("the server offers no resource binding")
	}
	if err := c.iq("bind", "<iq type='set' id='bind'><bind xmlns='"+nsBind+"'><resource>"+resource+"</resource></bind></iq>"); err != nil {
		return err
	}
	if f.Session != nil && f.Session.Optional == nil {
		if err := c.iq("sess", "<iq type='set' id='sess'><session xmlns='"+nsSession+"'/></iq>"); err != nil {
			return err
		}
	}
	return c.available()
}

// available sends initial presence and waits for the server to reflect it
// to this resource (RFC 6121 4.2.2): from then on the server knows the
// resource is available and routes bare-JID messages to it.
func (c *xmppClient) available() error {
	if err := c.xc.write([]byte("<presence/>")); err != nil {
		return err
	}
	for {
		el, err := c.element()
		if err != nil {
			return err
		}
		if string(localName(el)) != "presence" {
			continue
		}
		from := attr(el, "from")
		if c.jid != "" && string(from) != c.jid {
			continue
		}
		switch string(attr(el, "type")) {
		case "error":
			return fmt.Errorf("initial presence refused: %.300s", el)
		case "":
			return nil
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// openStream (re)starts the stream and reads the features.
func (c *xmppClient) openStream() (*features, error) {
	if err := c.xc.open(c.cfg.Domain); err != nil {
		return nil, err
	}
	for {
		el, u, err := c.xc.next()
		if err != nil {
			return nil, err
		}
		switch u {
		case unitHeader:
			continue
		case unitEnd:
			return nil, errors.New("the server closed the stream")
		}
		switch string(localName(el)) {
		case "features":
			var f features
			if err := xml.Unmarshal(el, &f); err != nil {
				return nil, fmt.Errorf("stream features: %w", err)
			}
			return &f, nil
		case "error":
			return nil, streamError(el)
		}
	}
}

// element reads the next top-level element, failing on a stream error or end.
func (c *xmppClient) element() ([]byte, error) {
	for {
		el, u, err := c.xc.next()
		if err != nil {
			return nil, err
		}
		switch u {
		case unitHeader:
			continue
		case unitEnd:
			return nil, errors.New("the server closed the stream")
		}
		if string(tagName(el)) == "stream:error" || (c.cfg.Transport == "ws" && string(localName(el)) == "error" && bytes.Contains(el, []byte(nsStreams))) {
			return nil, streamError(el)
		}
		return el, nil
	}
}

func streamError(el []byte) error {
	return fmt.Errorf("stream error: %.300s", el)
}

func (c *xmppClient) authenticate(acct *account) error {
	mech := c.cfg.Mechanism
	if mech == "PLAIN" {
		ir := base64.StdEncoding.EncodeToString([]byte("\x00" + acct.user + "\x00" + acct.password))
		if err := c.xc.write([]byte("<auth xmlns='" + nsSASL + "' mechanism='PLAIN'>" + ir + "</auth>")); err != nil {
			return err
		}
		return c.saslResult(nil)
	}
	sc, err := acct.scramClient(mech)
	if err != nil {
		return err
	}
	conv := sc.NewConversation()
	first, err := conv.Step("")
	if err != nil {
		return err
	}
	if err := c.xc.write([]byte("<auth xmlns='" + nsSASL + "' mechanism='" + mech + "'>" + base64.StdEncoding.EncodeToString([]byte(first)) + "</auth>")); err != nil {
		return err
	}
	return c.saslResult(conv)
}

// saslResult answers challenges until success or failure.
func (c *xmppClient) saslResult(conv *scram.ClientConversation) error {
	for {
		el, err := c.element()
		if err != nil {
			return err
		}
		data, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(innerText(el))))
		if err != nil {
			return fmt.Errorf("SASL: bad base64 from the server: %w", err)
		}
		switch string(localName(el)) {
		case "challenge":
			if conv == nil {
				return errors.New("SASL: unexpected challenge")
			}
			resp := ""
			if !conv.Done() {
				if resp, err = conv.Step(string(data)); err != nil {
					return fmt.Errorf("SASL: %w", err)
				}
			}
			if err := c.xc.write([]byte("<response xmlns='" + nsSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(resp)) + "</response>")); err != nil {
				return err
			}
		case "success":
			if conv != nil && !conv.Done() {
				if _, err := conv.Step(string(data)); err != nil {
					return fmt.Errorf("SASL: the server's signature: %w", err)
				}
			}
			if conv != nil && !conv.Valid() {
				return errors.New("SASL: the server did not prove it knows the password")
			}
			return nil
		case "failure":
			return fmt.Errorf("authentication failed: %.200s", el)
		default:
			return fmt.Errorf("SASL: unexpected %.200s", el)
		}
	}
}

// iq sends a set and waits for its result.
func (c *xmppClient) iq(id, stanza string) error {
	if err := c.xc.write([]byte(stanza)); err != nil {
		return err
	}
	for {
		el, err := c.element()
		if err != nil {
			return err
		}
		if string(localName(el)) != "iq" || string(attr(el, "id")) != id {
			continue
		}
		if string(attr(el, "type")) != "result" {
			return fmt.Errorf("%s refused: %.300s", id, el)
		}
		if id == "bind" {
			if j, ok := childText(el, "jid"); ok {
				c.jid = string(j)
			}
		}
		return nil
	}
}

// write sends one stanza; reader goroutines answering pings share it.
func (c *xmppClient) write(b []byte) error {
	c.wmu.Lock()
	err := c.xc.write(b)
	c.wmu.Unlock()
	return err
}

// sendBody sends a message of kind ("chat" or "groupchat") to jid.
func (c *xmppClient) sendBody(to *dest, body []byte) error {
	c.wmu.Lock()
	c.out = append(append(append(c.out[:0], to.xmppPrefix...), body...), "</body></message>"...)
	err := c.xc.write(c.out)
	c.wmu.Unlock()
	return err
}

// keepalive keeps the server from closing an idle stream: whitespace on
// TCP, an XEP-0199 ping over WebSocket, where whitespace is not allowed.
// A session that is writing needs none, so one that is busy is skipped,
// and the write is bounded: a server that stopped reading stalls no one.
func (c *xmppClient) keepalive() error {
	if !c.wmu.TryLock() {
		return nil
	}
	defer c.wmu.Unlock()
	if c.cfg.Transport == "ws" {
		return c.xc.writeWithin([]byte("<iq type='get' id='ka' to='"+c.cfg.Domain+"'><ping xmlns='urn:xmpp:ping'/></iq>"), keepaliveWrite)
	}
	return c.xc.writeWithin([]byte(" "), keepaliveWrite)
}

// keepaliveWrite bounds one keepalive write.
const keepaliveWrite = 5 * time.Second

// readLoop reads until the connection ends, passing message bodies to
// onBody and answering the server's iq requests.
func (c *xmppClient) readLoop(onBody func([]byte), onError func(error)) error {
	var reply []byte
	for {
		el, u, err := c.xc.next()
		if err != nil {
			return err
		}
		switch u {
		case unitHeader:
			continue
		case unitEnd:
			return errors.New("the server closed the stream")
		}
		switch string(localName(el)) {
		case "message":
			if bytes.Equal(attr(el, "type"), []byte("error")) {
				onError(fmt.Errorf("message error: %.200s", el))
				continue
			}
			if body, ok := childText(el, "body"); ok {
				onBody(body)
			}
		case "iq":
			typ := attr(el, "type")
			if !bytes.Equal(typ, []byte("get")) && !bytes.Equal(typ, []byte("set")) {
				continue
			}
			// Answer pings and anything else with an empty result, so
			// that no server waits on the load.
			reply = append(reply[:0], "<iq type='result' id='"...)
			reply = append(reply, attr(el, "id")...)
			if from := attr(el, "from"); len(from) > 0 {
				reply = append(append(append(reply, "' to='"...), from...), '\'')
			} else {
				reply = append(reply, '\'')
			}
			reply = append(reply, "/>"...)
			if err := c.write(reply); err != nil {
				return err
			}
		case "error":
			return streamError(el)
		}
	}
}

// close ends the stream.
// close ends the stream politely, or, when a write is stuck on a server
// that does not read, closes the connection under it.
func (c *xmppClient) close() {
	if !c.wmu.TryLock() {
		c.xc.abort()
		return
	}
	defer c.wmu.Unlock()
	c.xc.closeStream()
}

// abort closes the connection at once.
func (c *xmppClient) abort() { c.xc.abort() }

// jidOf is the bare JID of an account on domain.
func jidOf(user, domain string) string {
	if strings.Contains(user, "@") {
		return user
	}
	return user + "@" + domain
}

// xmppChatPrefix is the start of a chat message to jid, up to its body text.
func xmppChatPrefix(kind, jid string) []byte {
	return []byte("<message type='" + kind + "' to='" + jid + "'><body>")
}

var _ = strconv.Itoa

const (
	nsMUC      = "http://jabber.org/protocol/muc"
	nsMUCOwner = "http://jabber.org/protocol/muc#owner"
)

// joinRoom enters a MUC room as nick and waits for the room to show the
// occupant to itself (XEP-0045 7.2). A room this join created (status 201)
// is locked until configured, so it is unlocked with the default
// configuration, as an instant room (10.1.2). No history is asked for.
func (c *xmppClient) joinRoom(room, nick string, timeout time.Duration) error {
	c.xc.setDeadline(time.Now().Add(timeout))
	defer c.xc.setDeadline(time.Time{})
	self := room + "/" + nick
	if err := c.write([]byte("<presence to='" + self + "'><x xmlns='" + nsMUC + "'><history maxstanzas='0'/></x></presence>")); err != nil {
		return err
	}
	for {
		el, err := c.element()
		if err != nil {
			return err
		}
		if string(localName(el)) != "presence" || string(attr(el, "from")) != self {
			continue
		}
		if string(attr(el, "type")) == "error" {
			return fmt.Errorf("joining %s: %.300s", room, el)
		}
		if bytes.Contains(el, []byte("code='201'")) || bytes.Contains(el, []byte(`code="201"`)) {
			return c.iq("instant", "<iq type='set' id='instant' to='"+room+"'><query xmlns='"+nsMUCOwner+"'><x xmlns='jabber:x:data' type='submit'/></query></iq>")
		}
		return nil
	}
}
