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
