package turms

import (
	"context"
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

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/event"
	"hermod/internal/netpoll"
	"hermod/internal/router"
	"hermod/internal/sendq"
	"hermod/internal/status"
	"hermod/internal/throttle"
	"hermod/internal/turms/pb"
)

// session is one client connection. One reader at a time decodes and
// handles its requests (so session state needs no lock); when the
// connection has nothing more to read the reader parks it (see
// internal/netpoll) and exits, and a new one starts when input arrives.
// A writer runs only while there is something to send, batching what is
// queued into one flush. An idle session holds no goroutine and no buffer.
type session struct {
	srv *Server
	t   transport
	id  int64
	ip  netip.Addr

	// Set once by the read loop at login, before the session is registered
	// with the router; read-only afterwards.
	userID     int64
	deviceType int32
	loggedIn   bool
	// pushSession asks handle to send the user_session push after the
	// login response.
	pushSession bool

	limiter throttle.Bucket
	// pipe is the reader's run of pipelined messages (pipeline.go); nil
	// between runs.
	pipe *run

	out     *sendq.Queue[[]byte] // encoded messages for the writer
	writing atomic.Bool          // a writer runs (or, once closing, has finished)
	closing chan struct{}        // closed when the session starts closing
	done    chan struct{}        // closed when the session has ended
	once    sync.Once

	parking netpoll.Parking
	// parts counts the reader and the writer until each has stopped for
	// good; the last one ends the session.
	parts atomic.Int32
	// closeMsg is the close notification to send last; written before
	// closing is closed.
	closeMsg []byte

	timer    *time.Timer // login, then heartbeat, timeout
	lastSeen atomic.Int64
}

func newSession(srv *Server, t transport) *session {
	s := &session{
		srv:     srv,
		t:       t,
		id:      router.NewSessionID(),
		out:     sendq.New[[]byte](srv.opts.SendQueue),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		limiter: throttle.NewBucket(srv.opts.RequestsPerSecond, srv.opts.RequestBurst),
	}
	if ap, err := netip.ParseAddrPort(t.remoteAddr().String()); err == nil {
		s.ip = ap.Addr().Unmap()
	}
	return s
}

// logger returns a logger that names the session. It is built on use, not
// kept: most sessions never log, and each kept logger costs memory.
func (s *session) logger() *slog.Logger {
	return s.srv.log.With("session", s.id, "remote", s.t.remoteAddr().String())
}

// ID, UserID and DeviceType make the session a router.Session.
func (s *session) ID() int64         { return s.id }
func (s *session) UserID() int64     { return s.userID }
func (s *session) DeviceType() int32 { return s.deviceType }

// run serves the connection. It returns once the session has ended or,
// for a connection that can be parked, once it first goes idle: the
// server's wait group counts the session until it has ended.
func (s *session) run() {
	s.srv.wg.Add(1)
	s.parts.Store(2)
	s.timer = time.AfterFunc(s.srv.opts.LoginTimeout, s.onTimeout)
	s.srv.track(s, true)
	s.read(false)
	if s.t.parkable() == nil {
		<-s.done
	}
}

// partDone is called once by the reader and once by the writer when each
// stops for good; the last one ends the session.
func (s *session) partDone() {
	if s.parts.Add(-1) != 0 {
		return
	}
	s.timer.Stop()
	if s.loggedIn {
		s.srv.logout(s)
	}
	s.srv.track(s, false)
	close(s.done)
	s.srv.wg.Done()
}

// onTimeout fires when the client sent nothing in time: before login
// that is a login timeout, after it a heartbeat timeout.
func (s *session) onTimeout() {
	if !s.isLoggedIn() {
		s.closeWith(status.CloseLoginTimeout, 0, "")
		return
	}
	idle := time.Since(time.UnixMilli(s.lastSeen.Load()))
	if rest := s.srv.opts.HeartbeatTimeout - idle; rest > 0 {
		s.timer.Reset(rest)
		return
	}
	s.closeWith(status.CloseHeartbeatTimeout, 0, "")
}

// isLoggedIn is loggedIn for the timer goroutine: lastSeen is set at login.
func (s *session) isLoggedIn() bool { return s.lastSeen.Load() != 0 }

