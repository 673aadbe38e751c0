// Package xmpp is the XMPP client-to-server adapter (RFC 6120, 6121, 7395,
// 7590, 7622): it accepts XMPP clients over TCP with STARTTLS, direct TLS
// (XEP-0368) and WebSocket, authenticates them with SASL against the same
// accounts as the Turms protocol, turns their stanzas into calls on the
// domain services, and renders domain events as stanzas.
package xmpp

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"hermod/internal/certs"
	"hermod/internal/domain/group"
	"hermod/internal/domain/message"
	"hermod/internal/domain/presence"
	"hermod/internal/domain/relation"
	"hermod/internal/domain/storage"
	"hermod/internal/domain/user"
	"hermod/internal/metrics"
	"hermod/internal/netpoll"
	"hermod/internal/router"
	"hermod/internal/store"
	"hermod/internal/throttle"
	"hermod/internal/xmpp/xmlstream"
)

// Options configure the adapter.
type Options struct {
	// Domain is the server's XMPP domain: users are <id>@Domain.
	Domain string
	// TCPAddr is the STARTTLS listener (5222), TLSAddr the direct TLS one
	// (5223), WSAddr and WSSAddr the WebSocket listeners (HTTP and HTTPS,
	// path /xmpp-websocket); "" disables one.
	TCPAddr, TLSAddr, WSAddr, WSSAddr string
	// TLS is the certificate configuration; nil disables TLS.
	TLS *tls.Config
	// RequireTLS refuses authentication on TCP before STARTTLS.
	RequireTLS bool
	// Limits bound stanza size and nesting.
	Limits xmlstream.Limits
	// NegotiationTimeout closes a connection that has not bound a resource
	// in time; IdleTimeout one that has sent nothing (not even a whitespace
	// keepalive) for that long. KeepAlive is how often the server sends a
	// whitespace keepalive to a quiet connection.
	NegotiationTimeout, IdleTimeout, KeepAlive time.Duration
	// LoginFailuresPerMinute throttles password guessing per remote IP.
	LoginFailuresPerMinute int
	// StanzasPerSecond and StanzaBurst limit how fast a session is read.
	StanzasPerSecond, StanzaBurst int
	// SendQueue is how many stanzas may wait for a slow client.
	SendQueue int
	// MaxResources caps a user's XMPP sessions; 0 is no cap.
	MaxResources int
	// DeviceType is the Turms device type XMPP sessions count as.
	DeviceType int32
	// AllowRegistration enables in-band registration (XEP-0077);
	// RegistrationsPerMinute caps the accounts one address may create.
	AllowRegistration      bool
	RegistrationsPerMinute int
	// OfflineMessages caps the messages delivered at login that arrived
	// while the user had no XMPP session.
	OfflineMessages int
	// Version is reported by XEP-0092.
	Version string
	// PEPMaxNodes caps an account's PEP nodes, PEPMaxItems the items a
	// node keeps, PEPMaxItemBytes an item's payload; PrivateMaxBytes caps
	// one private XML element (XEP-0049).
	PEPMaxNodes, PEPMaxItems, PEPMaxItemBytes, PrivateMaxBytes int
	// MUCDomain is the multi-user chat service where groups are rooms;
	// "" is conference.<Domain>. MUCHistory caps the discussion history
	// sent on joining a room.
	MUCDomain  string
	MUCHistory int
	// UploadDomain is the HTTP file upload service (XEP-0363), there when
	// the file store is; "" is upload.<Domain>.
	UploadDomain string
	// PublicWebURL is the base URL browsers reach the WebSocket and BOSH
	// endpoints at, for host-meta (XEP-0156); "" is the request's own.
	PublicWebURL string
	// BOSHMaxWait is the longest a BOSH request waits for something to
	// answer (0 disables BOSH); BOSHInactivity how long a BOSH session
	// lives with no request waiting; BOSHPolling the shortest interval
	// between empty requests beyond the one waiting.
	BOSHMaxWait, BOSHInactivity, BOSHPolling time.Duration
	// BOSHSessionsPerMinute caps the BOSH sessions one address opens; 0
	// is no cap.
	BOSHSessionsPerMinute int
	// ComponentAddr is the listener of external components (XEP-0114;
	// "" disables it), Components their shared secrets by domain.
	ComponentAddr string
	Components    map[string]string
	// ExternalServices are the STUN and TURN servers offered by external
	// service discovery (XEP-0215, extdisco.go); TURNSecret, when set,
	// gives TURN services credentials valid for TURNCredentialTTL.
	ExternalServices  []ExternalService
	TURNSecret        string
	TURNCredentialTTL time.Duration
	// TypingPause is how long after a Turms user's last typing status
	// XMPP clients are told they paused; 0 never.
	TypingPause time.Duration
	// Poller parks idle plain-TCP connections; nil keeps a reading
	// goroutine on every connection.
	Poller *netpoll.Poller
	// SMResumeTimeout is how long a stream-managed session waits for its
	// client to resume it (XEP-0198); 0 disables resumption. SMMaxUnacked
	// caps the stanzas a client may leave unacknowledged.
	SMResumeTimeout time.Duration
	SMMaxUnacked    int
	// PushBody includes a message's text in push notifications (XEP-0357).
	PushBody bool
	// Changed, if set, is told when the adapter changed stored state that
	// it caches (a topic of this package, e.g. TopicPush, and a user id), so
	// that a cluster can tell the other nodes to Forget it.
	Changed func(topic string, id int64)
}

