package xmpp

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"hermod/internal/netpoll"
	"hermod/internal/throttle"
	"hermod/internal/xmpp/xmlstream"
)

// BOSH (XEP-0124, with XMPP over it as XEP-0206) carries a stream over
// HTTP requests, for clients that have no WebSocket. The client POSTs
// <body/> wrappers numbered by rid; the server keeps at most hold of them
// waiting (hold=1: one request is always there to answer with what
// arrives), answers a waiting request as soon as it has stanzas, or empty
// after wait seconds, and answers the oldest when a newer one arrives
// beyond hold. A BOSH session is an ordinary session (session.go) over
// boshTransport, read by its own goroutine: stanzas of every request go
// to its reader in rid order, and what the session writes goes to the
// waiting requests.

const (
	nsBOSH   = "http://jabber.org/protocol/httpbind"
	nsXBOSH  = "urn:xmpp:xbosh"
	boshPath = "/http-bind"
	// boshMaxHold is the most requests a session keeps waiting.
	boshMaxHold = 1
	// boshCache is how many answers are kept for retransmission.
	boshCache = 4
)

// boshEnabled reports whether the HTTP listeners serve BOSH.
func (s *Server) boshEnabled() bool { return s.opts.BOSHMaxWait > 0 }

// boshSessions finds BOSH sessions by sid, and counts the sessions each
// address opens: opening one costs a client no connection, so the count
// is what bounds the sessions waiting for authentication.
type boshSessions struct {
	mu    sync.Mutex
	byID  map[string]*boshTransport
	opens *throttle.Failures
}

// mayOpen counts a session opened from addr, false when the address is
// over limit per minute.
func (b *boshSessions) mayOpen(addr netip.Addr, limit int) bool {
	b.mu.Lock()
	if b.opens == nil {
		b.opens = throttle.NewFailures(limit)
	}
	opens := b.opens
	b.mu.Unlock()
	now := time.Now()
	if !opens.Allowed(addr, now) {
		return false
	}
	opens.Failed(addr, now)
	return true
}

func (b *boshSessions) get(sid string) *boshTransport {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byID[sid]
}

func (b *boshSessions) add(t *boshTransport) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byID == nil {
		b.byID = make(map[string]*boshTransport)
	}
	b.byID[t.sid] = t
}

func (b *boshSessions) remove(t *boshTransport) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byID[t.sid] == t {
		delete(b.byID, t.sid)
	}
}

// boshRequest is one HTTP request waiting for its answer.
type boshRequest struct {
	rid    int64
	body   *xmlstream.Element
	answer chan []byte // buffered: answered once, under the transport's lock
}

// boshInput is what the session reads: a stanza, a stream (re)start, or
// the client's end of the session.
type boshInput struct {
	el     *xmlstream.Element
	header *xmlstream.Header
	end    bool
}

// errBOSHTimeout is the inactivity timeout: no request came for too long.
type boshTimeout struct{}

func (boshTimeout) Error() string   { return "BOSH: no request for too long" }
func (boshTimeout) Timeout() bool   { return true }
func (boshTimeout) Temporary() bool { return false }

// errBOSHEnded is read after the session ended with a binding error.
var errBOSHEnded = errors.New("BOSH: the session was terminated")

// boshEnd is what closing returns: the marker of the stream's end, which
// the next answer carries as type='terminate'.
var boshEnd = []byte("</body>")

type boshTransport struct {
	srv  *Server
	sid  string
	addr net.Addr
	tls  *tls.ConnectionState
	lim  xmlstream.Limits
	// wait, hold and polling are this session's, as the creation answer
	// says.
	wait, inactivity, polling time.Duration
	hold                      int
	ver                       string

	inReady chan struct{} // signalled when in grows or the session fails
	done    chan struct{} // closed by close

	mu      sync.Mutex
	in      []boshInput
	failure error
	lastRID int64
	early   map[int64]*boshRequest // arrived ahead of a missing rid
	held    []*boshRequest         // in rid order
	cache   [boshCache]struct {
		rid int64
		b   []byte
	}
	streamID    string
	created     bool   // the creation answer (with the session's attributes) is sent
	pending     []byte // written, not flushed
	outbox      []byte // flushed, not yet answered
	terminating bool   // the stream's end is written
	delivered   bool   // the terminate answer is sent
	closed      bool
	lastEmpty   time.Time // when the last empty request arrived
	idleTimer   *time.Timer
}

