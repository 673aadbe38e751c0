package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"hermod/internal/cluster/natstest"
	"hermod/internal/status"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// postgresDSN is the PostgreSQL the cluster tests share; without one they
// skip, except in CI.
func postgresDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("HERMOD_TEST_POSTGRES_DSN")
	if dsn == "" {
		msg := "set HERMOD_TEST_POSTGRES_DSN (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to a PostgreSQL server to run the cluster tests (Debian: apt-get install postgresql)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// freshSchema creates an empty schema for one test and returns a DSN whose
// connections use it; the schema is dropped afterwards.
func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("hermod_cluster_%d", time.Now().UnixNano())
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, "DROP SCHEMA "+name+" CASCADE")
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

const clusterTTL = 2 * time.Second

func startClusterNode(t *testing.T, dsn, natsURL string) *node {
	t.Helper()
	return startNode(t, t.TempDir(), "--store-driver", "postgres", "--store-postgres-dsn", dsn,
		"--cluster-nats", natsURL, "--cluster-node-ttl", clusterTTL.String(), "--xmpp-require-tls=false",
		"--turms-requests-per-second", "0", "--xmpp-stanzas-per-second", "0")
}

func xmppLogin(t *testing.T, n *node, id int64, resource string) *xmpptest.Client {
	t.Helper()
	c, err := xmpptest.DialTCP(n.xmpp, "localhost", false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Login(strconv.FormatInt(id, 10), "pw", resource); err != nil {
		t.Fatal(err)
	}
	if err := c.SendString(`<presence/>`); err != nil { // available: messages reach it
		t.Fatal(err)
	}
	if _, err := c.Expect(xmpptest.Is("presence", "from", c.JID)); err != nil {
		t.Fatal(err)
	}
	return c
}

func loginAs(t *testing.T, n *node, id int64, device pb.DeviceType) *turmstest.Client {
	t.Helper()
	c, err := turmstest.DialTCP(n.tcp)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if code, err := c.Login(id, "pw", device); err != nil || code != 1000 {
		t.Fatalf("login %d on %s: code %d, %v", id, n.tcp, code, err)
	}
	return c
}

// do sends a Turms request that must succeed and returns its response.
func do(t *testing.T, c *turmstest.Client, req *pb.TurmsRequest) *pb.TurmsNotification {
	t.Helper()
	n, err := c.Send(req)
	if err != nil || n.GetCode() != 1000 {
		t.Fatalf("Turms request %v: %v %v", req, n, err)
	}
	return n
}

func sendText(to int64, group bool, text string) *pb.TurmsRequest {
	m := &pb.CreateMessageRequest{Text: proto.String(text)}
	if group {
		m.GroupId = proto.Int64(to)
	} else {
		m.RecipientId = proto.Int64(to)
	}
	return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: m}}
}

// pushedText waits for a relayed message with text.
func pushedText(t *testing.T, c *turmstest.Client, text string) {
	t.Helper()
	if _, err := c.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageRequest().GetText() == text
	}); err != nil {
		t.Fatalf("waiting for %q: %v", text, err)
	}
}

func xmppBody(t *testing.T, c *xmpptest.Client, typ, body string) *xmlstream.Element {
	t.Helper()
	el, err := c.Expect(func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("type") == typ && el.ChildText(xmlstream.NSClient, "body") == body
	})
	if err != nil {
		t.Fatalf("waiting for %s %q: %v", typ, body, err)
	}
	return el
}

