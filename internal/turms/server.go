// Package turms is the Turms protocol adapter: it accepts Turms clients over
// TCP (varint32-framed protobuf) and WebSocket (one binary message per
// protobuf message), authenticates them, turns their requests into calls on
// the domain services, and renders domain events as Turms notifications.
package turms

import (
	"context"
	"errors"
	"hermod/internal/netpoll"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/group"
	"hermod/internal/domain/message"
	"hermod/internal/domain/nearby"
	"hermod/internal/domain/presence"
	"hermod/internal/domain/relation"
	"hermod/internal/domain/setting"
	"hermod/internal/domain/storage"
	"hermod/internal/domain/user"
	"hermod/internal/metrics"
	"hermod/internal/router"
	"hermod/internal/status"
	"hermod/internal/throttle"
)

// Options configure the adapter.
type Options struct {
	// TCPAddr and WSAddr are the listen addresses; "" disables one.
	TCPAddr, WSAddr string
	// ServerID is sent to clients in the user_session push.
	ServerID string
	// MaxFrameBytes is the largest request accepted (Turms: 16 KiB).
	MaxFrameBytes int
	// LoginTimeout closes a connection that has not logged in in time;
	// HeartbeatTimeout closes a session silent for that long.
	LoginTimeout, HeartbeatTimeout time.Duration
	// ExclusiveDeviceSessions keeps one session per user and device type: a
	// new login closes the old session with DISCONNECTED_BY_OTHER_DEVICE.
	ExclusiveDeviceSessions bool
	// LoginFailuresPerMinute throttles password guessing per remote IP.
	LoginFailuresPerMinute int
	// RequestsPerSecond and RequestBurst limit each session's request rate;
	// IPRequestsPerSecond and IPRequestBurst limit all sessions from one
	// address together.
	RequestsPerSecond, RequestBurst     int
	IPRequestsPerSecond, IPRequestBurst int
	// MaxSessionsPerUser caps a user's concurrent Turms sessions.
	MaxSessionsPerUser int
	// Poller parks idle TCP connections; nil keeps a reading goroutine on
	// every connection.
	Poller *netpoll.Poller
	// SendQueue is how many notifications may wait for a slow client.
	SendQueue int
}

// DefaultOptions are Turms's defaults.
func DefaultOptions() Options {
	return Options{
		TCPAddr: ":11510", WSAddr: ":10510", ServerID: "hermod",
		MaxFrameBytes: 16 << 10, LoginTimeout: 15 * time.Second, HeartbeatTimeout: 180 * time.Second,
		ExclusiveDeviceSessions: true, LoginFailuresPerMinute: 10,
		RequestsPerSecond: 50, RequestBurst: 100, IPRequestsPerSecond: 5000, IPRequestBurst: 10000,
		MaxSessionsPerUser: 16, SendQueue: 1024,
	}
}

// Services are the domain services the adapter calls.
type Services struct {
	Users     *user.Service
	Relations *relation.Service
	Messages  *message.Service
	Groups    *group.Service
	Settings  *setting.Service
	Nearby    *nearby.Index
	Storage   *storage.Service
	Presence  *presence.Service
	Router    *router.Router
	Metrics   *metrics.Metrics
}

// Server is the Turms adapter. Start, then Stop.
type Server struct {
	opts Options
	svc  Services
	log  *slog.Logger

	tcpLn   net.Listener
	wsLn    net.Listener
	httpSrv *http.Server

	throttle *throttle.Failures
	ipLimit  *throttle.PerAddr

	mu       sync.Mutex
	sessions map[*session]struct{}
	stopping bool
	wg       sync.WaitGroup
}

// New returns an adapter that is not yet listening.
func New(opts Options, svc Services, log *slog.Logger) *Server {
	return &Server{
		opts: opts, svc: svc, log: log.With("component", "turms"),
		throttle: throttle.NewFailures(opts.LoginFailuresPerMinute),
		ipLimit:  throttle.NewPerAddr(opts.IPRequestsPerSecond, opts.IPRequestBurst),
		sessions: make(map[*session]struct{}),
	}
}

// Start opens the listeners and begins serving.
func (s *Server) Start() error {
	if s.opts.TCPAddr != "" {
		ln, err := net.Listen("tcp", s.opts.TCPAddr)
		if err != nil {
			return err
		}
		s.tcpLn = ln
		s.wg.Go(func() { s.acceptTCP(ln) })
		s.log.Info("Turms TCP listening", "addr", ln.Addr().String())
	}
	if s.opts.WSAddr != "" {
		ln, err := net.Listen("tcp", s.opts.WSAddr)
		if err != nil {
			s.closeListeners()
			return err
		}
		s.wsLn = ln
		s.httpSrv = &http.Server{Handler: http.HandlerFunc(s.serveWS), ReadHeaderTimeout: 10 * time.Second}
		s.wg.Go(func() { s.httpSrv.Serve(ln) })
		s.log.Info("Turms WebSocket listening", "addr", ln.Addr().String())
	}
	return nil
}

// TCPAddr and WSAddr return the bound addresses (nil when disabled).
func (s *Server) TCPAddr() net.Addr { return addrOf(s.tcpLn) }
func (s *Server) WSAddr() net.Addr  { return addrOf(s.wsLn) }

func addrOf(ln net.Listener) net.Addr {
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

func (s *Server) closeListeners() {
	if s.tcpLn != nil {
		s.tcpLn.Close()
	}
	if s.httpSrv != nil {
		s.httpSrv.Close() // hijacked WebSocket connections are ours to close
	} else if s.wsLn != nil {
		s.wsLn.Close()
	}
}

// Stop stops accepting, closes every session with SERVER_CLOSED, and waits
// for them to finish (or for ctx to end).
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopping = true
	all := make([]*session, 0, len(s.sessions))
	for ss := range s.sessions {
		all = append(all, ss)
	}
	s.mu.Unlock()
	s.closeListeners()
	for _, ss := range all {
		ss.closeWith(status.CloseServerClosed, 0, "")
	}
	for _, ss := range all {
		ss.wait(ctx)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) acceptTCP(ln net.Listener) {
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
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetNoDelay(true)
		}
		s.wg.Go(func() { newSession(s, newTCPTransport(conn, s.opts.MaxFrameBytes)).run() })
	}
}

// serveWS upgrades any path to a Turms WebSocket session and answers CORS
// preflights, as the Turms gateway does.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodOptions {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Methods", "GET, OPTIONS")
		h.Set("Access-Control-Allow-Headers", "*")
		h.Set("Access-Control-Max-Age", "86400")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// Turms clients run in browsers on any origin; a session is only
		// ever as good as the password it logs in with.
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept has answered the client
	}
	addr, _ := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	s.wg.Add(1)
	defer s.wg.Done()
	newSession(s, newWSTransport(conn, addr, s.opts.MaxFrameBytes)).run()
}

// track adds or removes a live connection; during Stop a new connection is
// closed straight away.
func (s *Server) track(ss *session, add bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.sessions, ss)
		return
	}
	if s.stopping {
		ss.closeWith(status.CloseServerClosed, 0, "")
	}
	s.sessions[ss] = struct{}{}
}

// encode marshals a notification; a failure is a bug in hermod, logged.
func (s *Server) encode(n proto.Message) []byte {
	b, err := proto.Marshal(n)
	if err != nil {
		s.log.Error("encoding a notification failed", "err", err)
		return nil
	}
	return b
}