// DefaultOptions are the defaults of a stand-alone server.
func DefaultOptions() Options {
	return Options{
		Domain: "localhost", TCPAddr: ":5222", TLSAddr: ":5223", WSAddr: ":5280", WSSAddr: ":5281",
		RequireTLS: true, Limits: xmlstream.DefaultLimits,
		NegotiationTimeout: 30 * time.Second, IdleTimeout: 10 * time.Minute, KeepAlive: 90 * time.Second,
		LoginFailuresPerMinute: 10, StanzasPerSecond: 50, StanzaBurst: 200, SendQueue: 1024,
		MaxResources: 16, DeviceType: 4, OfflineMessages: 500, RegistrationsPerMinute: 5, Version: "dev",
		PEPMaxNodes: 100, PEPMaxItems: 256, PEPMaxItemBytes: 64 << 10, PrivateMaxBytes: 64 << 10,
		MUCHistory: 50, BOSHMaxWait: 60 * time.Second, BOSHInactivity: 60 * time.Second, BOSHPolling: 2 * time.Second, BOSHSessionsPerMinute: 30,
		TURNCredentialTTL: 24 * time.Hour,
		SMResumeTimeout:   5 * time.Minute, SMMaxUnacked: 1000,
	}
}

// Services are the domain services and infrastructure the adapter uses.
type Services struct {
	Store     store.Store
	Users     *user.Service
	Relations *relation.Service
	Messages  *message.Service
	Groups    *group.Service
	Presence  *presence.Service
	Router    *router.Router
	Metrics   *metrics.Metrics
	// Storage keeps profile pictures (avatars); nil when the file store is
	// disabled.
	Storage *storage.Service
}

// Server is the XMPP adapter.
type Server struct {
	opts     Options
	svc      Services
	log      *slog.Logger
	throttle *throttle.Failures
	signups  *throttle.Failures // registrations per address
	secret   []byte             // for SASL's fake credentials of unknown users
	endPoint []byte             // tls-server-end-point channel binding of our certificate
	modules  []*module
	iq       map[string]iqHandler
	caps     capsCache
	capsVer  string // of the server's disco#info (XEP-0115)
	avatars  avatars
	rooms    *rooms // who is in which room (muc.go)
	bosh     boshSessions
	comps    *components // external components (component.go)
	sm       smRegistry
	pushes   pushRegistry // push.go

	lns      []net.Listener
	httpSrvs []*http.Server
	wg       sync.WaitGroup
	mu       sync.Mutex
	sessions map[*session]struct{}
	stopping bool
}

// New returns an adapter; Start opens its listeners.
func New(opts Options, svc Services, log *slog.Logger) *Server {
	s := &Server{
		opts: opts, svc: svc, log: log.With("component", "xmpp"),
		throttle: throttle.NewFailures(opts.LoginFailuresPerMinute),
		signups:  throttle.NewFailures(opts.RegistrationsPerMinute),
		secret:   make([]byte, 32),
		sessions: make(map[*session]struct{}),
		caps:     capsCache{entries: make(map[string]*capsEntry)},
		avatars:  avatars{byID: make(map[int64]*avatar), pending: make(map[int64]*avatar), announced: make(map[int64][2]string)},
	}
	rand.Read(s.secret)
	if opts.TLS != nil && len(opts.TLS.Certificates) > 0 && len(opts.TLS.Certificates[0].Certificate) > 0 {
		s.endPoint, _ = certs.EndPointHash(opts.TLS.Certificates[0].Certificate[0])
	}
	if s.opts.MUCDomain == "" {
		s.opts.MUCDomain = "conference." + opts.Domain
	}
	if s.opts.UploadDomain == "" {
		s.opts.UploadDomain = "upload." + opts.Domain
	}
	s.rooms = newRooms()
	s.comps = newComponents(opts.Components)
	s.modules = modules(opts)
	s.capsVer = capsVer(sha1.New, s.serverInfo())
	s.iq = make(map[string]iqHandler)
	for _, m := range s.modules {
		for ns, h := range m.iq {
			s.iq[ns] = h
		}
	}
	return s
}

