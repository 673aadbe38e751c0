package xmpp_test

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
)

// freeAddr returns a loopback address nothing listens on, for a listener
// whose URL must be known before it starts (a port chosen by the kernel
// cannot appear in storage.public_url).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestInteropSlixmppUpload runs slixmpp's XEP-0363 plugin: discovery, a
// slot, the PUT, the GET by the recipient, and the limit. The URL Alice
// sends reaches Carol, a Turms user, as text, and works for her too.
func TestInteropSlixmppUpload(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp, aiohttp").Run()
	requireTool(t, err == nil, "slixmpp or aiohttp is not installed: apt-get install python3-slixmpp python3-aiohttp")
	files := freeAddr(t)
	const limit = 64 << 10
	e := newEnv(t, func(c *config.Config) {
		c.Storage.Addr, c.Storage.PublicURL, c.Storage.MaxFileBytes = files, "http://"+files, limit
	})
	e.friends()
	e.user(1003, "Carol", "")
	e.befriend(1001, 1003)
	carol := e.turms(1003)
	content := bytes.Repeat([]byte("a file shared over XMPP\n"), 1000)
	file := filepath.Join(t.TempDir(), "shared.txt")
	must(t, os.WriteFile(file, content, 0o600))
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_upload.py"), host, port, domain, file, strconv.Itoa(limit)}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)

	n, err := carol.NextPush(func(n *pb.TurmsNotification) bool {
		return strings.HasPrefix(n.GetRelayedRequest().GetCreateMessageRequest().GetText(), "http://"+files+"/")
	})
	must(t, err)
	resp, err := http.Get(n.GetRelayedRequest().GetCreateMessageRequest().GetText())
	must(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, content) {
		t.Fatalf("Carol's GET: %d, %d bytes", resp.StatusCode, len(got))
	}
}

// TestInteropConverseUpload has Converse.js upload a file (XEP-0363: the
// slot, then the browser's cross-origin PUT) and send it to a Turms user,
// who fetches it from the URL in the text.
func TestInteropConverseUpload(t *testing.T) {
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "Node.js is not installed: apt-get install nodejs npm")
	_, err = os.Stat("/usr/bin/chromium")
	requireTool(t, err == nil, "Chromium is not installed: apt-get install chromium")
	_, err = os.Stat(filepath.Join(interopDir(t), "node_modules", "converse.js", "dist", "converse.min.js"))
	requireTool(t, err == nil, "Converse.js is not installed: (cd test/interop && npm ci)")
	files := freeAddr(t)
	e, texts := interopEnvTexts(t, func(c *config.Config) { c.Storage.Addr, c.Storage.PublicURL = files, "http://"+files })
	const content = "a file Converse.js uploaded"
	runScript(t, "node", filepath.Join(interopDir(t), "converse_im.mjs"),
		"ws://"+e.addr("ws")+"/xmpp-websocket", jidOf(1001), pw(1001), jidOf(1003), "-", content)
	var url string
	for timeout := time.After(20 * time.Second); !strings.HasPrefix(url, "http://"+files+"/"); {
		select {
		case url = <-texts:
		case <-timeout:
			t.Fatal("Carol did not get the file's URL")
		}
	}
	resp, err := http.Get(url)
	must(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != http.StatusOK || string(got) != content {
		t.Fatalf("Carol's GET: %d %q", resp.StatusCode, got)
	}
}
