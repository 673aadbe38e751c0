package xmpp

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"hermod/internal/domain/event"
	"hermod/internal/router"
	"hermod/internal/sendq"
	"hermod/internal/throttle"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// session is one client connection. Its read goroutine negotiates the
// stream and then handles stanzas one at a time, so the state it owns needs
// no lock; its write goroutine, started once a resource is bound, sends
// what the read goroutine and the router queue, rendering events that need
// a store lookup itself so that the router never waits.
type session struct {
	srv *Server
	t   transport
	id  int64
	ip  netip.Addr

	// Set during negotiation, fixed once bound.
	userID int64
	jid    jid.JID // the full JID
	bare   string  // the bare JID as text

	// Owned by the read goroutine.
	triedPlus bool // the client tried a -PLUS mechanism on this stream
	limiter   throttle.Bucket
	directed  map[int64]bool // users this resource sent directed presence to
	nextID    int
	capsKey   string            // "hash ver" of the client's caps
	capsAsked map[string]string // caps queries sent, by IQ id
	// seats are the rooms this session sits in (guarded by Server.rooms.mu).
	seats map[int64]*seat

	// Shared with the write goroutine and other sessions.
	bound     atomic.Bool
	available atomic.Bool // has sent initial presence and not gone unavailable
	roster    atomic.Bool // has asked for its roster: gets roster pushes
	carbons   atomic.Bool // has enabled message carbons (XEP-0280)
	presence  atomic.Pointer[xmlstream.Element]
	// notify holds the PEP nodes the client follows (its +notify caps).
	notify atomic.Pointer[map[string]bool]
	// flushing is set while offline messages are being sent: the ids of
	// messages delivered live meanwhile, so none arrives twice.
	flushMu  sync.Mutex
	flushing map[int64]bool

	out      *sendq.Queue[outItem]
	sent     [16]int64 // the write loop's last message ids, see outItem
	sentNext int
	// delivered is the largest message id written, for the watermark.
	delivered atomic.Int64
	closing   chan struct{}
	once      sync.Once
	closeErr  *xmlstream.StreamError
	done      chan struct{}
	logOnce   sync.Once
	log       *slog.Logger

	// pauses end Turms users' typing (see typing.go).
	pauses typingPauses
}

// outItem is a serialized stanza, or an event the write loop renders.
// msgID names the archived message a stanza carries, so that one arriving
// both live and from offline storage is sent once.
type outItem struct {
	b     []byte
	ev    *event.Event
	msgID int64
}

