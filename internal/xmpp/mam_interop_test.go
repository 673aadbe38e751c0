package xmpp_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInteropSlixmppHistory runs slixmpp's MAM, RSM and archive
// preference plugins against a conversation with a Turms user.
func TestInteropSlixmppHistory(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := interopEnv(t)
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_history.py"), host, port, domain}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}
