package xmpp_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hermod/internal/config"
)

// TestInteropSlixmppComponent runs slixmpp's ComponentXMPP, a third-party
// XEP-0114 implementation, as the component echo.<domain>: it connects
// with its handshake, answers a slixmpp client's disco#info, and replies
// to the client's message.
func TestInteropSlixmppComponent(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := newEnv(t, func(c *config.Config) {
		c.XMPP.ComponentAddr = "127.0.0.1:0"
		c.XMPP.Components = "echo=s3cret"
	})
	e.user(1001, "Alice", "")
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	_, componentPort, _ := strings.Cut(e.addr("component"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_component.py"), host, port, componentPort, domain}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}