// TestClusterOfThreeNodes runs three hermod processes on one PostgreSQL
// and one NATS and checks that users on different nodes, over either
// protocol, are one service: chat, typing, groups, roster pushes,
// presence, device kicks, blocks and deactivations made on another node,
// and a node killed mid-stream losing no acknowledged message.
func TestClusterOfThreeNodes(t *testing.T) {
	dsn := freshSchema(t, postgresDSN(t))
	natsURL := natstest.Start(t)
	var ns [3]*node
	for i := range ns {
		ns[i] = startClusterNode(t, dsn, natsURL)
	}
	for id := 1001; id <= 1010; id++ {
		mustHermod(t, "user", "add", "--data-dir", ns[0].dataDir, "--admin-addr="+ns[0].adminAddr,
			"--id", fmt.Sprint(id), "--password", "pw")
	}

	// 1:1 across nodes: Turms on node 0 and 1, XMPP on node 2.
	alice := loginAs(t, ns[0], 1001, pb.DeviceType_DESKTOP)
	bob := loginAs(t, ns[1], 1002, pb.DeviceType_DESKTOP)
	carol := xmppLogin(t, ns[2], 1003, "laptop")
	do(t, alice, sendText(1002, false, "hi bob"))
	pushedText(t, bob, "hi bob")
	do(t, bob, sendText(1001, false, "hi alice"))
	pushedText(t, alice, "hi alice")
	do(t, alice, sendText(1003, false, "hi carol"))
	xmppBody(t, carol, "chat", "hi carol")
	if err := carol.SendString(`<message to='1002@localhost' type='chat' id='c1'><body>hi bob from xmpp</body></message>`); err != nil {
		t.Fatal(err)
	}
	pushedText(t, bob, "hi bob from xmpp")
	// Typing crosses nodes both ways: Turms typing is an XMPP chat state.
	do(t, alice, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1002}}})
	if _, err := bob.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateTypingStatusRequest().GetToId() == 1002
	}); err != nil {
		t.Fatalf("bob (node 1) did not see alice (node 0) typing: %v", err)
	}
	do(t, alice, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1003}}})
	if _, err := carol.Expect(func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Child("http://jabber.org/protocol/chatstates", "composing") != nil
	}); err != nil {
		t.Fatalf("carol (node 2) did not see alice (node 0) typing: %v", err)
	}

	// What every message checks (is the recipient active, has the
	// recipient blocked the sender) is cached per node: node 0 has just
	// cached it for bob, and must learn of changes made on other nodes.
	sendUntil := func(c *turmstest.Client, to int64, want int32, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := c.Send(sendText(to, false, what))
			if err != nil {
				t.Fatal(err)
			}
			if n.GetCode() == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: code %d, want %d", what, n.GetCode(), want)
			}
		}
	}
	block := func(blocked bool) *pb.TurmsRequest {
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateRelationshipRequest{UpdateRelationshipRequest: &pb.UpdateRelationshipRequest{
			UserId: 1001, Blocked: proto.Bool(blocked)}}}
	}
	do(t, bob, block(true)) // on node 1
	sendUntil(alice, 1002, int32(status.BlockedUserSendPrivateMessage), "blocked on node 1")
	do(t, bob, block(false))
	sendUntil(alice, 1002, 1000, "unblocked on node 1")
	do(t, alice, sendText(1004, false, "to dave, active"))
	mustHermod(t, "user", "deactivate", "--data-dir", ns[1].dataDir, "--admin-addr="+ns[1].adminAddr, "--id", "1004")
	sendUntil(alice, 1004, int32(status.MessageRecipientNotActive), "deactivated on node 1")
	mustHermod(t, "user", "activate", "--data-dir", ns[2].dataDir, "--admin-addr="+ns[2].adminAddr, "--id", "1004")
	sendUntil(alice, 1004, 1000, "activated on node 2")

	// A group whose members sit on all three nodes.
	gid := do(t, alice, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupRequest{CreateGroupRequest: &pb.CreateGroupRequest{Name: "everywhere"}}}).GetData().GetLong()
	for _, m := range []struct {
		id int64
		c  *turmstest.Client
	}{{1002, bob}, {1003, nil}} {
		inv := do(t, alice, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupInvitationRequest{CreateGroupInvitationRequest: &pb.CreateGroupInvitationRequest{
			GroupId: gid, InviteeId: m.id, Content: "join"}}}).GetData().GetLong()
		c := m.c
		if c == nil {
			c = loginAs(t, ns[1], m.id, pb.DeviceType_ANDROID) // Carol accepts from a phone on node 1
		}
		do(t, c, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupInvitationRequest{UpdateGroupInvitationRequest: &pb.UpdateGroupInvitationRequest{
			InvitationId: inv, ResponseAction: pb.ResponseAction_ACCEPT}}})
	}
	room := fmt.Sprintf("%d@conference.localhost", gid)
	if err := carol.SendString(`<presence to='` + room + `/carol'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Expect(xmpptest.Is("presence", "from", room+"/carol")); err != nil {
		t.Fatalf("joining the room on node 2 (the group changed on node 0): %v", err)
	}
	do(t, bob, sendText(gid, true, "hello group"))
	pushedText(t, alice, "hello group")
	xmppBody(t, carol, "groupchat", "hello group")
	if err := carol.SendString(`<message to='` + room + `' type='groupchat' id='g1'><body>hello from xmpp</body></message>`); err != nil {
		t.Fatal(err)
	}
	pushedText(t, alice, "hello from xmpp")
	pushedText(t, bob, "hello from xmpp")

	// Presence across nodes: statuses from the registry, and an XMPP
	// contact sees a Turms login on another node.
	ntf := do(t, alice, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{
		UserIds: []int64{1002, 1003, 1004}}}})
	got := map[int64]*pb.UserOnlineStatus{}
	for _, s := range ntf.GetData().GetUserOnlineStatuses().GetStatuses() {
		got[s.GetUserId()] = s
	}
	if s := got[1002]; s.GetUserStatus() != pb.UserStatus_AVAILABLE || len(s.GetDeviceTypes()) != 1 || s.GetDeviceTypes()[0] != pb.DeviceType_DESKTOP {
		t.Errorf("bob on node 1, seen from node 0: %v", s)
	}
	if s := got[1003]; s.GetUserStatus() != pb.UserStatus_AVAILABLE || len(s.GetDeviceTypes()) != 2 {
		t.Errorf("carol on nodes 1 and 2, seen from node 0: %v", s)
	}
	if s := got[1004]; s.GetUserStatus() != pb.UserStatus_OFFLINE {
		t.Errorf("dave, offline: %v", s)
	}
	if _, err := carol.IQ("get", "", xmlstream.New("jabber:iq:roster", "query")); err != nil { // interested in roster pushes
		t.Fatal(err)
	}
	befriend(t, ns[0], 1003, 1004)
	if _, err := carol.Expect(func(el *xmlstream.Element) bool { // the roster push, made on node 0
		q := el.Child("jabber:iq:roster", "query")
		return el.Local == "iq" && el.Attr("type") == "set" && q != nil && q.Child("jabber:iq:roster", "item") != nil &&
			q.Child("jabber:iq:roster", "item").Attr("jid") == "1004@localhost"
	}); err != nil {
		t.Fatalf("carol (node 2) got no roster push for the friendship made on node 0: %v", err)
	}
	dave := loginAs(t, ns[1], 1004, pb.DeviceType_IOS)
	if _, err := carol.Expect(func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("type") == "" && len(el.Attr("from")) > len("1004@localhost") && el.Attr("from")[:len("1004@localhost")] == "1004@localhost"
	}); err != nil {
		t.Fatalf("carol (node 2) did not see dave log in on node 1: %v", err)
	}
	dave.Close()

	// One session per device type across the cluster.
	first := loginAs(t, ns[0], 1005, pb.DeviceType_DESKTOP)
	loginAs(t, ns[1], 1005, pb.DeviceType_DESKTOP)
	closed, err := first.WaitClosed()
	if err != nil {
		t.Fatal(err)
	}
	if closed.GetCloseStatus() != int32(status.CloseDisconnectedByOtherDevice) {
		t.Fatalf("the session on node 0 closed with %v", closed)
	}

	crashWhileSending(t, ns, natsURL)
}

// befriend makes a and b friends (a friend request accepted), through n.
func befriend(t *testing.T, n *node, a, b int64) {
	t.Helper()
	ca := loginAs(t, n, a, pb.DeviceType_BROWSER)
	do(t, ca, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{RecipientId: b, Content: "hi"}}})
	ca.Close()
	cb := loginAs(t, n, b, pb.DeviceType_BROWSER)
	reqs := do(t, cb, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryFriendRequestsRequest{QueryFriendRequestsRequest: &pb.QueryFriendRequestsRequest{}}}).
		GetData().GetUserFriendRequestsWithVersion().GetUserFriendRequests()
	if len(reqs) == 0 {
		t.Fatal("no friend request arrived")
	}
	do(t, cb, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{UpdateFriendRequestRequest: &pb.UpdateFriendRequestRequest{
		RequestId: reqs[0].GetId(), ResponseAction: pb.ResponseAction_ACCEPT}}})
	cb.Close()
}

// crashWhileSending kills node 1 with SIGKILL while its users send; they
// reconnect to node 0 and go on; every acknowledged message is in the
// archive, and the dead node's sessions leave the registry within the
// bound.
func crashWhileSending(t *testing.T, ns [3]*node, natsURL string) {
	const recipient = 1010
	loginAs(t, ns[1], 1009, pb.DeviceType_ANDROID) // only on the node that dies
	var mu sync.Mutex
	acked := map[int64]bool{}
	var wg sync.WaitGroup
	for _, sender := range []int64{1006, 1007, 1008} {
		c := loginAs(t, ns[1], sender, pb.DeviceType_DESKTOP)
		wg.Go(func() {
			for k := 0; ; k++ {
				n, err := c.Send(sendText(recipient, false, fmt.Sprintf("m%d-%d", sender, k)))
				if err != nil {
					break // node 1 died
				}
				if n.GetCode() == 1000 {
					mu.Lock()
					acked[n.GetData().GetLong()] = true
					mu.Unlock()
				}
			}
			// Reconnect elsewhere and carry on.
			c2, err := turmstest.DialTCP(ns[0].tcp)
			if err != nil {
				t.Error(err)
				return
			}
			defer c2.Close()
			if code, err := c2.Login(sender, "pw", pb.DeviceType_DESKTOP); err != nil || code != 1000 {
				t.Errorf("re-login on node 0: %d %v", code, err)
				return
			}
			for k := range 50 {
				n, err := c2.Send(sendText(recipient, false, fmt.Sprintf("after-%d-%d", sender, k)))
				if err != nil || n.GetCode() != 1000 {
					t.Errorf("sending after the crash: %v %v", n, err)
					return
				}
				mu.Lock()
				acked[n.GetData().GetLong()] = true
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		k := len(acked)
		mu.Unlock()
		if k >= 150 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Every event so far could be sent to the other nodes.
	for _, n := range ns {
		if u := scrape(t, n, "hermod_cluster_unroutable_events_total"); u != 0 {
			t.Errorf("node %s: %v events not sent to the other nodes", n.adminAddr, u)
		}
	}
	ns[1].cmd.Process.Kill()
	killed := time.Now()
	wg.Wait()

	// The registry forgets the dead node's sessions within the bound.
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(context.Background(), "hermod_sessions")
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := kv.Get(context.Background(), "1009")
		if err != nil {
			break // gone (not found or deleted)
		}
		if time.Since(killed) > 3*clusterTTL {
			t.Fatalf("user 1009's session on the dead node is still registered %v after the kill", time.Since(killed))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("the dead node's sessions left the registry %v after SIGKILL (node TTL %v)", time.Since(killed).Round(time.Millisecond), clusterTTL)

	r := loginAs(t, ns[2], recipient, pb.DeviceType_DESKTOP)
	ids := make([]int64, 0, len(acked))
	for id := range acked {
		ids = append(ids, id)
	}
	stored := map[int64]bool{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		ntf := do(t, r, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
			Ids: chunk, AreGroupMessages: proto.Bool(false), MaxCount: proto.Int32(int32(len(chunk)))}}})
		for _, m := range ntf.GetData().GetMessages().GetMessages() {
			stored[m.GetId()] = true
		}
	}
	missing := 0
	for id := range acked {
		if !stored[id] {
			missing++
		}
	}
	t.Logf("%d messages acknowledged (before and after SIGKILL of node 1), %d of them in the archive", len(acked), len(stored))
	if missing > 0 {
		t.Fatalf("%d acknowledged messages are not in the archive", missing)
	}
}
