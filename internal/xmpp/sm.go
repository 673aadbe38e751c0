package xmpp

import (
	"strconv"
	"sync"
	"time"

	"hermod/internal/xmpp/xmlstream"
)

// Stream management (XEP-0198): the client and the server count the
// stanzas each has handled and acknowledge them, so that what was sent
// into a connection that died is known; the server keeps what the client
// has not acknowledged, and a client that reconnects within the
// resumption window resumes the session, getting those stanzas again.
//
// A session whose connection dies while resumable is detached: its reader
// and writer stop, but it stays registered with the router, so that what
// arrives meanwhile is queued for it. A resumption is a new connection
// that, once authenticated as the same user, hands its transport to the
// detached session and ends its own. When the window ends first, the
// session goes offline: archived messages the client had not acknowledged
// are offline storage for its next login (the delivery watermark of an SM
// session moves only with acknowledgements); other stanzas (presence,
// chat states, IQs) are dropped.
const nsSM = "urn:xmpp:sm:3"

// smMark marks what stream management itself writes, which is not counted
// as a stanza.
type smMark uint8

const (
	smNone  smMark = iota
	smNonza        // <a/>, <r/>, <resumed/>
	smStart        // <enabled/>: outbound stanzas are counted from here
)

// smState is a session's stream management state, under mu.
type smState struct {
	mu   sync.Mutex
	cond *sync.Cond

	enabled  bool   // the client sent <enable/>
	counting bool   // <enabled/> was written: outbound stanzas count
	id       string // the resumption id; "" when not resumable
	window   time.Duration
	in       uint32 // stanzas received from the client
	out      uint32 // stanzas written since <enabled/>
	acked    uint32 // the client's last h
	unacked  []smItem
	asked    bool // an <r/> waits for its answer

	// detached: the connection died and the session waits for a
	// resumption; readerOut and writerOut say that its reader and writer
	// have stopped for it (the writer keeps session.writing set, so that
	// no writer starts until the session is resumed or closed).
	detached, readerOut, writerOut bool
	gen                            int // invalidates earlier expiry timers
	timer                          *time.Timer
	// resend is what a resumed session's writer sends first: <resumed/>
	// and the stanzas the client had not acknowledged.
	resend []outItem
	// moved is closed when a resumption moves the session to another
	// connection (see waitEnd).
	moved chan struct{}
}

// smItem is a stanza written and not yet acknowledged.
type smItem struct {
	b     []byte
	msgID int64
}

// smRegistry finds resumable sessions by resumption id.
type smRegistry struct {
	mu   sync.Mutex
	byID map[string]*session
}

func (r *smRegistry) add(id string, s *session) {
	r.mu.Lock()
	if r.byID == nil {
		r.byID = make(map[string]*session)
	}
	r.byID[id] = s
	r.mu.Unlock()
}

func (r *smRegistry) get(id string) *session {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

func (r *smRegistry) remove(id string, s *session) {
	r.mu.Lock()
	if r.byID[id] == s {
		delete(r.byID, id)
	}
	r.mu.Unlock()
}

func smModule() *module {
	return &module{streamFeatures: [][2]string{{nsSM, "sm"}}}
}

func smElement(name string, attrs ...string) []byte {
	return xmlstream.Append(nil, xmlstream.New(nsSM, name, attrs...), "")
}

func smFailed(condition string, extra ...*xmlstream.Element) []byte {
	f := xmlstream.New(nsSM, "failed").Add(xmlstream.New(nsStanzas, condition))
	for _, e := range extra {
		f.Add(e)
	}
	return xmlstream.Append(nil, f, "")
}

func u32(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// streamNonza handles what a bound client sends that is not a stanza:
// stream management and client state indication (csi.go). For a stanza
// it counts it for stream management and reports false.
func (s *session) streamNonza(el *xmlstream.Element) bool {
	switch el.Space {
	case nsSM:
		s.handleSM(el)
		return true
	case nsCSI:
		s.handleCSI(el)
		return true
	}
	if s.smOn.Load() {
		s.sm.mu.Lock()
		s.sm.in++
		s.sm.mu.Unlock()
	}
	return false
}

func (s *session) handleSM(el *xmlstream.Element) {
	switch el.Local {
	case "enable":
		s.smEnable(el)
	case "r":
		if !s.smOn.Load() {
			s.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "stream management is not enabled"})
			return
		}
		s.sm.mu.Lock()
		h := s.sm.in
		s.sm.mu.Unlock()
		s.push(outItem{b: smElement("a", "h", u32(h)), sm: smNonza}, true)
	case "a":
		h, err := strconv.ParseUint(el.Attr("h"), 10, 32)
		if err != nil || !s.smOn.Load() {
			s.closeWith(&xmlstream.StreamError{Condition: "undefined-condition", Text: "a stream management ack needs h, and stream management enabled"})
			return
		}
		s.sm.mu.Lock()
		ok := s.smAckLocked(uint32(h))
		s.sm.asked = false
		more := len(s.sm.unacked) > 0
		s.sm.mu.Unlock()
		if !ok {
			s.closeWith(&xmlstream.StreamError{Condition: "undefined-condition",
				Text: "handled-count-too-high: the client acknowledged " + u32(uint32(h)) + " stanzas of " + u32(s.smOut()) + " sent"})
			return
		}
		if more {
			s.kick() // the writer asks again after its next batch
		}
	case "resume":
		s.sendBytes(smFailed("unexpected-request")) // this stream is bound already
	default:
		s.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "<" + el.Local + "/> in " + nsSM})
	}
}