// Start opens the listeners.
func (s *Server) Start() error {
	listen := func(addr string, serve func(net.Listener)) error {
		if addr == "" {
			return nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.closeListeners()
			return err
		}
		s.lns = append(s.lns, ln)
		s.wg.Go(func() { serve(ln) })
		return nil
	}
	if err := listen(s.opts.TCPAddr, func(ln net.Listener) { s.acceptTCP(ln, false) }); err != nil {
		return err
	}
	if s.opts.TLS != nil {
		if err := listen(s.opts.TLSAddr, func(ln net.Listener) { s.acceptTCP(ln, true) }); err != nil {
			return err
		}
	}
	if err := listen(s.opts.WSAddr, func(ln net.Listener) { s.serveHTTP(ln, false) }); err != nil {
		return err
	}
	if s.opts.TLS != nil {
		if err := listen(s.opts.WSSAddr, func(ln net.Listener) { s.serveHTTP(ln, true) }); err != nil {
			return err
		}
	}
	if err := listen(s.opts.ComponentAddr, s.acceptComponents); err != nil {
		return err
	}
	for _, ln := range s.lns {
		s.log.Info("XMPP listening", "addr", ln.Addr().String())
	}
	return nil
}

// Addr returns the address of the listener of kind "tcp", "tls", "ws",
// "wss" or "component", or nil.
func (s *Server) Addr(kind string) net.Addr {
	order := []struct {
		kind string
		on   bool
	}{
		{"tcp", s.opts.TCPAddr != ""}, {"tls", s.opts.TLS != nil && s.opts.TLSAddr != ""},
		{"ws", s.opts.WSAddr != ""}, {"wss", s.opts.TLS != nil && s.opts.WSSAddr != ""},
		{"component", s.opts.ComponentAddr != ""},
	}
	i := 0
	for _, o := range order {
		if !o.on {
			continue
		}
		if o.kind == kind {
			if i < len(s.lns) {
				return s.lns[i].Addr()
			}
			return nil
		}
		i++
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, h := range s.httpSrvs {
		h.Close()
	}
	for _, ln := range s.lns {
		ln.Close()
	}
}

// Stop stops accepting, closes every stream with system-shutdown, and waits
// for the sessions to end (or ctx).
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
		ss.closeWith(&xmlstream.StreamError{Condition: "system-shutdown"})
	}
	s.comps.closeAll(&xmlstream.StreamError{Condition: "system-shutdown"})
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) acceptTCP(ln net.Listener, direct bool) {
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
		s.wg.Go(func() {
			t := newTCPTransport(conn, s.opts.IdleTimeout)
			if direct {
				if err := t.startTLS(s.directTLS(), s.opts.NegotiationTimeout); err != nil {
					conn.Close()
					return
				}
			}
			newSession(s, t).run()
		})
	}
}

// directTLS is the TLS configuration of the direct TLS listener, which
// announces xmpp-client by ALPN (XEP-0368).
func (s *Server) directTLS() *tls.Config {
	c := s.opts.TLS.Clone()
	c.NextProtos = []string{"xmpp-client"}
	return c
}

func (s *Server) serveHTTP(ln net.Listener, secure bool) {
	mux := http.NewServeMux()
	mux.HandleFunc("/xmpp-websocket", s.serveWS)
	mux.HandleFunc("GET /.well-known/host-meta", s.serveHostMeta)
	mux.HandleFunc("GET /.well-known/host-meta.json", s.serveHostMeta)
	if s.boshEnabled() {
		mux.HandleFunc(boshPath, s.serveBOSH)
	}
	h := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.httpSrvs = append(s.httpSrvs, h)
	s.mu.Unlock()
	if secure {
		c := s.opts.TLS.Clone()
		c.NextProtos = []string{"http/1.1"}
		ln = tls.NewListener(ln, c)
	}
	h.Serve(ln)
}

// serveWS upgrades to an RFC 7395 session. Browsers connect from any
// origin; a session is only as good as the password it authenticates with.
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{"xmpp"}, InsecureSkipVerify: true,
	})
	if err != nil {
		return
	}
	if conn.Subprotocol() != "xmpp" {
		conn.Close(websocket.StatusProtocolError, "the xmpp subprotocol is required")
		return
	}
	conn.SetReadLimit(int64(s.opts.Limits.MaxStanzaBytes))
	addr, _ := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	s.wg.Add(1)
	defer s.wg.Done()
	newSession(s, newWSTransport(conn, addr, r.TLS, s.opts.IdleTimeout)).run()
}

// track adds or removes a live connection; during Stop a new one is closed
// straight away.
func (s *Server) track(ss *session, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.sessions, ss)
		return true
	}
	if s.stopping {
		return false
	}
	s.sessions[ss] = struct{}{}
	return true
}
