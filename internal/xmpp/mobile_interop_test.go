package xmpp_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"hermod/internal/config"
)

// TestInteropSlixmppMobile runs slixmpp's stream management and client
// state indication plugins, with push registered by raw IQ: Alice's phone,
// Bob, and the app server account "push" (1003), all over XMPP.
func TestInteropSlixmppMobile(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = true })
	e.friends()
	e.user(1003, "App server", "push")
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_mobile.py"), host, port, domain}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}
