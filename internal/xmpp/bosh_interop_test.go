package xmpp_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestInteropConverseBOSH logs Converse.js in over BOSH, and over what
// it discovers in host-meta (XEP-0156, which Converse fetches from
// https://<domain>/ and of which it takes only https and wss links: the
// browser reaches the TLS listener for it), and chats with a Turms user
// each time.
func TestInteropConverseBOSH(t *testing.T) {
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "Node.js is not installed: apt-get install nodejs npm")
	_, err = os.Stat("/usr/bin/chromium")
	requireTool(t, err == nil, "Chromium is not installed: apt-get install chromium")
	_, err = os.Stat(filepath.Join(interopDir(t), "node_modules", "converse.js", "dist", "converse.min.js"))
	requireTool(t, err == nil, "Converse.js is not installed: (cd test/interop && npm ci)")
	t.Run("bosh", func(t *testing.T) {
		e := interopEnv(t)
		runScript(t, "node", filepath.Join(interopDir(t), "converse_im.mjs"),
			"http://"+e.addr("ws")+"/http-bind", jidOf(1001), pw(1001), jidOf(1003))
	})
	t.Run("discovered", func(t *testing.T) {
		e := interopEnv(t)
		runScript(t, "node", filepath.Join(interopDir(t), "converse_im.mjs"),
			"discover", jidOf(1001), pw(1001), jidOf(1003), "https://"+e.addr("wss")+"/.well-known/host-meta")
	})
}