// maxOutbox bounds what waits for a client that does not come back for
// it.
func (t *boshTransport) maxOutbox() int { return max(4*t.lim.MaxStanzaBytes, 1<<20) }

// serveBOSH is the HTTP side: one request of a session, or the creation
// of one.
func (s *Server) serveBOSH(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	switch r.Method {
	case http.MethodOptions:
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodPost:
	default:
		h.Set("Allow", "POST, OPTIONS")
		http.Error(w, "BOSH (XEP-0124) takes POST requests", http.StatusMethodNotAllowed)
		return
	}
	lim := s.boshLimits()
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, int64(lim.MaxStanzaBytes)))
	if err != nil {
		s.boshRefuse(w, http.StatusRequestEntityTooLarge, "policy-violation")
		return
	}
	body, err := xmlstream.Parse(b, lim)
	if err != nil || !body.Is(nsBOSH, "body") {
		s.boshRefuse(w, http.StatusBadRequest, "bad-request")
		return
	}
	rid, err := strconv.ParseInt(body.Attr("rid"), 10, 64)
	if err != nil || rid <= 0 || rid >= 1<<53 {
		s.boshRefuse(w, http.StatusBadRequest, "bad-request")
		return
	}
	req := &boshRequest{rid: rid, body: body, answer: make(chan []byte, 1)}
	var t *boshTransport
	if sid := body.Attr("sid"); sid == "" {
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && !s.bosh.mayOpen(ap.Addr().Unmap(), s.opts.BOSHSessionsPerMinute) {
			s.boshRefuse(w, http.StatusTooManyRequests, "policy-violation")
			return
		}
		if t = s.newBOSH(r, body, rid); t == nil {
			s.boshRefuse(w, http.StatusServiceUnavailable, "system-shutdown")
			return
		}
	} else if t = s.bosh.get(sid); t == nil {
		s.boshRefuse(w, http.StatusOK, "item-not-found")
		return
	}
	t.receive(req)
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	var answer []byte
	select {
	case answer = <-req.answer:
	case <-timer.C:
		t.expire(req)
		answer = <-req.answer
	case <-r.Context().Done():
		t.expire(req) // its answer is kept, should the client ask again
		return
	}
	h.Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(answer)
}

// boshLimits bound a request: a body holds stanzas of the stream's size
// limit.
func (s *Server) boshLimits() xmlstream.Limits {
	lim := s.opts.Limits
	lim.MaxStanzaBytes += 4 << 10 // the wrapper
	lim.MaxDepth++
	return lim
}

// boshRefuse answers a request that belongs to no session.
func (s *Server) boshRefuse(w http.ResponseWriter, code int, condition string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, `<body xmlns="`+nsBOSH+`" type="terminate" condition="`+condition+`"/>`)
}

