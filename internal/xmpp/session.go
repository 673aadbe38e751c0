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
	"hermod/internal/netpoll"
	"hermod/internal/router"
	"hermod/internal/sendq"
	"hermod/internal/throttle"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// session is one client connection. One goroutine at a time reads it: it
// negotiates the stream and then handles stanzas one by one, so the state
// it owns needs no lock. When the connection has nothing more to read the
// reader parks it (see internal/netpoll) and exits; a new reader starts
// when input arrives. Likewise a writer goroutine runs only while there is
// something to send: it writes what the reader and the router queue,
// rendering events that need a store lookup itself so that the router
// never waits. An idle session thus holds no goroutine and no buffer.
type session struct {
	srv *Server
	t   transport
	id  int64
	ip  netip.Addr

	// Set during negotiation, fixed once bound.
	userID int64
	jid    jid.JID // the full JID
	bare   string  // the bare JID as text

	// Owned by the reader.
	triedPlus bool // the client tried a -PLUS mechanism on this stream
	limiter   throttle.Bucket
	directed  map[int64]bool // users this resource sent directed presence to
	nextID    int
	capsKey   string            // "hash ver" of the client's caps
	capsAsked map[string]string // caps queries sent, by IQ id
	// seats are the rooms this session sits in (guarded by Server.rooms.mu).
	seats map[int64]*seat

	// Shared with the writer and other sessions.
	bound atomic.Bool
	// bindSent is set as the bind result goes out: the client counts
	// itself online from then on, before run marks the session bound.
	bindSent  atomic.Bool
	available atomic.Bool // has sent initial presence and not gone unavailable
	roster    atomic.Bool // has asked for its roster: gets roster pushes
	carbons   atomic.Bool // has enabled message carbons (XEP-0280)
	presence  atomic.Pointer[xmlstream.Element]
	// notify holds the PEP nodes the client follows (its +notify caps).
	notify atomic.Pointer[map[string]bool]

	// queue holds what waits for the writer. Queue with push, which
	// starts a writer: an item pushed to the queue alone may wait forever.
	queue    *sendq.Queue[outItem]
	writing  atomic.Bool  // a writer runs (or, once closing, has finished)
	lastSent atomic.Int64 // unix nanoseconds of the last write but keepalives
	sent     [16]int64    // the writer's last message ids, see outItem
	sentNext int
	// delivered is the largest message id written, for the watermark.
	delivered atomic.Int64
	gone      atomic.Bool // the client went away: nothing more reaches it

	parking  netpoll.Parking
	lastRead atomic.Int64 // unix nanoseconds of the last input while parked
	ticker   *time.Timer  // keepalives, and the idle timeout while parked

	// parts counts the reader and the writer of a bound session until each
	// has stopped for good; the last one takes the session offline.
	parts    atomic.Int32
	closing  chan struct{}
	once     sync.Once
	closeErr *xmlstream.StreamError
	ended    chan struct{} // closed once the session is offline
	logOnce  sync.Once
	log      *slog.Logger

	// pauses end Turms users' typing (see typing.go).
	pauses typingPauses

	// Stream management (sm.go) and client state indication (csi.go).
	smOn atomic.Bool // the client enabled stream management
	sm   smState
	csi  csiState
}

// outItem is a serialized stanza, or an event the writer renders. msgID
// names the archived message a stanza carries, so that one arriving both
// live and from offline storage is sent once.
type outItem struct {
	b     []byte
	ev    *event.Event
	msgID int64
	// sm marks stream management's own elements, which are not stanzas.
	sm smMark
}

