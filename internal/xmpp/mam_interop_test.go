package xmpp_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hermod/internal/turms/pb"
	"hermod/internal/xmpp/xmlstream"
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

// TestInteropConverseHistory: Converse.js, starting with no local history,
// opens a chat with a Turms user and shows the conversation from the
// archive, Alice's own messages as hers; then pages backwards through it
// with Converse's archive API, two messages a page.
func TestInteropConverseHistory(t *testing.T) {
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "Node.js is not installed: apt-get install nodejs npm")
	_, err = os.Stat("/usr/bin/chromium")
	requireTool(t, err == nil, "Chromium is not installed: apt-get install chromium")
	_, err = os.Stat(filepath.Join(interopDir(t), "node_modules", "converse.js", "dist", "converse.min.js"))
	requireTool(t, err == nil, "Converse.js is not installed: (cd test/interop && npm ci)")
	e := newEnv(t)
	e.user(1001, "Alice", "alice")
	e.user(1003, "Carol", "")
	e.befriend(1001, 1003)
	carol := e.turms(1003)
	// Alice's earlier client takes part in the conversation and leaves:
	// nothing of it is offline storage for the next one.
	old := e.online(1001, "old")
	var want []string
	for i := 1; i <= 5; i++ {
		text := "history " + strconv.Itoa(i)
		if i%2 == 0 {
			must(t, old.SendString(`<message type='chat' to='1003@`+domain+`'><body>`+text+`</body></message>`))
			if _, err := carol.NextPush(func(n *pb.TurmsNotification) bool {
				return n.GetRelayedRequest().GetCreateMessageRequest().GetText() == text
			}); err != nil {
				t.Fatal(err)
			}
			want = append(want, "me:"+text)
		} else {
			sendTurms(t, carol, 1001, text)
			expect(t, old, withBody(text))
			want = append(want, "them:"+text)
		}
	}
	// Going unavailable records what it was delivered; the ping's answer
	// comes after that.
	must(t, old.SendString(`<presence type='unavailable'/>`))
	if _, err := old.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil {
		t.Fatal(err)
	}
	old.Close()
	wantJSON, _ := json.Marshal(want)
	runScript(t, "node", filepath.Join(interopDir(t), "converse_history.mjs"),
		"ws://"+e.addr("ws")+"/xmpp-websocket", jidOf(1001), pw(1001), jidOf(1003), string(wantJSON))
}
