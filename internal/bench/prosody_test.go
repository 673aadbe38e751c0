package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// prosodyNode is a real Prosody on a loopback port, with a MUC service,
// plain c2s (no certificate, so no STARTTLS) and SCRAM accounts.
type prosodyNode struct {
	addr     string
	accounts string // the accounts file
	pid      int
}

const prosodyConfig = `pidfile = "%[1]s/prosody.pid"
data_path = "%[1]s/data"
log = { warn = "%[1]s/prosody.log" }
interfaces = { "127.0.0.1" }
c2s_ports = { %[2]d }
c2s_interfaces = { "127.0.0.1" }
c2s_require_encryption = false
modules_enabled = { "roster"; "saslauth"; "disco"; "ping" }
modules_disabled = { "s2s" }
authentication = "internal_hashed"
VirtualHost "localhost"
Component "conference.localhost" "muc"
`

func startProsody(t *testing.T, accounts int) *prosodyNode {
	t.Helper()
	bin, err := exec.LookPath("prosody")
	if err != nil {
		msg := "prosody is not installed: apt-get install prosody"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Prosody runs as its own user when started by root; its directory
	// must be one that user can reach (t.TempDir's is private).
	dir, err := os.MkdirTemp("", "hermod-bench-prosody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	os.Mkdir(filepath.Join(dir, "data"), 0o750)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfgPath := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf(prosodyConfig, dir, port)), 0o644); err != nil {
		t.Fatal(err)
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("prosody")
		if err != nil {
			t.Fatalf("running as root needs the prosody user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chown(p, uid, gid) })
	}
	asProsody := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
		return cmd
	}
	var list strings.Builder
	for i := range accounts {
		id := strconv.Itoa(500000 + i)
		if out, err := asProsody("prosodyctl", "--config", cfgPath, "register", id, "localhost", "pw"+id).CombinedOutput(); err != nil {
			t.Fatalf("prosodyctl register: %v\n%s", err, out)
		}
		fmt.Fprintf(&list, "%s pw%s\n", id, id)
	}
	accountsPath := filepath.Join(dir, "accounts")
	os.WriteFile(accountsPath, []byte(list.String()), 0o644)

	cmd := asProsody(bin, "-F", "--config", cfgPath)
	out, _ := os.Create(filepath.Join(dir, "console.log"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "console.log"))
			t.Fatalf("prosody exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prosody did not listen on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &prosodyNode{addr: addr, accounts: accountsPath, pid: cmd.Process.Pid}
}

// TestProsody runs every scenario against Prosody 0.12: the client
// assumes nothing of hermod's.
func TestProsody(t *testing.T) {
	p := startProsody(t, 8)
	base := func(scenario string) Config {
		c := DefaultConfig()
		c.Scenario, c.Target, c.Domain, c.AccountsFile = scenario, p.addr, "localhost", p.accounts
		c.Duration, c.ReportEvery, c.Drain, c.Concurrency, c.PID = time.Second, 0, 10*time.Second, 4, p.pid
		return c
	}
	t.Run("idle", func(t *testing.T) {
		c := base("idle")
		c.Sessions, c.Duration = 8, 200*time.Millisecond
		res := run(t, c)
		if res.SessionsHeld != 8 || res.Logins != 8 || res.RSSPeakBytes <= 0 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("login", func(t *testing.T) {
		c := base("login")
		c.Concurrency = 2
		if res := run(t, c); res.Logins == 0 || res.LatencyP50Ms <= 0 {
			t.Fatalf("%+v", res)
		}
	})
	t.Run("chat", func(t *testing.T) {
		c := base("chat")
		c.Pairs, c.Window = 3, 2
		checkMessages(t, run(t, c), 1)
	})
	t.Run("group", func(t *testing.T) {
		c := base("group")
		c.Room, c.Online, c.Senders, c.Window = "bench@conference.localhost", 5, 2, 2
		checkMessages(t, run(t, c), 4)
		// Again, into the room that now exists.
		checkMessages(t, run(t, c), 4)
	})
	t.Run("wrong password", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "accounts")
		os.WriteFile(bad, []byte("500000 nope\n"), 0o600)
		c := base("idle")
		c.AccountsFile, c.Sessions = bad, 1
		res, err := Run(context.Background(), c, io.Discard)
		if err != nil || res.SessionsHeld != 0 || res.Errors != 1 || !strings.Contains(res.ErrorSamples[0], "not-authorized") {
			t.Fatalf("%v %+v", err, res)
		}
	})
}
