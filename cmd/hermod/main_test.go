package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"hermod/internal/store/postgres"
	"hermod/internal/store/postgres/pgtest"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmpptest"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hermod-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "hermod")
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hermod: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	http.DefaultClient.CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutine leak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// hermod runs the binary to completion and returns its output.
func hermod(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "HERMOD_LOG__LEVEL=warn")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func mustHermod(t *testing.T, args ...string) string {
	t.Helper()
	out, err := hermod(t, args...)
	if err != nil {
		t.Fatalf("hermod %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// node is a running `hermod serve` child process.
type node struct {
	cmd                      *exec.Cmd
	dataDir                  string
	tcp, ws, xmpp, adminAddr string
	out                      *bytes.Buffer
	exited                   chan struct{}
	exitErr                  error
}

func startNode(t *testing.T, dataDir string, extra ...string) *node {
	t.Helper()
	n := &node{dataDir: dataDir, tcp: freeAddr(t), ws: freeAddr(t), xmpp: freeAddr(t), adminAddr: freeAddr(t), out: &bytes.Buffer{}, exited: make(chan struct{})}
	n.cmd = exec.Command(binary, "serve", "--data-dir", dataDir, "--turms-tcp-addr", n.tcp,
		"--turms-ws-addr", n.ws, "--xmpp-tcp-addr", n.xmpp, "--xmpp-tls-addr=", "--xmpp-ws-addr=", "--xmpp-wss-addr=",
		"--admin-addr", n.adminAddr, "--storage-addr", freeAddr(t), "--log-level", "warn")
	n.cmd.Args = append(n.cmd.Args, extra...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.exitErr = n.cmd.Wait(); close(n.exited) }()
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		<-n.exited
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + n.adminAddr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n
			}
		}
		select {
		case <-n.exited:
			t.Fatalf("hermod serve exited: %v\n%s", n.exitErr, n.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hermod serve did not become ready\n%s", n.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func login(t *testing.T, addr string, id int64, pw string) *turmstest.Client {
	t.Helper()
	c, err := turmstest.DialTCP(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	code, err := c.Login(id, pw, pb.DeviceType_DESKTOP)
	if err != nil || code != 1000 {
		t.Fatalf("login %d: code %d, %v", id, code, err)
	}
	return c
}

func TestServeHelpListsEveryFlag(t *testing.T) {
	out := mustHermod(t, "serve", "--help")
	for _, f := range []string{"--turms-tcp-addr", "--turms-ws-addr", "--admin-addr", "--data-dir", "--config",
		"--messages-recall-window", "--turms-heartbeat-timeout", "--users-scram-iterations"} {
		if !strings.Contains(out, f) {
			t.Errorf("serve --help lacks %s", f)
		}
	}
}

func TestUserCommandsWithoutServer(t *testing.T) { userCommandsWithoutServer(t) }

// onPostgres points the hermod processes this test starts (they inherit
// the environment) at a PostgreSQL schema of the test's own.
func onPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	t.Setenv("HERMOD_STORE__DRIVER", "postgres")
	t.Setenv("HERMOD_STORE__POSTGRES_DSN", dsn)
	t.Cleanup(func() { // after the nodes are gone, before the schema is
		st, err := postgres.Open(context.Background(), dsn, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if n, err := st.Users().Count(context.Background()); err != nil || n == 0 {
			t.Errorf("%d users in PostgreSQL (%v): the nodes did not use it", n, err)
		}
	})
}

// TestUserCommandsWithoutServerOnPostgres: the user commands open a
// PostgreSQL store as they open SQLite's, and a node on it sees the users.
func TestUserCommandsWithoutServerOnPostgres(t *testing.T) {
	onPostgres(t)
	userCommandsWithoutServer(t)
}

func userCommandsWithoutServer(t *testing.T) {
	dir := t.TempDir()
	noAdmin := "--admin-addr=127.0.0.1:1" // nothing listens there: the store is opened directly
	mustHermod(t, "user", "add", "--data-dir", dir, noAdmin, "--id", "1001", "--password", "pw", "--name", "Alice", "--login-name", "alice")
	mustHermod(t, "user", "add", "--data-dir", dir, noAdmin, "--id", "1002", "--password", "pw", "--name", "Bob")
	if out, err := hermod(t, "user", "add", "--data-dir", dir, noAdmin, "--id", "1002", "--password", "pw"); err == nil {
		t.Fatalf("duplicate id accepted: %s", out)
	}
	out := mustHermod(t, "user", "list", "--data-dir", dir, noAdmin)
	if !strings.Contains(out, "1001") || !strings.Contains(out, "alice") || !strings.Contains(out, "Bob") {
		t.Fatalf("list:\n%s", out)
	}
	mustHermod(t, "user", "passwd", "--data-dir", dir, noAdmin, "--id", "1001", "--password", "newpw")
	mustHermod(t, "user", "deactivate", "--data-dir", dir, noAdmin, "--id", "1002")
	out = mustHermod(t, "user", "list", "--data-dir", dir, noAdmin, "--json")
	if !strings.Contains(out, `"id":1002`) || !strings.Contains(out, `"active":false`) {
		t.Fatalf("list --json:\n%s", out)
	}
	// The changes are real: the server started on this data dir honours them.
	n := startNode(t, dir)
	login(t, n.tcp, 1001, "newpw")
	c, _ := turmstest.DialTCP(n.tcp)
	defer c.Close()
	if code, _ := c.Login(1002, "pw", pb.DeviceType_DESKTOP); code != 2012 {
		t.Fatalf("deactivated user logged in: %d", code)
	}
}

func TestUserCommandsThroughRunningServer(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	adminFlag := "--admin-addr=" + n.adminAddr
	mustHermod(t, "user", "add", "--data-dir", dir, adminFlag, "--id", "1001", "--password", "pw", "--name", "Alice")
	c := login(t, n.tcp, 1001, "pw")
	// Deactivating through the running server disconnects the user at once.
	mustHermod(t, "user", "deactivate", "--data-dir", dir, adminFlag, "--id", "1001")
	if ntf, err := c.WaitClosed(); err != nil || ntf.GetCloseStatus() != 700 {
		t.Fatalf("after deactivation: %v %v", ntf, err)
	}
}

func TestSIGTERMClosesSessionsAndExitsZero(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	mustHermod(t, "user", "add", "--data-dir", dir, "--admin-addr="+n.adminAddr, "--id", "1001", "--password", "pw")
	c := login(t, n.tcp, 1001, "pw")
	x, err := xmpptest.DialTCP(n.xmpp, "localhost", true)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if err := x.Login("1001", "pw", "r"); err != nil {
		t.Fatal(err)
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	if ntf, err := c.WaitClosed(); err != nil || ntf.GetCloseStatus() != 201 {
		t.Fatalf("close on SIGTERM: %v %v", ntf, err)
	}
	if el, err := x.Closed(); err != nil || el.Child("urn:ietf:params:xml:ns:xmpp-streams", "system-shutdown") == nil {
		t.Fatalf("XMPP stream on SIGTERM: %v %v", el, err)
	}
	select {
	case <-n.exited:
		if n.exitErr != nil {
			t.Fatalf("exit: %v\n%s", n.exitErr, n.out)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("hermod did not exit after SIGTERM")
	}
}

// TestCrashKeepsAcknowledgedMessages kills the server with SIGKILL while
// clients send, restarts it, and checks that every message that got a
// success response is in the store.
func TestCrashKeepsAcknowledgedMessages(t *testing.T) { crashKeepsAcknowledgedMessages(t) }

// TestCrashKeepsAcknowledgedMessagesOnPostgres is the same on PostgreSQL:
// users created through the admin API, Turms messages sent, acknowledged
// only once committed, and read back from a restarted node.
func TestCrashKeepsAcknowledgedMessagesOnPostgres(t *testing.T) {
	onPostgres(t)
	crashKeepsAcknowledgedMessages(t)
}

// scrape returns the value of a metric without labels on n's /metrics.
func scrape(t *testing.T, n *node, name string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + n.adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

func crashKeepsAcknowledgedMessages(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	const senders = 4
	for i := range senders + 1 {
		mustHermod(t, "user", "add", "--data-dir", dir, "--admin-addr="+n.adminAddr,
			"--id", fmt.Sprint(1001+i), "--password", "pw")
	}
	var mu sync.Mutex
	acked := map[int64]int64{} // message id -> sender
	var wg sync.WaitGroup
	for i := range senders {
		sender := int64(1001 + i)
		c := login(t, n.tcp, sender, "pw")
		wg.Go(func() {
			for k := 0; ; k++ {
				ntf, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
					RecipientId: proto.Int64(1001 + senders), Text: proto.String(fmt.Sprintf("m%d-%d", sender, k)),
				}}})
				if err != nil {
					return // the server died
				}
				if ntf.GetCode() == 1000 {
					mu.Lock()
					acked[ntf.GetData().GetLong()] = sender
					mu.Unlock()
				}
			}
		})
	}
	// Let messages flow, then kill the server mid-stream.
	for {
		mu.Lock()
		k := len(acked)
		mu.Unlock()
		if k >= 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The store's commits are on /metrics (group commit: messages share
	// them, so there are some, and fewer than messages stored).
	if commits, stored := scrape(t, n, "hermod_store_commits_total"), scrape(t, n, "hermod_messages_stored_total"); commits < 1 || commits > stored+2*(senders+1) {
		t.Errorf("/metrics: %v commits for %v messages stored", commits, stored)
	}
	n.cmd.Process.Kill()
	wg.Wait()
	<-n.exited

	n2 := startNode(t, dir)
	r := login(t, n2.tcp, 1001+senders, "pw")
	ntf, err := r.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		AreGroupMessages: proto.Bool(false), MaxCount: proto.Int32(1000),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]bool{}
	for _, m := range ntf.GetData().GetMessages().GetMessages() {
		stored[m.GetId()] = true
	}
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	t.Logf("%d messages acknowledged before SIGKILL, %d stored", len(acked), len(stored))
	if missing > 0 {
		t.Fatalf("%d acknowledged messages were lost", missing)
	}
}
