package turms_test

import (
	"context"
	"hermod/internal/netpoll"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"hermod/internal/domain/group"
	"hermod/internal/domain/message"
	"hermod/internal/domain/nearby"
	"hermod/internal/domain/presence"
	"hermod/internal/domain/relation"
	"hermod/internal/domain/setting"
	"hermod/internal/domain/storage"
	"hermod/internal/domain/user"
	"hermod/internal/idgen"
	"hermod/internal/metrics"
	"hermod/internal/router"
	"hermod/internal/store/sqlite"
	"hermod/internal/turms"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// env is a Turms server on loopback over a real SQLite store.
type env struct {
	t      testing.TB
	srv    *turms.Server
	users  *user.Service
	groups *group.Service
	store  *sqlite.Store
	// filesURL is the file listener's base URL.
	filesURL string
	metrics  *metrics.Metrics
	tcp      string
	wsURL    string
	stopped  bool
	poller   *netpoll.Poller
}

type envOptions struct {
	turms    turms.Options
	messages message.Options
	relation relation.Options
	presence presence.Options
	users    user.Options
	groups   group.Options
	nearby   nearby.Options
	storage  storage.Options
	// noStorage leaves the file store out.
	noStorage bool
}

func newEnv(t testing.TB, tweak ...func(*envOptions)) *env {
	t.Helper()
	o := envOptions{turms: turms.DefaultOptions(), messages: message.DefaultOptions(), relation: relation.DefaultOptions(), users: user.DefaultOptions(), groups: group.DefaultOptions(), nearby: nearby.DefaultOptions(), storage: storage.DefaultOptions()}
	o.turms.TCPAddr, o.turms.WSAddr = "127.0.0.1:0", "127.0.0.1:0"
	poller, err := netpoll.New()
	if err != nil {
		t.Fatal(err)
	}
	o.turms.Poller = poller
	for _, f := range tweak {
		f(&o)
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hermod.db"))
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := idgen.New(1)
	rt := router.New()
	users := user.New(st, rt, ids, o.users)
	rels := relation.New(st, rt, ids, o.relation)
	msgs := message.New(st, rt, ids, users, rels, o.messages)
	pres := presence.New(st, rt, rt, o.presence)
	groups, err := group.New(context.Background(), st, rt, ids, rt, o.groups)
	if err != nil {
		t.Fatal(err)
	}
	msgs.UseGroups(groups)
	settings := setting.New(st, rt, rels, groups, setting.DefaultOptions())
	locations := nearby.New(rt, o.nearby)
	var files *storage.Service
	var filesURL string
	if !o.noStorage {
		var h http.Handler
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
		t.Cleanup(hs.Close)
		so := o.storage
		so.Dir, so.PublicURL = filepath.Join(t.TempDir(), "files"), hs.URL
		if files, err = storage.New(st, ids, groups, rels, so); err != nil {
			t.Fatal(err)
		}
		h, filesURL = files.Handler(), hs.URL
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("HERMOD_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	m := metrics.New()
	srv := turms.New(o.turms, turms.Services{Users: users, Relations: rels, Messages: msgs, Groups: groups, Settings: settings, Nearby: locations, Storage: files, Presence: pres, Router: rt, Metrics: m}, log)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, users: users, groups: groups, store: st, filesURL: filesURL, metrics: m, tcp: srv.TCPAddr().String(), wsURL: "ws://" + srv.WSAddr().String(), poller: poller}
	t.Cleanup(func() {
		e.stop()
		poller.Close()
		st.Close()
	})
	return e
}

func (e *env) stop() {
	if e.stopped {
		return
	}
	e.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.srv.Stop(ctx); err != nil {
		e.t.Errorf("stop: %v", err)
	}
}

// addUser creates an account with password "pw<id>".
func (e *env) addUser(id int64, name string) {
	e.t.Helper()
	if _, err := e.users.Add(context.Background(), user.NewUser{ID: id, Password: pwOf(id), Name: name}); err != nil {
		e.t.Fatal(err)
	}
}

func pwOf(id int64) string { return "pw" + itoa(id) }

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// dial connects over TCP (ws=false) or WebSocket.
func (e *env) dial(ws bool) *turmstest.Client {
	e.t.Helper()
	var c *turmstest.Client
	var err error
	if ws {
		c, err = turmstest.DialWS(e.wsURL)
	} else {
		c, err = turmstest.DialTCP(e.tcp)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	return c
}

// login dials and logs in as id on device, and consumes the user_session push.
func (e *env) login(id int64, ws bool, device pb.DeviceType) *turmstest.Client {
	e.t.Helper()
	c := e.dial(ws)
	code, err := c.Login(id, pwOf(id), device)
	if err != nil {
		e.t.Fatal(err)
	}
	if code != 1000 {
		e.t.Fatalf("login of %d: code %d", id, code)
	}
	n, err := c.NextPush(func(n *pb.TurmsNotification) bool { return n.GetData().GetUserSession() != nil })
	if err != nil {
		e.t.Fatalf("no user_session push: %v", err)
	}
	if n.GetData().GetUserSession().GetSessionId() == "" {
		e.t.Fatal("empty session id")
	}
	return c
}

// send sends req and fails the test on a transport error.
func send(t testing.TB, c *turmstest.Client, req *pb.TurmsRequest) *pb.TurmsNotification {
	t.Helper()
	n, err := c.Send(req)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// mustCode sends req and checks the response code.
func mustCode(t testing.TB, c *turmstest.Client, want int32, req *pb.TurmsRequest) *pb.TurmsNotification {
	t.Helper()
	n := send(t, c, req)
	if n.GetCode() != want {
		t.Fatalf("code %d (%s), want %d", n.GetCode(), n.GetReason(), want)
	}
	return n
}

// relayed waits for a relayed request that satisfies match.
func relayed(t *testing.T, c *turmstest.Client, match func(*pb.TurmsNotification) bool) *pb.TurmsNotification {
	t.Helper()
	n, err := c.NextPush(func(n *pb.TurmsNotification) bool { return n.RelayedRequest != nil && match(n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func userNew(id int64, inactive bool) user.NewUser {
	return user.NewUser{ID: id, Password: pwOf(id), Name: "u" + itoa(id), Inactive: inactive}
}
