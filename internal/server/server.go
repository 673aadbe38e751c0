// Package server assembles a hermod node: it opens the store, builds the
// domain services and the router, and runs the protocol adapters and the
// admin API, with one lifecycle (New provisions, Start listens, Stop drains).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"

	"crypto/tls"

	"hermod/internal/admin"
	"hermod/internal/certs"
	"hermod/internal/cluster"
	"hermod/internal/config"
	"hermod/internal/domain/group"
	"hermod/internal/domain/message"
	"hermod/internal/domain/nearby"
	"hermod/internal/domain/presence"
	"hermod/internal/domain/relation"
	"hermod/internal/domain/setting"
	"hermod/internal/domain/user"
	"hermod/internal/idgen"
	"hermod/internal/metrics"
	"hermod/internal/netpoll"
	"hermod/internal/router"
	"hermod/internal/store/backend"
	"hermod/internal/turms"
	"hermod/internal/xmpp"
	"hermod/internal/xmpp/xmlstream"
)

// Version is the running build's version, reported to XMPP clients.
var Version = "dev"

// Server is one hermod node.
type Server struct {
	cfg     config.Config
	log     *slog.Logger
	store   backend.Store
	router  *router.Router
	metrics *metrics.Metrics
	users   *user.Service
	rels    *relation.Service
	groups  *group.Service
	turms   *turms.Server
	xmpp    *xmpp.Server
	admin   *admin.Server
	files   *files
	poller  *netpoll.Poller
	cluster *cluster.Node // nil on a node of its own
	nodeID  int
}

