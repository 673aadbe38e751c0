package xmpp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// mucInteropEnv is a server with Alice (1001, login name alice) and Bob
// (1002) for the XMPP clients, and Carol (1003), a Turms-protocol member
// of Alice's group "Team", run by groupBot. It returns the group's room.
func mucInteropEnv(t *testing.T) (*env, string) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = true })
	e.user(1001, "Alice", "alice")
	e.user(1002, "Bob", "")
	e.user(1003, "Carol", "")
	gid, room := e.group(1001, "Team", nil, 1003)
	carol := e.turms(1003)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { groupBot(ctx, t, carol, gid) })
	t.Cleanup(func() { cancel(); carol.Close(); wg.Wait() })
	return e, room
}

// groupBot is a Turms member of a group who answers "ping X" in the group
// with "pong: ping X", and says in the group what its Turms client saw of
// the group: "announcement: X" when the announcement changed.
func groupBot(ctx context.Context, t *testing.T, c *turmstest.Client, groupID int64) {
	say := func(text string) {
		n, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			GroupId: proto.Int64(groupID), Text: proto.String(text),
		}}})
		if err != nil || n.GetCode() != 1000 {
			t.Logf("Carol's group message %q: %v %v", text, n, err)
		}
	}
	for {
		var n *pb.TurmsNotification
		select {
		case n = <-c.Pushes:
		case <-ctx.Done():
			return
		}
		if n == nil {
			return
		}
		r := n.GetRelayedRequest()
		switch {
		case r.GetCreateMessageRequest().GetGroupId() == groupID && strings.HasPrefix(r.GetCreateMessageRequest().GetText(), "ping"):
			say("pong: " + r.GetCreateMessageRequest().GetText())
		case r.GetUpdateGroupRequest() != nil && r.GetUpdateGroupRequest().GetGroupId() == groupID && n.GetRequesterId() != 1003:
			say("announcement: " + r.GetUpdateGroupRequest().GetAnnouncement())
		}
	}
}

// TestInteropSlixmppMUC runs slixmpp_muc.py: two slixmpp clients with
// slixmpp's MUC, bookmarks and invitation plugins in a Turms group's room
// with a Turms member.
func TestInteropSlixmppMUC(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e, room := mucInteropEnv(t)
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_muc.py"), host, port, domain, room}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}

// TestInteropConverseMUC: Converse.js 14 in headless Chromium logs in over
// WebSocket, joins the group's room from its bookmarks and talks with the
// Turms member; the screenshot is kept in artifacts/ at the repository's
// root (CI keeps it).
func TestInteropConverseMUC(t *testing.T) {
	_, err := exec.LookPath("node")
	requireTool(t, err == nil, "Node.js is not installed: apt-get install nodejs npm")
	_, err = os.Stat("/usr/bin/chromium")
	requireTool(t, err == nil, "Chromium is not installed: apt-get install chromium")
	_, err = os.Stat(filepath.Join(interopDir(t), "node_modules", "converse.js", "dist", "converse.min.js"))
	requireTool(t, err == nil, "Converse.js is not installed: (cd test/interop && npm ci)")
	e, room := mucInteropEnv(t)
	artifacts, err := filepath.Abs(filepath.Join("..", "..", "artifacts"))
	must(t, err)
	must(t, os.MkdirAll(artifacts, 0o755))
	shot := filepath.Join(artifacts, "converse-muc.png")
	os.Remove(shot)
	runScript(t, "node", filepath.Join(interopDir(t), "converse_muc.mjs"),
		"ws://"+e.addr("ws")+"/xmpp-websocket", jidOf(1001), pw(1001), room, shot)
	if st, err := os.Stat(shot); err != nil || st.Size() == 0 {
		t.Fatalf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}