// read handles requests until the connection has nothing buffered (then
// it parks it and returns) or ends. resumed is set when the connection was
// parked and has input.
func (s *session) read(resumed bool) {
	if resumed {
		if err := s.t.fill(); err != nil {
			s.onReadError(err)
			s.partDone()
			return
		}
	}
	for {
		if !s.t.buffered() {
			s.settle() // before waiting for the client
		}
		if s.t.idle() && s.park() {
			return
		}
		msg, err := s.t.read()
		if err != nil {
			s.settle()
			s.onReadError(err)
			s.partDone()
			return
		}
		if s.loggedIn {
			s.lastSeen.Store(time.Now().UnixMilli())
		}
		if len(msg) == 0 {
			s.settle()
			s.onHeartbeat()
			continue
		}
		req := &pb.TurmsRequest{}
		if err := proto.Unmarshal(msg, req); err != nil {
			s.settle()
			s.closeWith(status.CloseIllegalRequest, status.InvalidRequest, "the request is not a valid TurmsRequest")
			s.partDone()
			return
		}
		if s.pipelinable(req) {
			s.startInRun(req)
		} else {
			s.settle()
			s.handle(req)
		}
		if s.isClosing() {
			s.settle()
			s.partDone()
			return
		}
	}
}

func (s *session) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// park hands an idle connection to the poller: false if it cannot be
// parked (the caller goes on reading).
func (s *session) park() bool {
	pc := s.t.parkable()
	if pc == nil || s.srv.opts.Poller == nil {
		return false
	}
	s.t.release()
	if !s.parking.Park(s.srv.opts.Poller, pc, s.isClosing, s.resume) {
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

func (s *session) onReadError(err error) {
	switch {
	case errors.Is(err, errFrameTooLarge):
		s.closeWith(status.CloseIllegalRequest, status.InvalidRequest, "the request exceeds "+strconv.Itoa(s.srv.opts.MaxFrameBytes)+" bytes")
	case errors.Is(err, errBadLength), errors.Is(err, errTextMessage):
		s.closeWith(status.CloseIllegalRequest, status.InvalidRequest, "malformed frame")
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		s.closeWith(status.CloseConnectionClosed, 0, "")
	default:
		s.closeWith(status.CloseConnectionClosed, 0, "")
	}
}

// heartbeatReply is the answer to a heartbeat: an empty message.
var heartbeatReply = []byte{}

func (s *session) onHeartbeat() {
	if !s.loggedIn {
		s.send(s.srv.encode(&pb.TurmsNotification{
			Timestamp: now(), RequestId: proto.Int64(-100),
			Code: proto.Int32(int32(status.UpdateHeartbeatOfNonexistentSession)),
		}))
		return
	}
	s.send(heartbeatReply)
}

// send queues a response. Responses are never refused: the read loop makes
// at most one per request, requests are rate-limited, and a client that
// does not read is cut off by the write timeout.
//
// Only the session's reader calls it, and when no writer runs it writes
// what is queued itself: handing each response to a writer cost a
// goroutine switch per request. It writes one batch at most and leaves
// the rest (notifications that keep arriving) to a writer, so that it
// soon goes back to reading its client.
func (s *session) send(b []byte) {
	s.out.Push(b, true)
	s.flushOut()
}

// flushOut writes what is queued unless a writer runs; see send.
func (s *session) flushOut() {
	if !s.claimWriting() {
		return
	}
	if !s.writeBatch(s.out.Take()) {
		s.closeWith(status.CloseConnectionClosed, 0, "") // its kick finds writing set
	}
	s.releaseWriting()
}

// claimWriting makes the caller the session's writer for a moment. It
// fails when a writer runs (which sends what is queued) or the session is
// closing (a writer is started to end it).
func (s *session) claimWriting() bool {
	if !s.writing.CompareAndSwap(false, true) {
		return false
	}
	if s.isClosing() {
		s.writing.Store(false)
		s.kick() // the writer ends the connection
		return false
	}
	return true
}

// releaseWriting ends claimWriting. What was queued meanwhile found
// writing set and started no writer, so one is started for it.
func (s *session) releaseWriting() {
	s.writing.Store(false)
	if s.out.Len() > 0 || s.isClosing() {
		s.kick()
	}
}

// Deliver queues a relayed notification without blocking; a session whose
// queue is full is too slow and is closed. The messages it missed are in
// the store for it to query after reconnecting.
func (s *session) Deliver(ev *event.Event) {
	if k, ok := ev.Payload.(*event.SessionKicked); ok {
		if len(k.DeviceTypes) == 0 || slices.Contains(k.DeviceTypes, s.deviceType) {
			s.closeWith(status.CloseStatus(k.CloseStatus), 0, "")
		}
		return
	}
	switch p := ev.Payload.(type) {
	case *event.OnlineStatusUpdated:
		if p.Implicit || (p.UserID != s.userID && !p.RelayToRelated) {
			return
		}
	case *event.RelationshipChanged:
		if p.OwnerID != s.userID && !p.RelayToRelated {
			return
		}
	case *event.UserInfoUpdated:
		if p.User.ID != s.userID && !p.RelayToRelated {
			return
		}
	}
	b := ev.Rendered(event.SlotTurms, func() []byte { return s.srv.renderEvent(ev) })
	if b == nil {
		return
	}
	if s.out.Push(b, false) {
		if m, ok := ev.Payload.(*event.MessageCreated); ok && !m.Message.IsGroup() {
			s.writeNow()
		} else {
			s.kick()
		}
	} else {
		s.logger().Warn("closing a session that does not keep up with its notifications")
		s.closeWith(status.CloseServerError, status.ServerUnavailable, "the client does not read fast enough")
	}
}

// closeWith starts closing: the write loop sends what is queued, then a
// close notification with closeStatus (and code and reason if set), and
// ends the connection. Only the first call counts.
func (s *session) closeWith(cs status.CloseStatus, code status.Code, reason string) {
	s.once.Do(func() {
		if cs != status.CloseConnectionClosed {
			n := &pb.TurmsNotification{Timestamp: now(), CloseStatus: proto.Int32(int32(cs))}
			if code != 0 {
				n.Code = proto.Int32(int32(code))
			}
			if reason != "" {
				n.Reason = proto.String(reason)
			}
			s.closeMsg = s.srv.encode(n)
		}
		if s.srv.log.Enabled(context.Background(), slog.LevelDebug) {
			s.logger().Debug("session closing", "status", cs.String())
		}
		close(s.closing)
		s.kick() // the writer ends the connection; it may not run here, on the router's goroutine
	})
}

// writeNow writes what is queued on the caller's goroutine, when no writer
// runs and the socket takes it at once; what it does not take is left to
// a writer. Handing each delivery to a writer cost a goroutine switch (and
// the wake-up of an idle thread), more than the write itself. It serves
// private messages, whose few recipients make the caller's extra work
// small; a group's fan-out is left to writers, which run in parallel.
func (s *session) writeNow() {
	if !s.claimWriting() {
		return
	}
	for _, b := range s.out.Take() {
		s.t.write(b)
	}
	done, err := s.t.tryFlush()
	if err != nil {
		s.closeWith(status.CloseConnectionClosed, 0, "") // its kick finds writing set
		s.releaseWriting()
		return
	}
	if !done {
		s.startWriter() // writing stays set: the writer flushes the rest
		return
	}
	s.releaseWriting()
}

// kick starts a writer unless one runs (on one of the poller's workers,
// whose stacks have grown already).
func (s *session) kick() {
	if s.writing.CompareAndSwap(false, true) {
		s.startWriter()
	}
}

// startWriter starts a writer; the caller has set writing.
func (s *session) startWriter() {
	if p := s.srv.opts.Poller; p != nil {
		p.Go(s.write)
	} else {
		go s.write()
	}
}

// write is the writer: it sends what is queued until the queue is empty,
// and ends the connection once the session is closing.
func (s *session) write() {
	for {
		if !s.writeBatch(s.out.Take()) {
			s.closeWith(status.CloseConnectionClosed, 0, "")
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
		// Something pushed between Take and Store found a writer running
		// and did not start one: look again.
		if s.out.Len() == 0 && !s.isClosing() {
			return
		}
		if !s.writing.CompareAndSwap(false, true) {
			return
		}
	}
}

// writeBatch writes msgs and flushes once, with what an earlier tryFlush
// left.
func (s *session) writeBatch(msgs [][]byte) bool {
	for _, b := range msgs {
		if s.t.write(b) != nil {
			return false
		}
	}
	return s.t.flush() == nil
}

// finish sends what is queued and the close notification, then closes.
func (s *session) finish() {
	msgs := s.out.Take()
	if s.closeMsg != nil {
		msgs = append(msgs, s.closeMsg)
	}
	s.writeBatch(msgs)
	if ws, isWS := s.t.(*wsTransport); isWS {
		ws.closeGracefully()
	}
	s.t.close()
}

// wait blocks until the session has closed or ctx ends.
func (s *session) wait(ctx context.Context) {
	select {
	case <-s.done:
	case <-ctx.Done():
		s.t.close()
	}
}

func now() int64 { return time.Now().UnixMilli() }