// New provisions a node from cfg: it creates the data directory, opens
// (and migrates) the store and builds the services. Nothing listens yet.
func New(cfg config.Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	node, nodeID, err := joinCluster(cfg, log)
	if err != nil {
		return nil, err
	}
	provisioned := false
	defer func() {
		if node != nil && !provisioned {
			node.Close()
		}
	}()
	ids, err := idgen.New(nodeID)
	if err != nil {
		return nil, err
	}
	st, err := backend.Open(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("opening the store (%s): %w", backend.Describe(cfg), err)
	}
	s := &Server{cfg: cfg, log: log, store: st, router: router.New(), metrics: metrics.New(), cluster: node, nodeID: nodeID}
	if cs, ok := st.(interface{ CommitStats() (int64, int64) }); ok {
		s.metrics.StoreCommits(cs.CommitStats)
	}
	if node != nil {
		s.metrics.ClusterUnroutable(node.Unroutable)
	}

	uo := user.DefaultOptions()
	uo.Iterations = cfg.Users.ScramIterations
	uo.PasswordMemo = cfg.Users.PasswordMemo
	uo.NotifyRelatedUsersOfProfileChange = cfg.Users.NotifyRelatedUsersOfProfileChange
	if node != nil {
		uo.Changed = func(id int64) { node.Broadcast(userTopic, id) }
	}
	s.users = user.New(st, s.router, ids, uo)

	ro := relation.DefaultOptions()
	ro.MaxContentLength = cfg.Relations.MaxContentLength
	ro.FriendRequestTTLMillis = cfg.Relations.FriendRequestTTL.Milliseconds()
	ro.AllowRecall = cfg.Relations.AllowRecallFriendRequest
	ro.AllowResendAfterDecline = cfg.Relations.AllowResendAfterDecline
	ro.DeleteTwoSided = cfg.Relations.DeleteTwoSided
	ro.NotifyRelatedUser = cfg.Relations.NotifyRelatedUser
	if node != nil {
		ro.Changed = func(id int64) { node.Broadcast(relationTopic, id) }
	}
	rels := relation.New(st, s.router, ids, ro)
	s.rels = rels

	mo := message.DefaultOptions()
	mc := cfg.Messages
	mo.MaxTextLength, mo.MaxRecordsBytes = mc.MaxTextLength, mc.MaxRecordsBytes
	mo.AllowStrangers, mo.AllowToSelf = mc.AllowStrangers, mc.AllowToSelf
	mo.AllowRecall, mo.AllowEdit = mc.AllowRecall, mc.AllowEdit
	mo.RecallWindowMillis = mc.RecallWindow.Milliseconds()
	mo.AllowTyping, mo.AllowReadDate = mc.AllowTyping, mc.AllowReadDate
	mo.NotifyContactOfReadDate = mc.NotifyContactOfReadDate
	mo.UpdateReadDateAfterSend = mc.UpdateReadDateAfterSend
	mo.NotifyGroupMembersOfReadDate = mc.NotifyGroupOfReadDate
	mo.MaxReactionsPerUser = mc.MaxReactionsPerUser
	watched := &watchedPublisher{Publisher: s.router} // XMPP push notifications watch messages
	msgs := message.New(st, watched, ids, s.users, rels, mo)

	gro := group.DefaultOptions()
	gro.ActivateGroupWhenCreated = cfg.Groups.ActivateWhenCreated
	gro.AllowOwnerChangeGroupType = cfg.Groups.AllowOwnerChangeType
	gro.NotifyMembersOfMemberUpdate = cfg.Groups.NotifyMembersOfMemberUpdate
	gro.Enrollment.InvitationTTLMillis = cfg.Groups.InvitationTTL.Milliseconds()
	gro.Enrollment.JoinRequestTTLMillis = cfg.Groups.JoinRequestTTL.Milliseconds()
	gro.Enrollment.AllowRecallInvitation = cfg.Groups.AllowRecallInvitation
	gro.Enrollment.AllowRecallJoinRequest = cfg.Groups.AllowRecallJoinRequest
	if node != nil {
		gro.Changed = func(id int64) { node.Broadcast(groupTopic, id) }
	}
	groups, err := group.New(context.Background(), st, s.router, ids, s.router, gro)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("starting the group service: %w", err)
	}
	msgs.UseGroups(groups)
	s.groups = groups
	settings := setting.New(st, s.router, rels, groups, setting.DefaultOptions())
	lo := nearby.DefaultOptions()
	lo.Enabled, lo.MaxCount, lo.MaxDistanceMeters = cfg.Location.Enabled, cfg.Location.MaxNearbyUsers, cfg.Location.MaxDistanceMeters
	lo.DefaultMaxCount, lo.DefaultMaxDistanceMeters = min(lo.DefaultMaxCount, lo.MaxCount), min(lo.DefaultMaxDistanceMeters, lo.MaxDistanceMeters)
	lo.TTLMillis = cfg.Location.TTL.Milliseconds()
	locations := nearby.New(s.router, lo)
	if s.files, err = newFiles(cfg, st, ids, groups, rels); err != nil {
		st.Close()
		return nil, fmt.Errorf("starting the file store: %w", err)
	}

	pres := presence.New(st, s.router, s.router, presence.Options{NotifyRelatedUsers: cfg.Presence.NotifyRelatedUsers})

	tc := cfg.Turms
	to := turms.Options{
		TCPAddr: tc.TCPAddr, WSAddr: tc.WSAddr, ServerID: fmt.Sprintf("hermod-%d", nodeID),
		MaxFrameBytes: tc.MaxFrameBytes, LoginTimeout: tc.LoginTimeout, HeartbeatTimeout: tc.HeartbeatTimeout,
		ExclusiveDeviceSessions: tc.ExclusiveDeviceSessions, LoginFailuresPerMinute: tc.LoginFailuresPerMinute,
		RequestsPerSecond: tc.RequestsPerSecond, RequestBurst: tc.RequestBurst,
		IPRequestsPerSecond: tc.IPRequestsPerSecond, IPRequestBurst: tc.IPRequestBurst,
		MaxSessionsPerUser: tc.MaxSessionsPerUser, SendQueue: tc.SendQueue,
	}
	if s.poller, err = netpoll.New(); err != nil {
		st.Close()
		return nil, fmt.Errorf("starting the connection poller: %w", err)
	}
	s.metrics.ParkedConnections(s.poller.Parked)
	to.Poller = s.poller
	s.turms = turms.New(to, turms.Services{
		Users: s.users, Relations: rels, Messages: msgs, Groups: groups, Settings: settings, Nearby: locations, Storage: s.files.service(), Presence: pres, Router: s.router, Metrics: s.metrics,
	}, log)

	xc := cfg.XMPP
	xo := xmpp.Options{
		Domain: cfg.Domain, TCPAddr: xc.TCPAddr, TLSAddr: xc.TLSAddr, WSAddr: xc.WSAddr, WSSAddr: xc.WSSAddr,
		RequireTLS: xc.RequireTLS, Limits: xmlstream.Limits{MaxStanzaBytes: xc.MaxStanzaBytes, MaxDepth: xc.MaxDepth},
		NegotiationTimeout: xc.NegotiationTimeout, IdleTimeout: xc.IdleTimeout, KeepAlive: xc.KeepAlive,
		LoginFailuresPerMinute: xc.LoginFailuresPerMinute, StanzasPerSecond: xc.StanzasPerSecond,
		StanzaBurst: xc.StanzaBurst, SendQueue: xc.SendQueue, MaxResources: xc.MaxResources, DeviceType: config.DeviceTypes[xc.DeviceType],
		AllowRegistration: xc.AllowRegistration, RegistrationsPerMinute: xc.RegistrationsPerMinute, OfflineMessages: xc.OfflineMessages, Version: Version,
		PEPMaxNodes: xc.PEPMaxNodes, PEPMaxItems: xc.PEPMaxItems, PEPMaxItemBytes: xc.PEPMaxItemBytes, PrivateMaxBytes: xc.PrivateMaxBytes,
		MUCDomain: xc.MUCDomain, MUCHistory: xc.MUCHistory, TypingPause: xc.TypingPause, UploadDomain: xc.UploadDomain,
		PublicWebURL: xc.PublicWebURL, BOSHMaxWait: xc.BOSHMaxWait, BOSHInactivity: xc.BOSHInactivity, BOSHPolling: xc.BOSHPolling, ComponentAddr: xc.ComponentAddr,
		TURNSecret: xc.TURNSecret, TURNCredentialTTL: xc.TURNCredentialTTL, BOSHSessionsPerMinute: xc.BOSHSessionsPerMinute,
		SMResumeTimeout: xc.SMResumeTimeout, SMMaxUnacked: xc.SMMaxUnacked, PushBody: xc.PushBody,
	}
	if xo.Components, err = cfg.ComponentSecrets(); err != nil {
		st.Close()
		s.poller.Close()
		return nil, err
	}
	if xo.ExternalServices, err = xmpp.ParseExternalServices(xc.ExternalServices); err != nil {
		st.Close()
		s.poller.Close()
		return nil, fmt.Errorf("xmpp.external_services: %w", err)
	}
	if xc.TCPAddr != "" || xc.TLSAddr != "" || xc.WSSAddr != "" {
		cert, generated, err := certs.Load(xc.CertFile, xc.KeyFile, cfg.DataDir, cfg.Domain)
		if err != nil {
			st.Close()
			s.poller.Close()
			return nil, fmt.Errorf("loading the XMPP certificate: %w", err)
		}
		if generated {
			log.Warn("generated a self-signed certificate for XMPP; clients will ask to trust it (set xmpp.cert_file and xmpp.key_file for a real one)",
				"path", cfg.DataDir+"/xmpp-cert.pem", "domain", cfg.Domain)
		}
		xo.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	xo.Poller = s.poller
	if node != nil {
		xo.Changed = node.Broadcast
	}
	s.xmpp = xmpp.New(xo, xmpp.Services{
		Store: st, Users: s.users, Relations: rels, Messages: msgs, Presence: pres, Router: s.router, Metrics: s.metrics,
		Storage: s.files.service(), Groups: groups,
	}, log)
	watched.watch(s.xmpp.Observe)

	if cfg.Admin.Addr != "" {
		token, err := admin.LoadOrCreateToken(cfg.Admin.Token, cfg.DataDir)
		if err != nil {
			st.Close()
			s.poller.Close()
			return nil, err
		}
		s.admin = admin.New(admin.Options{
			Addr: cfg.Admin.Addr, Token: token, Users: s.users, Groups: groups, Ready: st.Ping, Metrics: s.metrics, Log: log,
		})
	}
	provisioned = true
	return s, nil
}