// newBOSH creates a session from its creation request (XEP-0124 section
// 7.1), with the client's wait and hold within the server's limits, and
// starts its session.
func (s *Server) newBOSH(r *http.Request, body *xmlstream.Element, rid int64) *boshTransport {
	wait := s.opts.BOSHMaxWait
	if v, err := strconv.Atoi(body.Attr("wait")); err == nil && v >= 0 && time.Duration(v)*time.Second < wait {
		wait = time.Duration(v) * time.Second
	}
	hold := boshMaxHold
	if v, err := strconv.Atoi(body.Attr("hold")); err == nil && v >= 0 && v < hold {
		hold = v
	}
	ver := "1.11"
	if v := body.Attr("ver"); v != "" && v < ver {
		ver = v
	}
	addr, _ := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	t := &boshTransport{
		srv: s, sid: randomID() + randomID(), addr: addr, lim: s.opts.Limits,
		wait: wait, hold: hold, inactivity: s.opts.BOSHInactivity, polling: s.opts.BOSHPolling, ver: ver,
		inReady: make(chan struct{}, 1), done: make(chan struct{}),
		early: make(map[int64]*boshRequest), lastRID: rid - 1,
	}
	if r.TLS != nil {
		// Secure, but with no channel binding to one connection, as the
		// session spans many: the state has no keying material to export,
		// and says TLS 1.2 so that tls-exporter (TLS 1.3 only) is not
		// offered. tls-server-end-point, which binds the certificate, holds
		// for every connection.
		t.tls = &tls.ConnectionState{Version: tls.VersionTLS12, HandshakeComplete: true, ServerName: r.TLS.ServerName}
	}
	t.in = append(t.in, boshInput{header: streamHeader(body, s.opts.Domain)})
	s.mu.Lock()
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		return nil
	}
	s.bosh.add(t)
	// A stop from here on finds the session (run tracks it) or has it
	// refused by run, which closes the transport: either way the request
	// is answered.
	s.wg.Go(func() { newSession(s, t).run() })
	return t
}

// streamHeader is the stream header a creation or restart request stands
// for (XEP-0206 sections 4 and 5).
func streamHeader(body *xmlstream.Element, domain string) *xmlstream.Header {
	h := &xmlstream.Header{To: body.Attr("to"), Version: attrNS(body, nsXBOSH, "version"), Lang: body.Lang()}
	if h.To == "" {
		h.To = domain
	}
	return h
}

func attrNS(el *xmlstream.Element, space, local string) string {
	for _, a := range el.Attrs {
		if a.Space == space && a.Local == local {
			return a.Value
		}
	}
	return ""
}

// receive takes a request in: requests are processed in rid order; one
// answered already is answered again (the client did not get it); one
// outside the window ends the session.
func (t *boshTransport) receive(req *boshRequest) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.failure != nil || t.delivered:
		req.answer <- terminateBody("item-not-found")
		return
	case req.rid <= t.lastRID:
		for _, c := range t.cache {
			if c.rid == req.rid && c.b != nil {
				req.answer <- c.b
				return
			}
		}
		t.fail("item-not-found", req)
		return
	case req.rid > t.lastRID+int64(t.hold)+1:
		t.fail("item-not-found", req)
		return
	case req.rid > t.lastRID+1:
		t.early[req.rid] = req
		t.watchIdle()
		return
	}
	if !t.process(req) {
		return
	}
	for next := t.early[t.lastRID+1]; next != nil; next = t.early[t.lastRID+1] {
		delete(t.early, next.rid)
		if !t.process(next) {
			return
		}
	}
	t.answerHeld()
	for len(t.held) > t.hold {
		t.answerOldest()
	}
	t.watchIdle()
}

// process hands a request's stanzas to the session and keeps the request
// waiting; false when it ended the session.
func (t *boshTransport) process(req *boshRequest) bool {
	t.lastRID = req.rid
	b := req.body
	restart := attrNS(b, nsXBOSH, "restart") == "true"
	empty := len(b.Elements()) == 0 && b.Attr("type") == "" && !restart
	now := time.Now()
	if empty && !t.lastEmpty.IsZero() && now.Sub(t.lastEmpty) < t.polling && len(t.held)+1 >= t.hold+1 {
		// XEP-0124 section 14.3: empty requests faster than polling while
		// every allowed request is already waiting.
		t.fail("policy-violation", req)
		return false
	}
	if empty {
		t.lastEmpty = now
	} else {
		t.lastEmpty = time.Time{}
	}
	for _, el := range b.Elements() {
		inClient(el)
		t.in = append(t.in, boshInput{el: el})
	}
	if restart {
		t.in = append(t.in, boshInput{header: streamHeader(b, t.srv.opts.Domain)})
	}
	if b.Attr("type") == "terminate" {
		t.in = append(t.in, boshInput{end: true})
	}
	t.signal()
	t.held = append(t.held, req)
	return true
}

