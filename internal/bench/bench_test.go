package bench

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"hermod/internal/config"
	"hermod/internal/server"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testDomain = "bench.test"
	testToken  = "bench-token"
)

// node is a whole hermod node on loopback ports, with the admin API.
type node struct {
	srv   *server.Server
	admin string
}

func newNode(t *testing.T) *node {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Domain = t.TempDir(), testDomain
	cfg.Turms.TCPAddr, cfg.Turms.WSAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.XMPP.TCPAddr, cfg.XMPP.TLSAddr, cfg.XMPP.WSAddr, cfg.XMPP.WSSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", ""
	cfg.XMPP.RequireTLS = false // the tcp transport is plain
	cfg.Admin.Addr, cfg.Admin.Token = "127.0.0.1:0", testToken
	cfg.Storage.Addr = "127.0.0.1:0"
	// A load from one address is no abuse here.
	cfg.Turms.RequestsPerSecond, cfg.Turms.IPRequestsPerSecond, cfg.Turms.LoginFailuresPerMinute = 0, 0, 0
	cfg.XMPP.StanzasPerSecond, cfg.XMPP.LoginFailuresPerMinute = 0, 0
	var w io.Writer = io.Discard
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		w = os.Stderr
	}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return &node{srv: srv, admin: "http://" + srv.Admin().Addr().String()}
}

// target is the address of a protocol and transport of the node.
func (n *node) target(protocol, transport string) string {
	if protocol == "turms" {
		if transport == "ws" {
			return "ws://" + n.srv.Turms().WSAddr().String()
		}
		return n.srv.Turms().TCPAddr().String()
	}
	switch transport {
	case "ws":
		return "ws://" + n.srv.XMPP().Addr("ws").String() + "/xmpp-websocket"
	case "tls":
		return n.srv.XMPP().Addr("tls").String()
	}
	return n.srv.XMPP().Addr("tcp").String()
}

// config is a small run against the node, its accounts provisioned.
func (n *node) config(scenario, protocol, transport string) Config {
	c := DefaultConfig()
	c.Scenario, c.Protocol, c.Transport = scenario, protocol, transport
	c.Target, c.Domain = n.target(protocol, transport), testDomain
	c.Provision, c.AdminToken = n.admin, testToken
	c.Users, c.FirstID = 40, 100000
	c.Duration, c.ReportEvery, c.Drain = time.Second, 0, 10*time.Second
	c.Concurrency = 8
	return c
}

func run(t *testing.T, c Config) *Result {
	t.Helper()
	var progress bytes.Buffer
	res, err := Run(context.Background(), c, &progress)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, progress.String())
	}
	if res.Errors != 0 {
		t.Fatalf("%d errors: %v\n%s", res.Errors, res.ErrorSamples, progress.String())
	}
	return res
}

var transports = []struct{ protocol, transport string }{
	{"xmpp", "tcp"}, {"xmpp", "starttls"}, {"xmpp", "tls"}, {"xmpp", "ws"}, {"turms", "tcp"}, {"turms", "ws"},
}

func TestIdle(t *testing.T) {
	n := newNode(t)
	for _, tr := range transports {
		t.Run(tr.protocol+"-"+tr.transport, func(t *testing.T) {
			c := n.config("idle", tr.protocol, tr.transport)
			c.Sessions, c.Duration = 20, 200*time.Millisecond
			res := run(t, c)
			if res.SessionsHeld != 20 || res.SessionsRequested != 20 || res.Logins != 20 {
				t.Fatalf("held %d of %d after %d logins", res.SessionsHeld, res.SessionsRequested, res.Logins)
			}
			if res.LatencyOf != "login" || res.LatencyP50Ms <= 0 || res.LatencyMaxMs < res.LatencyP99Ms || res.LoginsPerS <= 0 {
				t.Fatalf("login latency and rate: %+v", res)
			}
		})
	}
}

// TestIdleSharedAccounts holds more sessions than there are accounts: an
// account's sessions get resources (XMPP) or device types (Turms) of
// their own, so none replaces another.
func TestIdleSharedAccounts(t *testing.T) {
	n := newNode(t)
	for _, protocol := range []string{"xmpp", "turms"} {
		t.Run(protocol, func(t *testing.T) {
			c := n.config("idle", protocol, "tcp")
			c.Users, c.Sessions, c.Duration = 4, 20, 200*time.Millisecond
			if res := run(t, c); res.SessionsHeld != 20 {
				t.Fatalf("held %d of 20", res.SessionsHeld)
			}
		})
	}
}

func TestChat(t *testing.T) {
	n := newNode(t)
	for _, tr := range transports {
		t.Run(tr.protocol+"-"+tr.transport, func(t *testing.T) {
			c := n.config("chat", tr.protocol, tr.transport)
			c.Pairs, c.Window = 5, 2
			res := run(t, c)
			checkMessages(t, res, 1)
			if res.SessionsHeld != 10 {
				t.Fatalf("held %d sessions, want 10", res.SessionsHeld)
			}
		})
	}
}