// Start opens every listener. On error, whatever started is stopped.
func (s *Server) Start(ctx context.Context) error {
	if err := s.attachCluster(); err != nil {
		return err
	}
	if err := s.turms.Start(); err != nil {
		return fmt.Errorf("starting the Turms listeners: %w", err)
	}
	if err := s.xmpp.Start(); err != nil {
		s.turms.Stop(ctx)
		return fmt.Errorf("starting the XMPP listeners: %w", err)
	}
	if s.admin != nil {
		if err := s.admin.Start(); err != nil {
			s.turms.Stop(ctx)
			s.xmpp.Stop(ctx)
			return fmt.Errorf("starting the admin API: %w", err)
		}
	}
	if err := s.files.start(); err != nil {
		s.turms.Stop(ctx)
		s.xmpp.Stop(ctx)
		if s.admin != nil {
			s.admin.Shutdown(ctx)
		}
		return err
	}
	s.log.Info("hermod started", "data_dir", s.cfg.DataDir, "domain", s.cfg.Domain, "store", backend.Describe(s.cfg))
	return nil
}

// Stop stops accepting, closes every session with SERVER_CLOSED, and
// flushes and closes the store.
func (s *Server) Stop(ctx context.Context) error {
	var errs []error
	if s.admin != nil {
		errs = append(errs, s.admin.Shutdown(ctx))
	}
	errs = append(errs, s.files.stop(ctx), s.turms.Stop(ctx), s.xmpp.Stop(ctx))
	if s.cluster != nil {
		errs = append(errs, s.cluster.Close())
	}
	errs = append(errs, s.poller.Close(), s.store.Close())
	s.log.Info("hermod stopped")
	return errors.Join(errs...)
}

// ParkedConnections returns how many idle connections are parked.
func (s *Server) ParkedConnections() int { return s.poller.Parked() }

// Turms returns the Turms adapter (its bound addresses, for tests).
func (s *Server) Turms() *turms.Server { return s.turms }

// FilesAddr returns the file listener's bound address (for tests), or nil.
func (s *Server) FilesAddr() net.Addr {
	if s.files == nil || s.files.ln == nil {
		return nil
	}
	return s.files.ln.Addr()
}

// XMPP returns the XMPP adapter (its bound addresses, for tests).
func (s *Server) XMPP() *xmpp.Server { return s.xmpp }

// Admin returns the admin API server, nil when disabled.
func (s *Server) Admin() *admin.Server { return s.admin }

// Users returns the account service.
func (s *Server) Users() *user.Service { return s.users }

// Groups returns the group service.
func (s *Server) Groups() *group.Service { return s.groups }
