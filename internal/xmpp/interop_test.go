package xmpp_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
)

// The interoperability tests drive real third-party XMPP clients against a
// real server: slixmpp (Debian's python3-slixmpp), @xmpp/client (npm, in
// test/interop) and Converse.js in headless Chromium (Debian's chromium,
// driven by playwright-core from npm). Without them the tests skip, saying how to get them,
// except under CI=true, where they fail: .ci/run installs both.

func interopDir(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "test", "interop"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func requireTool(t *testing.T, ok bool, how string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("missing under CI: %s", how)
	}
	t.Skip("skipping: " + how)
}

// interopEnv is a server with the accounts the client scripts expect:
// 1001 and 1002 (login name alice2) for the XMPP clients, and 1003, a
// Turms-protocol user friends with 1001, who answers "ping X" with
// "pong: ping X".
func interopEnv(t *testing.T) *env {
	e, _ := interopEnvTexts(t)
	return e
}

// interopEnvTexts is interopEnv, also returning the texts Carol receives;
// mut changes the configuration.
func interopEnvTexts(t *testing.T, mut ...func(*config.Config)) (*env, <-chan string) {
	e := newEnv(t, append([]func(*config.Config){func(c *config.Config) { c.XMPP.RequireTLS = true }}, mut...)...)
	e.user(1001, "Alice", "alice")
	e.user(1002, "Bob", "alice2")
	e.user(1003, "Carol", "")
	e.befriend(1001, 1003)
	carol := e.turms(1003)
	texts := make(chan string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			select {
			case n, ok := <-carol.Pushes:
				if !ok {
					return
				}
				cm := n.GetRelayedRequest().GetCreateMessageRequest()
				if cm == nil {
					continue
				}
				select {
				case texts <- cm.GetText():
				default:
				}
				if !strings.HasPrefix(cm.GetText(), "ping") {
					continue
				}
				carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
					RecipientId: proto.Int64(n.GetRequesterId()), Text: proto.String("pong: " + cm.GetText()),
				}}})
			case <-ctx.Done():
				return
			}
		}
	})
	t.Cleanup(func() { cancel(); carol.Close(); wg.Wait() })
	return e, texts
}

func runScript(t *testing.T, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = interopDir(t)
	cmd.Env = append(os.Environ(), "NODE_TLS_REJECT_UNAUTHORIZED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	script := filepath.Base(args[len(args)-1])
	for _, a := range args {
		if strings.HasSuffix(a, ".py") || strings.HasSuffix(a, ".mjs") {
			script = filepath.Base(a)
		}
	}
	t.Logf("%s:\n%s", script, out.String())
	if err != nil || !strings.Contains("\n"+out.String(), "\nOK\n") {
		t.Fatalf("%s failed: %v", script, err)
	}
}

func TestInteropSlixmpp(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := interopEnv(t)
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_im.py"), host, port, domain}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}

func TestInteropXMPPJS(t *testing.T) {
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "Node.js is not installed: apt-get install nodejs npm")
	_, err = os.Stat(filepath.Join(interopDir(t), "node_modules", "@xmpp", "client"))
	requireTool(t, err == nil, "@xmpp/client is not installed: (cd test/interop && npm ci)")
	for _, transport := range []string{"websocket", "starttls"} {
		t.Run(transport, func(t *testing.T) {
			e := interopEnv(t)
			service := "ws://" + e.addr("ws") + "/xmpp-websocket"
			if transport == "starttls" {
				service = "xmpp://" + e.addr("tcp")
			}
			runScript(t, "node", "--experimental-websocket", filepath.Join(interopDir(t), "xmppjs_im.mjs"), service, domain)
		})
	}
}

func TestInteropConverse(t *testing.T) {
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "Node.js is not installed: apt-get install nodejs npm")
	_, err = os.Stat("/usr/bin/chromium")
	requireTool(t, err == nil, "Chromium is not installed: apt-get install chromium")
	_, err = os.Stat(filepath.Join(interopDir(t), "node_modules", "converse.js", "dist", "converse.min.js"))
	requireTool(t, err == nil, "Converse.js is not installed: (cd test/interop && npm ci)")
	e := interopEnv(t)
	runScript(t, "node", filepath.Join(interopDir(t), "converse_im.mjs"),
		"ws://"+e.addr("ws")+"/xmpp-websocket", jidOf(1001), pw(1001), jidOf(1003))
}

// TestInteropGoSendxmpp sends a message with go-sendxmpp (Debian's; another
// XMPP library, xmppo/go-xmpp) over STARTTLS and over direct TLS, by login
// name, to a Turms-protocol user.
func TestInteropGoSendxmpp(t *testing.T) {
	_, err := exec.LookPath("go-sendxmpp")
	requireTool(t, err == nil, "go-sendxmpp is not installed: apt-get install go-sendxmpp")
	e, texts := interopEnvTexts(t)
	for _, tt := range []struct{ name, addr, flag string }{
		{"starttls", e.addr("tcp"), ""}, {"direct tls", e.addr("tls"), "-t"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text := "hello from go-sendxmpp over " + tt.name
			args := []string{"-u", "alice@" + domain, "-p", pw(1001), "-j", tt.addr, "-n", "--tls-version", "12"}
			if tt.flag != "" {
				args = append(args, tt.flag)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "go-sendxmpp", append(args, jidOf(1003))...)
			cmd.Stdin = strings.NewReader(text)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go-sendxmpp: %v\n%s", err, out)
			}
			for {
				select {
				case got := <-texts:
					if got == text {
						return
					}
				case <-ctx.Done():
					t.Fatalf("the Turms user did not get %q", text)
				}
			}
		})
	}
}

// TestInteropProfanity drives Profanity (a terminal client on libstrophe)
// in tmux: STARTTLS login with the server's self-signed certificate
// trusted, and a chat both ways with a Turms-protocol user.
func TestInteropProfanity(t *testing.T) {
	_, perr := exec.LookPath("profanity")
	_, terr := exec.LookPath("tmux")
	requireTool(t, perr == nil && terr == nil, "Profanity or tmux is not installed: apt-get install profanity tmux")
	e, texts := interopEnvTexts(t)
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	home := t.TempDir()
	name := "hermod-" + strings.ReplaceAll(port, ":", "")
	tmux := func(args ...string) string {
		out, err := exec.Command("tmux", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tmux("new-session", "-d", "-s", name, "-x", "200", "-y", "50",
		"env XDG_CONFIG_HOME="+home+"/config XDG_DATA_HOME="+home+"/data profanity")
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	// waitFor polls the terminal until it shows want.
	waitFor := func(want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for range tick.C {
			screen := tmux("capture-pane", "-p", "-t", name)
			if strings.Contains(screen, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("Profanity never showed %q; the screen:\n%s", want, screen)
			}
		}
	}
	waitFor("Type '/help'")
	tmux("send-keys", "-t", name, "/connect alice@"+domain+" server "+host+" port "+port+" tls trust", "Enter")
	waitFor("Enter password")
	tmux("send-keys", "-t", name, pw(1001), "Enter")
	waitFor("logged in successfully")
	tmux("send-keys", "-t", name, "/msg "+jidOf(1003)+" ping profanity", "Enter")
	timeout := time.After(20 * time.Second)
	for got := ""; got != "ping profanity"; {
		select {
		case got = <-texts:
		case <-timeout:
			t.Fatal("the Turms user did not get Profanity's message")
		}
	}
	waitFor("pong: ping profanity")
}