// TestChatRate paces messages: the run sends about what the rate asks.
func TestChatRate(t *testing.T) {
	n := newNode(t)
	for _, tr := range []struct{ protocol, transport string }{{"xmpp", "tcp"}, {"turms", "tcp"}} {
		t.Run(tr.protocol, func(t *testing.T) {
			c := n.config("chat", tr.protocol, tr.transport)
			c.Pairs, c.Window, c.Rate, c.BodySize = 4, 8, 200, 100
			res := run(t, c)
			checkMessages(t, res, 1)
			// One second at 200/s: never more than scheduled.
			if res.MessagesSent > 200+int64(c.Pairs) {
				t.Fatalf("sent %d at 200/s for 1s", res.MessagesSent)
			}
		})
	}
}

func TestGroup(t *testing.T) {
	n := newNode(t)
	for _, transport := range []string{"tcp", "ws"} {
		t.Run(transport, func(t *testing.T) {
			c := n.config("group", "turms", transport)
			// Over the default type's 500 members, so the run makes a type.
			c.Users, c.FirstID, c.Members, c.Online, c.Senders, c.Window = 600, 200000, 600, 8, 2, 2
			res := run(t, c)
			checkMessages(t, res, 7)
			if res.SessionsHeld != 8 {
				t.Fatalf("held %d sessions, want 8", res.SessionsHeld)
			}
		})
	}
	// Over XMPP the group is made over Turms and joined as a MUC room.
	for _, transport := range []string{"tcp", "ws"} {
		t.Run("xmpp-"+transport, func(t *testing.T) {
			c := n.config("group", "xmpp", transport)
			c.TurmsTarget = n.target("turms", "tcp")
			c.Users, c.FirstID, c.Members, c.Online, c.Senders, c.Window = 600, 200000, 600, 6, 2, 2
			res := run(t, c)
			checkMessages(t, res, 5)
			if res.SessionsHeld != 6 {
				t.Fatalf("held %d sessions, want 6", res.SessionsHeld)
			}
		})
	}
	// Without the admin API (accounts made beforehand, as above), the
	// group has the default type and its members accept invitations.
	t.Run("invitations", func(t *testing.T) {
		c := n.config("group", "turms", "tcp")
		c.Provision, c.AdminToken = "", ""
		c.Users, c.FirstID, c.Members, c.Online, c.Senders, c.Window = 30, 200000, 30, 5, 1, 1
		res := run(t, c)
		checkMessages(t, res, 4)
		c.Members, c.Users = 501, 600
		if _, err := Run(context.Background(), c, io.Discard); err == nil || !strings.Contains(err.Error(), "--provision") {
			t.Fatalf("a group of 501 without a group type: %v", err)
		}
	})
}

// checkMessages checks that every message sent reached each of its
// recipients, with a latency.
func checkMessages(t *testing.T, res *Result, recipients int64) {
	t.Helper()
	if res.MessagesSent == 0 || res.MessagesDelivered != res.MessagesSent*recipients || res.DeliveriesPerMessage != int(recipients) {
		t.Fatalf("sent %d, delivered %d, want %d each", res.MessagesSent, res.MessagesDelivered, recipients)
	}
	if res.LatencyOf != "delivery" || res.LatencyP50Ms <= 0 || res.LatencyP99Ms < res.LatencyP50Ms || res.LatencyMaxMs < res.LatencyP99Ms {
		t.Fatalf("latency: %+v", res)
	}
	if res.MessagesPerS <= 0 {
		t.Fatalf("messages_per_s %v", res.MessagesPerS)
	}
}

func TestLogin(t *testing.T) {
	n := newNode(t)
	for _, tr := range []struct{ protocol, transport string }{{"xmpp", "tcp"}, {"xmpp", "tls"}, {"turms", "tcp"}} {
		t.Run(tr.protocol+"-"+tr.transport, func(t *testing.T) {
			c := n.config("login", tr.protocol, tr.transport)
			c.Concurrency = 4
			res := run(t, c)
			if res.Logins == 0 || res.LoginsPerS <= 0 || res.LatencyP50Ms <= 0 {
				t.Fatalf("login: %+v", res)
			}
			// Every session was closed again.
			if res.SessionsHeld != 0 {
				t.Fatalf("%d sessions still held", res.SessionsHeld)
			}
		})
	}
}

