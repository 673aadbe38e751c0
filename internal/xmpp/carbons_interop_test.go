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
)

// TestInteropSlixmppCarbons runs slixmpp's carbons plugin with two
// resources of Alice, Bob on XMPP, and Alice's own Turms session, which
// sends Bob whatever he asks it to relay ("relay: X" sends X).
func TestInteropSlixmppCarbons(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = true })
	e.user(1001, "Alice", "alice")
	e.user(1002, "Bob", "alice2")
	e.befriend(1001, 1002)
	alice := e.turms(1001)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case n, ok := <-alice.Pushes:
				if !ok {
					return
				}
				text, found := strings.CutPrefix(n.GetRelayedRequest().GetCreateMessageRequest().GetText(), "relay: ")
				if !found || n.GetRequesterId() != 1002 {
					continue
				}
				alice.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
					RecipientId: proto.Int64(1002), Text: proto.String(text),
				}}})
			case <-ctx.Done():
				return
			}
		}
	})
	t.Cleanup(func() { cancel(); alice.Close(); wg.Wait() })
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_carbons.py"), host, port, domain}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}