func newSession(srv *Server, t transport) *session {
	s := &session{
		srv: srv, t: t, id: router.NewSessionID(),
		limiter: throttle.NewBucket(srv.opts.StanzasPerSecond, srv.opts.StanzaBurst),
		queue:   sendq.New[outItem](srv.opts.SendQueue),
		closing: make(chan struct{}), ended: make(chan struct{}),
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

// debug logs at debug level without making the session's logger when
// debug logging is off.
func (s *session) debug(msg string, args ...any) {
	if s.srv.log.Enabled(context.Background(), slog.LevelDebug) {
		s.logger().Debug(msg, args...)
	}
}

// ID, UserID and DeviceType make the session a router.Session.
func (s *session) ID() int64         { return s.id }
func (s *session) UserID() int64     { return s.userID }
func (s *session) DeviceType() int32 { return s.srv.opts.DeviceType }

// Resource returns the bound resource.
func (s *session) Resource() string { return s.jid.Resource }

// run negotiates the stream and reads it. It returns once the session has
// ended or, for a connection that can be parked, once it first goes idle:
// the server's wait group counts a bound session until it is offline.
func (s *session) run() {
	if !s.srv.track(s, true) {
		s.t.close()
		return
	}
	timer := time.AfterFunc(s.srv.opts.NegotiationTimeout, func() {
		if !s.bound.Load() {
			s.t.close()
		}
	})
	err := s.negotiate()
	timer.Stop()
	if r, ok := err.(*resumedStream); ok {
		r.s.readResumed(s.t) // this connection now carries an earlier session (sm.go)
		return
	}
	if err != nil {
		s.failNegotiation(err)
		s.srv.track(s, false)
		return
	}
	s.srv.wg.Add(1)
	s.parts.Store(2)
	s.lastSent.Store(time.Now().UnixNano())
	if every := s.tickEvery(); every > 0 {
		s.ticker = time.AfterFunc(every, s.tick)
	}
	// From here on closing goes through the writer. A close that came
	// during the hand-over (server stop) found no writer to start.
	s.bound.Store(true)
	if s.isClosing() {
		s.kick()
	}
	s.online()
	t := s.t // a resumption may move the session to another connection (sm.go)
	s.read(false)
	if t.parkable() == nil {
		s.waitEnd(t)
	}
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

// push queues an item and makes sure a writer runs. Replies to the
// client's own requests are forced; others are refused when the queue is
// full.
func (s *session) push(it outItem, force bool) bool {
	if !s.queue.Push(it, force) {
		return false
	}
	s.kick()
	return true
}

// send queues a stanza. Replies to the client's own requests are never
// refused; the client's read rate is limited and a client that does not
// read is cut off by the write timeout.
func (s *session) send(el *xmlstream.Element) {
	s.push(outItem{b: xmlstream.Append(nil, el, s.t.parentNS())}, true)
}

// sendBytes queues an already serialized stanza.
func (s *session) sendBytes(b []byte) {
	if b != nil {
		s.push(outItem{b: b}, true)
	}
}

// Deliver hands the session an event from the router without blocking; a
// session whose queue is full is too slow and is closed (what it missed is
// in the archive).
func (s *session) Deliver(ev *event.Event) {
	if k, ok := ev.Payload.(*event.SessionKicked); ok {
		if len(k.DeviceTypes) == 0 || slices.Contains(k.DeviceTypes, s.srv.opts.DeviceType) {
			s.closeWith(&xmlstream.StreamError{Condition: "policy-violation", Text: "the session was ended by the server"})
		}
		return
	}
	it, ok := s.prepare(ev)
	if !ok || s.csiHold(ev, it) {
		return
	}
	if !s.push(it, false) {
		s.logger().Warn("closing a session that does not keep up with its stanzas")
		s.closeWith(&xmlstream.StreamError{Condition: "policy-violation", Text: "the client does not read fast enough"})
	}
}

// closeWith starts closing: the writer sends what is queued, then the
// stream error (if any) and the stream's end, and closes the connection.
// Only the first call counts.
func (s *session) closeWith(se *xmlstream.StreamError) {
	s.once.Do(func() {
		s.closeErr = se
		close(s.closing)
		if !s.bound.Load() {
			// Negotiation has no writer to end the stream. Once the bind
			// result is out, though, the client is online: run marks the
			// session bound next and starts the writer, which ends the
			// stream with the error (closing the connection here would
			// end it with none).
			if !s.bindSent.Load() {
				s.t.close()
			}
			return
		}
		s.smEndDetached()
		s.kick() // the writer ends the stream; it may not run here, on the router's goroutine
	})
}

func (s *session) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// kick starts a writer unless one runs (on one of the poller's workers,
// whose stacks have grown already).
func (s *session) kick() {
	if s.bound.Load() && s.writing.CompareAndSwap(false, true) {
		if p := s.srv.opts.Poller; p != nil {
			p.Go(s.write)
		} else {
			go s.write()
		}
	}
}

// write is the writer: it sends what is queued until the queue is empty,
// and ends the stream once the session is closing.
func (s *session) write() {
	for {
		if s.smDetached() && s.smHoldWriter() {
			return // writing stays set: no writer starts until a resumption (sm.go)
		}
		if items := s.smTakeResend(s.queue.Take()); len(items) > 0 && !s.writeBatch(items) {
			if s.smDetach() {
				continue
			}
			s.closeWith(nil)
		}
		if s.isClosing() {
			// Unpark before closing: the descriptor must leave the poller
			// while its number is still ours.
			s.unpark()
			s.finish() // writing stays set: no writer runs after this one
			s.partDone()
			return
		}
		s.writing.Store(false)
		if s.smDetached() {
			if !s.writing.CompareAndSwap(false, true) || s.smHoldWriter() {
				return
			}
			continue
		}
		// Something pushed between Take and Store found a writer running
		// and did not start one: look again.
		if s.queue.Len() == 0 && !s.isClosing() {
			return
		}
		if !s.writing.CompareAndSwap(false, true) {
			return
		}
	}
}

func (s *session) writeBatch(items []outItem) bool {
	var last int64 // the largest message id written
	for _, it := range items {
		if len(it.b) != 1 || it.b[0] != ' ' {
			s.lastSent.Store(time.Now().UnixNano())
		}
		if it.msgID != 0 {
			if slices.Contains(s.sent[:], it.msgID) {
				continue
			}
			s.sent[s.sentNext%len(s.sent)] = it.msgID
			s.sentNext++
			last = max(last, it.msgID)
		}
		if it.ev != nil {
			for _, b := range s.renderDeferred(it.ev) {
				if !s.smWritten(b, &it) {
					s.closeWith(errTooManyUnacked)
				}
				if s.t.write(b) != nil {
					return false
				}
			}
			continue
		}
		if len(it.b) > 0 && !s.smWritten(it.b, &it) {
			s.closeWith(errTooManyUnacked)
		}
		if len(it.b) > 0 && s.t.write(it.b) != nil {
			return false
		}
	}
	if r := s.smRequest(); r != nil && s.t.write(r) != nil {
		return false
	}
	if s.t.flush() != nil {
		return false
	}
	// A message counts as delivered once flushed to a client that is still
	// there: what is written after it went away waits for its next login.
	// With stream management, once acknowledged (sm.go).
	if last > s.delivered.Load() && !s.gone.Load() && !s.smOn.Load() {
		s.delivered.Store(last)
	}
	return true
}

// finish sends what is queued, the stream error and the stream's end.
func (s *session) finish() {
	if s.ticker != nil {
		s.ticker.Stop()
	}
	s.writeBatch(s.queue.Take())
	if s.closeErr != nil {
		s.t.write(xmlstream.Append(nil, s.closeErr.Element(), s.t.parentNS()))
	}
	s.t.write(s.t.closing())
	s.t.flush()
	s.t.close()
}

// partDone is called once by the reader and once by the writer when each
// stops for good; the last one takes the session offline.
func (s *session) partDone() {
	if s.parts.Add(-1) != 0 {
		return
	}
	s.offline()
	s.srv.track(s, false)
	close(s.ended)
	s.srv.wg.Done()
}

// read handles stanzas until the connection has nothing buffered (then it
// parks it and returns) or the stream ends. resumed is set when the
// connection was parked and has input.
func (s *session) read(resumed bool) {
	if resumed {
		s.lastRead.Store(time.Now().UnixNano())
		if err := s.t.fill(); err != nil {
			s.readFailed(err)
			return
		}
	}
	for {
		if s.t.idle() && s.park() {
			return
		}
		el, err := s.t.next()
		if err != nil {
			s.readFailed(err)
			return
		}
		if s.isClosing() {
			s.partDone()
			return
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

func (s *session) readFailed(err error) {
	if s.smDetached() && s.smHoldReader() {
		return // the reader's part waits for a resumption (sm.go)
	}
	var se *xmlstream.StreamError
	var ne net.Error
	switch {
	case errors.As(err, &se):
		s.debug("stream error", "err", err)
		s.closeWith(se)
	case errors.As(err, &ne) && ne.Timeout():
		s.gone.Store(true)
		if s.smDetach() && s.smHoldReader() {
			return
		}
		s.closeWith(&xmlstream.StreamError{Condition: "connection-timeout", Text: "nothing received for too long"})
	default:
		s.gone.Store(true)
		s.debug("stream ended", "err", err)
		if err != xmlstream.ErrClosed && s.smDetach() && s.smHoldReader() {
			return // the connection broke: a resumable session waits (sm.go)
		}
		s.closeWith(nil) // the client closed the stream or went away
	}
	s.partDone()
}

// park hands an idle connection to the poller: false if it cannot be
// parked (the caller goes on reading).
func (s *session) park() bool {
	pc := s.t.parkable()
	if pc == nil || s.srv.opts.Poller == nil {
		return false
	}
	s.t.release()
	s.lastRead.Store(time.Now().UnixNano())
	if !s.parking.Park(s.srv.opts.Poller, pc, s.closingOrDetached, s.resume) {
		s.t.acquire()
		return false
	}
	return true
}

// resume is the new reader of a parked connection that has input.
func (s *session) resume() {
	s.parking.Woken()
	s.t.acquire()
	s.read(true)
}

// unpark ends the read side of a closing session that is parked. Only
// the final writer calls it, before it closes the connection.
func (s *session) unpark() {
	if s.parking.Cancel(s.srv.opts.Poller) {
		s.partDone()
	}
}

// tickEvery is the period of the session's ticker.
func (s *session) tickEvery() time.Duration {
	k, idle := s.srv.opts.KeepAlive, s.srv.opts.IdleTimeout/4
	if k <= 0 || (idle > 0 && idle < k) {
		return idle
	}
	return k
}

// tick sends a whitespace keepalive to a quiet stream and closes a parked
// one that has been silent for the idle timeout (a connection being read
// has a read deadline instead).
func (s *session) tick() {
	if s.isClosing() {
		return
	}
	now := time.Now().UnixNano()
	if k := s.srv.opts.KeepAlive; k > 0 && now-s.lastSent.Load() >= int64(k) {
		s.lastSent.Store(now)
		s.push(outItem{b: keepAlive}, true)
	}
	if idle := s.srv.opts.IdleTimeout; idle > 0 {
		silent := s.parking.Parked() && now-s.lastRead.Load() >= int64(idle)
		if silent {
			s.closeWith(&xmlstream.StreamError{Condition: "connection-timeout", Text: "nothing received for too long"})
		}
	}
	s.ticker.Reset(s.tickEvery())
}

var keepAlive = []byte{' '}

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

// ctx is the context of the session's domain calls.
func (s *session) ctx() context.Context { return context.Background() }