func (s *session) smOut() uint32 {
	s.sm.mu.Lock()
	defer s.sm.mu.Unlock()
	return s.sm.out
}

// smEnable turns stream management on, resumable if the client asks and
// resumption is configured.
func (s *session) smEnable(el *xmlstream.Element) {
	s.sm.mu.Lock()
	if s.sm.enabled {
		s.sm.mu.Unlock()
		s.push(outItem{b: smFailed("unexpected-request"), sm: smNonza}, true)
		return
	}
	s.sm.enabled = true
	if s.sm.cond == nil {
		s.sm.cond = sync.NewCond(&s.sm.mu)
	}
	attrs := []string{}
	if r := el.Attr("resume"); (r == "true" || r == "1") && s.srv.opts.SMResumeTimeout > 0 {
		s.sm.window = s.srv.opts.SMResumeTimeout
		if m, err := strconv.Atoi(el.Attr("max")); err == nil && m > 0 && time.Duration(m)*time.Second < s.sm.window {
			s.sm.window = time.Duration(m) * time.Second
		}
		s.sm.id = randomID()
		attrs = append(attrs, "id", s.sm.id, "resume", "true", "max", strconv.Itoa(int(s.sm.window/time.Second)))
	}
	s.sm.mu.Unlock()
	if s.sm.id != "" {
		s.srv.sm.add(s.sm.id, s)
	}
	s.smOn.Store(true) // from here stanzas read are counted
	s.push(outItem{b: smElement("enabled", attrs...), sm: smStart}, true)
}

// smAckLocked drops what the client acknowledged with h and moves the
// delivery watermark. false if h acknowledges more than was sent.
func (s *session) smAckLocked(h uint32) bool {
	n := h - s.sm.acked
	if int64(n) > int64(len(s.sm.unacked)) {
		return false
	}
	var maxAcked int64
	for _, it := range s.sm.unacked[:n] {
		maxAcked = max(maxAcked, it.msgID)
	}
	s.sm.unacked = s.sm.unacked[n:]
	if len(s.sm.unacked) == 0 {
		s.sm.unacked = nil
	}
	s.sm.acked = h
	// The watermark may not pass a message still unacknowledged (one sent
	// from offline storage after a newer live one, say).
	for _, it := range s.sm.unacked {
		if it.msgID != 0 && it.msgID <= maxAcked {
			maxAcked = it.msgID - 1
		}
	}
	if maxAcked > s.delivered.Load() {
		s.delivered.Store(maxAcked)
	}
	return true
}

// smWritten is called by the writer for every item it writes: stanzas are
// kept until acknowledged. false when the client lets too many stanzas go
// unacknowledged.
func (s *session) smWritten(b []byte, it *outItem) bool {
	if it.sm == smNonza || !s.smOn.Load() {
		return true
	}
	s.sm.mu.Lock()
	defer s.sm.mu.Unlock()
	if it.sm == smStart {
		s.sm.counting = true
		return true
	}
	if !s.sm.counting || (len(b) == 1 && b[0] == ' ') {
		return true
	}
	s.sm.out++
	s.sm.unacked = append(s.sm.unacked, smItem{b: b, msgID: it.msgID})
	return len(s.sm.unacked) <= s.srv.opts.SMMaxUnacked || s.srv.opts.SMMaxUnacked <= 0
}