func newSession(srv *Server, t transport) *session {
	s := &session{
		srv: srv, t: t, id: router.NewSessionID(),
		limiter: throttle.NewBucket(srv.opts.StanzasPerSecond, srv.opts.StanzaBurst),
		out:     sendq.New[outItem](srv.opts.SendQueue),
		closing: make(chan struct{}), done: make(chan struct{}),
	}
	if ap, err := netip.ParseAddrPort(addrString(t.remoteAddr())); err == nil {
		s.ip = ap.Addr().Unmap()
	}
	return s
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

func (s *session) logger() *slog.Logger {
	s.logOnce.Do(func() {
		s.log = s.srv.log.With("session", s.id, "remote", addrString(s.t.remoteAddr()))
	})
	return s.log
}

// ID, UserID and DeviceType make the session a router.Session.
func (s *session) ID() int64         { return s.id }
func (s *session) UserID() int64     { return s.userID }
func (s *session) DeviceType() int32 { return s.srv.opts.DeviceType }

// Resource returns the bound resource.
func (s *session) Resource() string { return s.jid.Resource }

func (s *session) run() {
	if !s.srv.track(s, true) {
		s.t.close()
		return
	}
	defer s.srv.track(s, false)
	timer := time.AfterFunc(s.srv.opts.NegotiationTimeout, func() {
		if !s.bound.Load() {
			s.t.close()
		}
	})
	err := s.negotiate()
	timer.Stop()
	if err != nil {
		s.failNegotiation(err)
		return
	}
	s.online()
	go s.writeLoop()
	s.readLoop()
	<-s.done
	s.offline()
}

// failNegotiation ends a stream that never bound: a stream error if the
// client broke a rule, a plain close if it went away.
func (s *session) failNegotiation(err error) {
	var se *xmlstream.StreamError
	if errors.As(err, &se) {
		s.t.write(xmlstream.Append(nil, se.Element(), s.t.parentNS()))
		s.t.write(s.t.closing())
		s.t.flush()
	} else if errors.Is(err, io.EOF) {
		s.t.write(s.t.closing())
		s.t.flush()
	}
	s.t.close()
}

// send queues a stanza for the write loop. Replies to the client's own
// requests are never refused; the client's read rate is limited and a
// client that does not read is cut off by the write timeout.
func (s *session) send(el *xmlstream.Element) {
	s.out.Push(outItem{b: xmlstream.Append(nil, el, s.t.parentNS())}, true)
}

// sendBytes queues an already serialized stanza.
func (s *session) sendBytes(b []byte) {
	if b != nil {
		s.out.Push(outItem{b: b}, true)
	}
}

// Deliver hands the session an event from the router without blocking; a
// session whose queue is full is too slow and is closed (what it missed is
// in the archive).
func (s *session) Deliver(ev *event.Event) {
	if k, ok := ev.Payload.(*event.SessionKicked); ok {
		if len(k.DeviceTypes) == 0 || containsInt32(k.DeviceTypes, s.srv.opts.DeviceType) {
			s.closeWith(&xmlstream.StreamError{Condition: "policy-violation", Text: "the session was ended by the server"})
		}
		return
	}
	it, ok := s.prepare(ev)
	if !ok {
		return
	}
	if !s.out.Push(it, false) {
		s.logger().Warn("closing a session that does not keep up with its stanzas")
		s.closeWith(&xmlstream.StreamError{Condition: "policy-violation", Text: "the client does not read fast enough"})
	}
}

// closeWith starts closing: the write loop sends what is queued, then the
// stream error (if any) and the stream's end, and closes the connection.
// Only the first call counts.
func (s *session) closeWith(se *xmlstream.StreamError) {
	s.once.Do(func() {
		s.closeErr = se
		close(s.closing)
		if !s.bound.Load() {
			s.t.close() // negotiation has no write loop to do it
		}
	})
}

func (s *session) writeLoop() {
	defer close(s.done)
	var keepAlive <-chan time.Time
	if s.srv.opts.KeepAlive > 0 {
		tk := time.NewTicker(s.srv.opts.KeepAlive)
		defer tk.Stop()
		keepAlive = tk.C
	}
	wrote := false
	for {
		select {
		case <-s.out.Ready():
			if !s.writeBatch(s.out.Take()) {
				s.closeWith(nil)
				s.t.close()
				return
			}
			wrote = true
		case <-keepAlive:
			if !wrote { // a quiet stream gets a whitespace keepalive
				if s.t.write([]byte{' '}) != nil || s.t.flush() != nil {
					s.closeWith(nil)
					s.t.close()
					return
				}
			}
			wrote = false
		case <-s.closing:
			s.finish()
			return
		}
	}
}

func (s *session) writeBatch(items []outItem) bool {
	for _, it := range items {
		if it.msgID != 0 {
			if slices.Contains(s.sent[:], it.msgID) {
				continue
			}
			s.sent[s.sentNext%len(s.sent)] = it.msgID
			s.sentNext++
			if it.msgID > s.delivered.Load() {
				s.delivered.Store(it.msgID)
			}
		}
		if it.ev != nil {
			for _, b := range s.renderDeferred(it.ev) {
				if s.t.write(b) != nil {
					return false
				}
			}
			continue
		}
		if len(it.b) > 0 && s.t.write(it.b) != nil {
			return false
		}
	}
	return s.t.flush() == nil
}

// finish sends what is queued, the stream error and the stream's end.
func (s *session) finish() {
	s.writeBatch(s.out.Take())
	if s.closeErr != nil {
		s.t.write(xmlstream.Append(nil, s.closeErr.Element(), s.t.parentNS()))
	}
	s.t.write(s.t.closing())
	s.t.flush()
	s.t.close()
}

func (s *session) readLoop() {
	for {
		el, err := s.t.next()
		if err != nil {
			var se *xmlstream.StreamError
			var ne net.Error
			switch {
			case errors.As(err, &se):
				s.logger().Debug("stream error", "err", err)
				s.closeWith(se)
			case errors.As(err, &ne) && ne.Timeout():
				s.closeWith(&xmlstream.StreamError{Condition: "connection-timeout", Text: "nothing received for too long"})
			default:
				s.logger().Debug("stream ended", "err", err)
				s.closeWith(nil) // the client closed the stream or went away
			}
			return
		}
		select {
		case <-s.closing:
			return
		default:
		}
		if !s.limiter.Allow(time.Now()) {
			// Over its rate the client is read more slowly, not cut off: the
			// wait applies back-pressure through TCP.
			for !s.limiter.Allow(time.Now()) {
				time.Sleep(20 * time.Millisecond)
			}
		}
		s.handle(el)
	}
}

// newID returns an id for a stanza the server sends.
func (s *session) newID() string {
	s.nextID++
	return "h" + strconv.Itoa(s.nextID)
}

func randomID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

func containsInt32(xs []int32, x int32) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// ctx is the context of the session's domain calls.
func (s *session) ctx() context.Context { return context.Background() }