// inClient puts elements left in the wrapper's namespace (a client that
// omits xmlns='jabber:client') into the client namespace.
func inClient(el *xmlstream.Element) {
	if el.Space == nsBOSH {
		el.Space = xmlstream.NSClient
	}
	for _, c := range el.Elements() {
		inClient(c)
	}
}

func (t *boshTransport) signal() {
	select {
	case t.inReady <- struct{}{}:
	default:
	}
}

// answerHeld answers waiting requests while there is something to say.
func (t *boshTransport) answerHeld() {
	for len(t.held) > 0 && (len(t.outbox) > 0 || t.terminating || !t.created && t.streamID != "") {
		t.answerOldest()
	}
}

// answerOldest answers the oldest waiting request with what is flushed.
func (t *boshTransport) answerOldest() {
	req := t.held[0]
	t.held = t.held[1:]
	t.answer(req)
}

// answer answers req with the outbox, and ends the session if the stream
// has ended. Every answer is kept for a retransmission of its rid.
func (t *boshTransport) answer(req *boshRequest) {
	b := []byte(`<body xmlns="` + nsBOSH + `"`)
	if !t.created && t.streamID != "" {
		t.created = true
		b = append(b, ` sid="`+t.sid+`" wait="`+secs(t.wait)+`" requests="`+strconv.Itoa(t.hold+1)+`" hold="`+strconv.Itoa(t.hold)+
			`" inactivity="`+secs(t.inactivity)+`" polling="`+secs(t.polling)+`" ver="`+t.ver+`" from="`+t.srv.opts.Domain+
			`" authid="`+t.streamID+`" xmlns:xmpp="`+nsXBOSH+`" xmpp:version="1.0" xmpp:restartlogic="true"`...)
	}
	if t.terminating {
		b = append(b, ` type="terminate"`...)
		if bytes.Contains(t.outbox, []byte("<stream:error")) {
			b = append(b, ` condition="remote-stream-error"`...)
		}
		t.delivered = true
		t.srv.bosh.remove(t)
	}
	b = append(b, ` xmlns:stream="`+xmlstream.NSStream+`">`...)
	b = append(b, t.outbox...)
	b = append(b, "</body>"...)
	t.outbox = t.outbox[:0]
	t.cache[req.rid%boshCache] = struct {
		rid int64
		b   []byte
	}{req.rid, b}
	req.answer <- b
	if t.delivered {
		t.answerAll([]byte(`<body xmlns="` + nsBOSH + `" type="terminate"/>`))
	}
}

// answerAll answers every request still waiting with b.
func (t *boshTransport) answerAll(b []byte) {
	for _, r := range t.held {
		r.answer <- b
	}
	for _, r := range t.early {
		r.answer <- b
	}
	t.held, t.early = nil, map[int64]*boshRequest{}
}

func secs(d time.Duration) string { return strconv.FormatInt(int64(d/time.Second), 10) }

func terminateBody(condition string) []byte {
	return []byte(`<body xmlns="` + nsBOSH + `" type="terminate" condition="` + condition + `"/>`)
}

// fail ends the session with a binding error (XEP-0124 section 17): every
// waiting request, and req, is answered with it, and the session reads
// the end.
func (t *boshTransport) fail(condition string, req *boshRequest) {
	b := terminateBody(condition)
	t.answerAll(b)
	if req != nil {
		req.answer <- b
	}
	t.delivered = true
	t.failure = errBOSHEnded
	t.srv.bosh.remove(t)
	t.signal()
}

// expire answers a request whose wait is over (or whose client went
// away) unless it was answered meanwhile.
func (t *boshTransport) expire(req *boshRequest) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, r := range t.held {
		if r == req {
			t.held = append(t.held[:i:i], t.held[i+1:]...)
			t.answer(req)
			t.watchIdle()
			return
		}
	}
	if t.early[req.rid] == req {
		// The requests before it never came.
		t.fail("item-not-found", nil)
	}
}

// watchIdle starts the inactivity timeout when no request waits, and
// stops it when one does.
func (t *boshTransport) watchIdle() {
	if len(t.held) > 0 || len(t.early) > 0 || t.closed || t.failure != nil {
		if t.idleTimer != nil {
			t.idleTimer.Stop()
		}
		return
	}
	if t.idleTimer == nil {
		t.idleTimer = time.AfterFunc(t.inactivity, t.inactive)
	} else {
		t.idleTimer.Reset(t.inactivity)
	}
}