// TestAccountsFile logs in from a list, as against a server other than
// hermod, and reports a wrong password as an error.
func TestAccountsFile(t *testing.T) {
	n := newNode(t)
	c := n.config("idle", "xmpp", "starttls")
	c.Sessions, c.Duration = 2, 100*time.Millisecond
	run(t, c) // provisions 100000...
	path := t.TempDir() + "/accounts"
	os.WriteFile(path, []byte("# id password\n100000 bench\n\n100001 wrong\n"), 0o600)
	c.Provision, c.AccountsFile, c.Users = "", path, 0
	res, err := Run(context.Background(), c, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if res.SessionsHeld != 1 || res.Errors != 1 || len(res.ErrorSamples) != 1 || !strings.Contains(res.ErrorSamples[0], "not-authorized") {
		t.Fatalf("held %d, errors %d %v", res.SessionsHeld, res.Errors, res.ErrorSamples)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(*Config)
	}{
		{"private address", func(c *Config) { c.Target = "10.0.0.1:5222" }},
		{"public address", func(c *Config) { c.Target = "8.8.8.8:5222" }},
		{"name", func(c *Config) { c.Target = "example.com:5222" }},
		{"websocket url", func(c *Config) { c.Transport, c.Target = "ws", "ws://192.168.1.1:5280/xmpp-websocket" }},
		{"unspecified", func(c *Config) { c.Target = "0.0.0.0:5222" }},
		{"provision", func(c *Config) { c.Provision = "http://10.1.2.3:8510" }},
		{"source address", func(c *Config) { c.SourceAddrs, _ = ParseAddrRange("127.0.0.1,192.168.0.2") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Target, c.Users = "127.0.0.1:5222", 10
			tc.mut(&c)
			_, err := Run(context.Background(), c, io.Discard)
			if err == nil || !(errors.Is(err, ErrNotLoopback) || strings.Contains(err.Error(), "not a loopback")) {
				t.Fatalf("got %v, want a refusal", err)
			}
		})
	}
	for _, ok := range []string{"127.0.0.1:5222", "127.0.0.40:1", "[::1]:5222", "localhost:5222", "ws://127.0.0.1:5280/xmpp-websocket"} {
		if err := CheckLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

// TestPIDSampling samples the test's own process, which holds the server
// and the sessions.
func TestPIDSampling(t *testing.T) {
	n := newNode(t)
	c := n.config("idle", "turms", "tcp")
	c.Sessions, c.Duration, c.PID = 20, 300*time.Millisecond, os.Getpid()
	res := run(t, c)
	if res.PID != os.Getpid() || res.RSSBaselineBytes <= 0 || res.RSSPeakBytes < res.RSSBaselineBytes {
		t.Fatalf("rss: %+v", res)
	}
	if res.RSSPerSessionBytes != (res.RSSPeakBytes-res.RSSBaselineBytes)/20 {
		t.Fatalf("rss per session %d from %d..%d", res.RSSPerSessionBytes, res.RSSBaselineBytes, res.RSSPeakBytes)
	}
	// Logging 20 sessions in costs this process CPU.
	if res.CPUSeconds <= 0 || res.CPUPercent <= 0 {
		t.Fatalf("cpu: %v s, %v%%", res.CPUSeconds, res.CPUPercent)
	}
	if _, err := readProc(1 << 30); err == nil {
		t.Fatal("sampled a process that does not exist")
	}
}

func TestMechanisms(t *testing.T) {
	n := newNode(t)
	for _, tc := range []struct {
		mechanism, transport string
		refused              string
	}{
		{"SCRAM-SHA-256", "starttls", ""},
		{"PLAIN", "tls", ""},
		{"PLAIN", "tcp", "PLAIN over plain TCP"},
	} {
		t.Run(tc.mechanism+"-"+tc.transport, func(t *testing.T) {
			c := n.config("idle", "xmpp", tc.transport)
			c.Mechanism, c.Sessions, c.Duration = tc.mechanism, 3, 100*time.Millisecond
			if tc.refused == "" {
				if res := run(t, c); res.SessionsHeld != 3 {
					t.Fatalf("held %d of 3", res.SessionsHeld)
				}
				return
			}
			if _, err := Run(context.Background(), c, io.Discard); err == nil || !strings.Contains(err.Error(), tc.refused) {
				t.Fatalf("got %v, want a refusal", err)
			}
		})
	}
}

// TestSourceAddrs spreads sessions over local addresses: the server sees
// them come from each.
func TestSourceAddrs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	seen := make(chan string, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			seen <- host
			c.Close()
		}
	}()
	addrs, _ := ParseAddrRange("127.0.0.2-127.0.0.4")
	d := newDialer(addrs, time.Second)
	got := map[string]bool{}
	for range 6 {
		c, err := d.dial(context.Background(), ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		got[<-seen] = true
	}
	if len(got) != 3 || !got["127.0.0.2"] || !got["127.0.0.3"] || !got["127.0.0.4"] {
		t.Fatalf("connections came from %v", got)
	}
	// An IPv6 target with IPv4 sources still connects (from ::1).
	if ln6, err := net.Listen("tcp", "[::1]:0"); err == nil {
		defer ln6.Close()
		go func() {
			if c, err := ln6.Accept(); err == nil {
				c.Close()
			}
		}()
		c, err := d.dial(context.Background(), ln6.Addr().String())
		if err != nil {
			t.Fatalf("IPv6 target: %v", err)
		}
		c.Close()
	}
}