// smRequest is what the writer adds to a batch: an <r/> when stanzas wait
// for an acknowledgement and none was asked for.
func (s *session) smRequest() []byte {
	if !s.smOn.Load() {
		return nil
	}
	s.sm.mu.Lock()
	defer s.sm.mu.Unlock()
	if s.sm.asked || len(s.sm.unacked) == 0 {
		return nil
	}
	s.sm.asked = true
	return smR
}

var smR = smElement("r")

// smDetach detaches a resumable session whose connection failed: it closes
// the connection and starts the resumption window. true if the session is
// (now or already) detached; false if it is not resumable.
func (s *session) smDetach() bool {
	s.sm.mu.Lock()
	if s.sm.detached {
		s.sm.mu.Unlock()
		return true
	}
	if s.sm.id == "" || s.isClosing() || !s.bound.Load() {
		s.sm.mu.Unlock()
		return false
	}
	s.sm.detached = true
	s.sm.gen++
	gen, window := s.sm.gen, s.sm.window
	s.sm.timer = time.AfterFunc(window, func() { s.smExpire(gen) })
	s.sm.mu.Unlock()
	s.debug("detached, waiting for a resumption", "window", window)
	if s.writing.CompareAndSwap(false, true) {
		s.smHoldWriter()
	}
	if s.parking.Cancel(s.srv.opts.Poller) {
		s.smHoldReader() // parked: no reader runs
	}
	s.t.close()
	return true
}

// closingOrDetached tells the poller not to park a connection that is
// ending or whose session was detached from it (its descriptor is closed).
func (s *session) closingOrDetached() bool { return s.isClosing() || s.smDetached() }

func (s *session) smDetached() bool {
	if !s.smOn.Load() {
		return false
	}
	s.sm.mu.Lock()
	defer s.sm.mu.Unlock()
	return s.sm.detached
}

// smHoldReader records that the reader stopped for the detachment; true
// if the session is detached (the reader's part stays counted).
func (s *session) smHoldReader() bool {
	if !s.smOn.Load() {
		return false
	}
	s.sm.mu.Lock()
	defer s.sm.mu.Unlock()
	if !s.sm.detached {
		return false
	}
	s.sm.readerOut = true
	s.sm.cond.Broadcast()
	return true
}

// smHoldWriter records that the writer (holding session.writing) stopped
// for the detachment; false if the session is not detached, when the
// caller goes on writing.
func (s *session) smHoldWriter() bool {
	if !s.smOn.Load() {
		return false
	}
	s.sm.mu.Lock()
	defer s.sm.mu.Unlock()
	if !s.sm.detached {
		return false
	}
	s.sm.writerOut = true
	s.sm.cond.Broadcast()
	return true
}

// smExpire ends a session that was not resumed in time.
func (s *session) smExpire(gen int) {
	s.sm.mu.Lock()
	expired := s.sm.detached && s.sm.gen == gen
	s.sm.mu.Unlock()
	if expired {
		s.debug("not resumed in time")
		s.closeWith(nil)
	}
}

// smEndDetached is part of closing a detached session: its stopped reader
// and writer finish (on goroutines of their own: closeWith may be called
// from the router's delivery, which must not take the session offline).
func (s *session) smEndDetached() {
	if !s.smOn.Load() {
		return
	}
	s.sm.mu.Lock()
	if !s.sm.detached {
		s.sm.mu.Unlock()
		return
	}
	s.sm.detached = false
	s.sm.gen++
	s.sm.timer.Stop()
	r, w := s.sm.readerOut, s.sm.writerOut
	s.sm.readerOut, s.sm.writerOut = false, false
	s.sm.cond.Broadcast()
	s.sm.mu.Unlock()
	s.gone.Store(true)
	switch {
	case r && w:
		go func() { s.partDone(); s.write() }()
	case r:
		go s.partDone()
	case w:
		go s.write()
	}
}

// smForget takes an ended session out of the registry.
func (s *session) smForget() {
	if s.smOn.Load() && s.sm.id != "" {
		s.srv.sm.remove(s.sm.id, s)
	}
}