func (t *boshTransport) inactive() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.held) == 0 && len(t.early) == 0 && t.failure == nil && !t.closed {
		t.failure = boshTimeout{}
		t.srv.bosh.remove(t)
		t.signal()
	}
}

// input waits for what the session reads next.
func (t *boshTransport) input() (boshInput, error) {
	for {
		t.mu.Lock()
		switch {
		case t.closed:
			t.mu.Unlock()
			return boshInput{}, io.EOF
		case len(t.in) > 0:
			in := t.in[0]
			t.in[0] = boshInput{}
			t.in = t.in[1:]
			t.mu.Unlock()
			return in, nil
		case t.failure != nil:
			err := t.failure
			t.mu.Unlock()
			return boshInput{}, err
		}
		t.mu.Unlock()
		select {
		case <-t.inReady:
		case <-t.done:
		}
	}
}

func (t *boshTransport) open(lim xmlstream.Limits) (xmlstream.Header, error) {
	in, err := t.input()
	switch {
	case err != nil:
		return xmlstream.Header{}, err
	case in.end:
		return xmlstream.Header{}, io.EOF
	case in.header == nil:
		return xmlstream.Header{}, &xmlstream.StreamError{Condition: "bad-format", Text: "a stanza before the stream restart"}
	}
	return *in.header, nil
}

// opening is no header: the creation answer's attributes stand for it.
func (t *boshTransport) opening(from, id string) []byte {
	t.mu.Lock()
	t.streamID = id
	t.mu.Unlock()
	return nil
}

func (t *boshTransport) next() (*xmlstream.Element, error) {
	in, err := t.input()
	switch {
	case err != nil:
		return nil, err
	case in.end:
		return nil, xmlstream.ErrClosed // terminated: the stream ended cleanly
	case in.header != nil:
		return nil, &xmlstream.StreamError{Condition: "bad-format", Text: "an unexpected stream restart"}
	}
	return in.el, nil
}

func (t *boshTransport) parentNS() string { return "" }

func (t *boshTransport) write(b []byte) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case len(b) > 0 && &b[0] == &boshEnd[0]:
		t.terminating = true
	case isBlank(b): // no whitespace keepalives: requests come and go
	default:
		t.pending = append(t.pending, b...)
	}
	return nil
}

func (t *boshTransport) flush() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.outbox = append(t.outbox, t.pending...)
	t.pending = t.pending[:0]
	if len(t.outbox) > t.maxOutbox() && !t.terminating {
		return errors.New("BOSH: the client does not collect what is sent to it")
	}
	t.answerHeld()
	t.watchIdle()
	return nil
}

func (t *boshTransport) closing() []byte { return boshEnd }

// close ends the session: waiting requests get the terminate answer, and
// a request that comes later gets it as long as the client may still
// come for it.
func (t *boshTransport) close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	close(t.done)
	t.terminating = true
	t.answerHeld()
	if t.idleTimer != nil {
		t.idleTimer.Stop()
	}
	if !t.delivered {
		time.AfterFunc(t.wait+t.inactivity, func() { t.srv.bosh.remove(t) })
	}
	return nil
}

func (t *boshTransport) tlsState() *tls.ConnectionState { return t.tls }
func (t *boshTransport) canStartTLS() bool              { return false }
func (t *boshTransport) safeToUpgrade() bool            { return false }
func (t *boshTransport) startTLS(*tls.Config, time.Duration) error {
	return errors.New("no STARTTLS on BOSH")
}
func (t *boshTransport) remoteAddr() net.Addr { return t.addr }

// A BOSH session is read by its own goroutine, which waits for requests.
func (t *boshTransport) parkable() netpoll.Conn { return nil }
func (t *boshTransport) idle() bool             { return false }
func (t *boshTransport) fill() error            { return nil }
func (t *boshTransport) release()               {}
func (t *boshTransport) acquire()               {}
