package xmpp_test

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"hermod/internal/config"
	"hermod/internal/domain/user"
	"hermod/internal/server"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const domain = "example.test"

// env is a whole hermod node on loopback ports, as `hermod serve` runs it.
type env struct {
	t   testing.TB
	srv *server.Server
}

func newEnv(t testing.TB, mut ...func(*config.Config)) *env {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir, cfg.Domain = t.TempDir(), domain
	cfg.Turms.TCPAddr, cfg.Turms.WSAddr = "127.0.0.1:0", ""
	cfg.XMPP.TCPAddr, cfg.XMPP.TLSAddr, cfg.XMPP.WSAddr, cfg.XMPP.WSSAddr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Admin.Addr = ""
	cfg.Storage.Addr = "127.0.0.1:0"
	for _, f := range mut {
		f(&cfg)
	}
	level := slog.LevelWarn
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	var w io.Writer = io.Discard
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		w = os.Stderr
	}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})))
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
	return &env{t: t, srv: srv}
}

func (e *env) addr(kind string) string { return e.srv.XMPP().Addr(kind).String() }

// user adds an account with password "pw-<id>".
func (e *env) user(id int64, name, loginName string) {
	e.t.Helper()
	_, err := e.srv.Users().Add(context.Background(), user.NewUser{ID: id, Password: pw(id), Name: name, LoginName: loginName})
	if err != nil {
		e.t.Fatal(err)
	}
}

func pw(id int64) string { return "pw-" + strconv.FormatInt(id, 10) }

func jidOf(id int64) string { return strconv.FormatInt(id, 10) + "@" + domain }

// dial opens a STARTTLS stream.
func (e *env) dial() *xmpptest.Client {
	e.t.Helper()
	c, err := xmpptest.DialTCP(e.addr("tcp"), domain, true)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

// login opens a STARTTLS stream and logs id in with resource.
func (e *env) login(id int64, resource string) *xmpptest.Client {
	e.t.Helper()
	c := e.dial()
	if err := c.Login(strconv.FormatInt(id, 10), pw(id), resource); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// online logs in and sends initial presence, then waits for its echo.
func (e *env) online(id int64, resource string) *xmpptest.Client {
	e.t.Helper()
	c := e.login(id, resource)
	must(e.t, c.SendString(`<presence/>`))
	if _, err := c.Expect(xmpptest.Is("presence", "from", c.JID)); err != nil {
		e.t.Fatal(err)
	}
	return c
}

// turms logs id in over the Turms protocol.
func (e *env) turms(id int64) *turmstest.Client {
	e.t.Helper()
	c, err := turmstest.DialTCP(e.srv.Turms().TCPAddr().String())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { c.Close() })
	if code, err := c.Login(id, pw(id), pb.DeviceType_ANDROID); err != nil || code != 1000 {
		e.t.Fatalf("Turms login: code %d, %v", code, err)
	}
	return c
}

// friends adds Alice (1001) and Bob (1002), who are friends.
func (e *env) friends() {
	e.t.Helper()
	e.user(1001, "Alice", "")
	e.user(1002, "Bob", "")
	e.befriend(1001, 1002)
}

// befriend makes a and b friends through the domain, as accepting a friend
// request does.
func (e *env) befriend(a, b int64) {
	e.t.Helper()
	c := e.turms(a)
	_, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{RecipientId: b, Content: "hi"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	c.Close()
	d := e.turms(b)
	n, err := d.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryFriendRequestsRequest{QueryFriendRequestsRequest: &pb.QueryFriendRequestsRequest{AreSentByMe: false}}})
	if err != nil {
		e.t.Fatal(err)
	}
	reqs := n.GetData().GetUserFriendRequestsWithVersion().GetUserFriendRequests()
	if len(reqs) == 0 {
		e.t.Fatalf("no friend request: %v", n)
	}
	if _, err := d.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{UpdateFriendRequestRequest: &pb.UpdateFriendRequestRequest{
		RequestId: reqs[0].GetId(), ResponseAction: pb.ResponseAction_ACCEPT}}}); err != nil {
		e.t.Fatal(err)
	}
	d.Close()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func expect(t *testing.T, c *xmpptest.Client, match func(*xmlstream.Element) bool) *xmlstream.Element {
	t.Helper()
	el, err := c.Expect(match)
	if err != nil {
		t.Fatal(err)
	}
	return el
}

// q parses XML for a stanza payload.
func q(t *testing.T, s string) *xmlstream.Element {
	t.Helper()
	el, err := xmlstream.Parse([]byte(s), xmlstream.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return el
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