// smTakeResend returns what a resumed writer sends before its queue.
func (s *session) smTakeResend(items []outItem) []outItem {
	if !s.smOn.Load() {
		return items
	}
	s.sm.mu.Lock()
	pre := s.sm.resend
	s.sm.resend = nil
	s.sm.mu.Unlock()
	if pre == nil {
		return items
	}
	return append(pre, items...)
}

// resumedStream is what negotiate returns once the stream resumed a
// detached session: the connection now belongs to that session, whose
// reader the connection's goroutine becomes.
type resumedStream struct{ s *session }

func (*resumedStream) Error() string { return "stream resumed" }

// negotiateSM handles stream management before a resource is bound:
// resumption, or a failure.
func (s *session) negotiateSM(el *xmlstream.Element) error {
	fail := func(b []byte) error {
		s.t.write(b)
		return s.t.flush()
	}
	if el.Local != "resume" {
		return fail(smFailed("unexpected-request")) // <enable/> comes after binding
	}
	h, err := strconv.ParseUint(el.Attr("h"), 10, 32)
	if err != nil {
		return fail(smFailed("bad-request"))
	}
	old := s.srv.sm.get(el.Attr("previd"))
	if old == nil || old.userID != s.userID || old.t.parentNS() != s.t.parentNS() {
		return fail(smFailed("item-not-found"))
	}
	in, failure := old.smTakeOver(s.t, uint32(h))
	if failure != nil {
		return fail(failure)
	}
	s.srv.track(s, false)
	old.debug("resumed", "remote", addrString(s.t.remoteAddr()), "h", h, "in", in)
	return &resumedStream{s: old}
}

// smTakeOver resumes s on transport t, the client having handled h of the
// stanzas s sent: s is detached first if its old connection still looks
// alive. It returns the count of stanzas s received, or a <failed/>.
func (s *session) smTakeOver(t transport, h uint32) (uint32, []byte) {
	if !s.smDetach() {
		return 0, smFailed("item-not-found")
	}
	s.sm.mu.Lock()
	for s.sm.detached && !(s.sm.readerOut && s.sm.writerOut) {
		s.sm.cond.Wait()
	}
	if !s.sm.detached { // closed meanwhile
		s.sm.mu.Unlock()
		return 0, smFailed("item-not-found")
	}
	if !s.smAckLocked(h) {
		out := s.sm.out
		s.sm.mu.Unlock()
		return 0, smFailed("undefined-condition", xmlstream.New(nsSM, "handled-count-too-high", "h", u32(h), "send-count", u32(out)))
	}
	in := s.sm.in
	resend := []outItem{{b: smElement("resumed", "previd", s.sm.id, "h", u32(in)), sm: smNonza}}
	for _, it := range s.sm.unacked {
		resend = append(resend, outItem{b: it.b, msgID: it.msgID})
	}
	s.sm.unacked, s.sm.out, s.sm.asked = nil, h, false
	s.sm.detached, s.sm.readerOut, s.sm.writerOut = false, false, false
	s.sm.gen++
	s.sm.timer.Stop()
	s.sm.resend = resend
	// The reader and writer are stopped: nothing else uses these now.
	s.t = t
	if s.sm.moved != nil {
		close(s.sm.moved) // the old connection's goroutine may go
		s.sm.moved = nil
	}
	s.sent = [16]int64{} // the resent messages are written again
	s.gone.Store(false)
	s.sm.mu.Unlock()
	go s.write() // session.writing is still held for it
	return in, nil
}

// readResumed is the reader of a session resumed on this goroutine's
// connection.
func (s *session) readResumed(t transport) {
	s.read(false)
	if t.parkable() == nil {
		s.waitEnd(t)
	}
}

// waitEnd holds the goroutine of a connection that is read all along (its
// HTTP handler, for WebSocket) until the session ends or a resumption has
// moved it to another connection.
func (s *session) waitEnd(t transport) {
	for {
		s.sm.mu.Lock()
		if s.t != t {
			s.sm.mu.Unlock()
			return
		}
		if s.sm.moved == nil {
			s.sm.moved = make(chan struct{})
		}
		moved := s.sm.moved
		s.sm.mu.Unlock()
		select {
		case <-s.ended:
			return
		case <-moved:
		}
	}
}

var errTooManyUnacked = &xmlstream.StreamError{Condition: "policy-violation", Text: "too many stanzas left unacknowledged"}
