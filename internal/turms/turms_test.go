package turms_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// Response and close codes used below (Turms numbers).
const (
	codeOK             = 1000
	codeNoContent      = 1001
	codeUpToDate       = 1002
	codeInvalidRequest = 1100
	codeTooFrequent    = 1101
	codeNoSession      = 1105
	codeBadVersion     = 2000
	codeAuthFailed     = 2011
	codeInactive       = 2012
	codeExistingSess   = 2103
	codeBlockedPM      = 5002
	codeRecallTimeout  = 5204
	codeNotSenderEdit  = 5101

	closeIllegal   = 100
	closeHeartbeat = 110
	closeLogin     = 111
	closeServer    = 201
	closeByClient  = 500
	closeByOther   = 501
	closeInactive  = 700
)

func msgReq(to int64, text string) *pb.TurmsRequest {
	return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
		RecipientId: proto.Int64(to), Text: proto.String(text),
	}}}
}

func isMessage(text string) func(*pb.TurmsNotification) bool {
	return func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageRequest().GetText() == text
	}
}

func TestFriendsChatLiveOverTCPAndWebSocket(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, true, pb.DeviceType_BROWSER)
	alicePhone := e.login(1001, true, pb.DeviceType_ANDROID)

	// Alice asks Bob to be her friend; Bob and Alice's phone hear of it.
	n := mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{
		CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{RecipientId: 1002, Content: "hi, it's Alice"}}})
	reqID := n.GetData().GetLong()
	if reqID == 0 {
		t.Fatal("no friend request id in data.long")
	}
	got := relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateFriendRequestRequest() != nil
	})
	if got.GetRequesterId() != 1001 || got.GetRelayedRequest().GetCreateFriendRequestRequest().GetContent() != "hi, it's Alice" {
		t.Fatalf("relayed friend request: %v", got)
	}
	relayed(t, alicePhone, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateFriendRequestRequest() != nil
	})
	mustCode(t, alice, 2600, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{
		CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{RecipientId: 1002}}})

	// Bob sees it pending and accepts; Alice hears the answer.
	n = mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryFriendRequestsRequest{
		QueryFriendRequestsRequest: &pb.QueryFriendRequestsRequest{AreSentByMe: false}}})
	frs := n.GetData().GetUserFriendRequestsWithVersion()
	if len(frs.GetUserFriendRequests()) != 1 || frs.GetUserFriendRequests()[0].GetId() != reqID ||
		frs.GetUserFriendRequests()[0].GetRequestStatus() != pb.RequestStatus_PENDING {
		t.Fatalf("Bob's received requests: %v", frs)
	}
	mustCode(t, bob, codeUpToDate, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryFriendRequestsRequest{
		QueryFriendRequestsRequest: &pb.QueryFriendRequestsRequest{LastUpdatedDate: proto.Int64(frs.GetLastUpdatedDate())}}})
	mustCode(t, alice, 2606, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{
		UpdateFriendRequestRequest: &pb.UpdateFriendRequestRequest{RequestId: reqID, ResponseAction: pb.ResponseAction_ACCEPT}}})
	mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{
		UpdateFriendRequestRequest: &pb.UpdateFriendRequestRequest{RequestId: reqID, ResponseAction: pb.ResponseAction_ACCEPT}}})
	got = relayed(t, alice, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateFriendRequestRequest() != nil
	})
	if got.GetRelayedRequest().GetUpdateFriendRequestRequest().GetRequestId() != reqID {
		t.Fatalf("relayed reply: %v", got)
	}
	mustCode(t, bob, 2605, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{
		UpdateFriendRequestRequest: &pb.UpdateFriendRequestRequest{RequestId: reqID, ResponseAction: pb.ResponseAction_DECLINE}}})

	// Both now have the relationship.
	for _, c := range []struct {
		cl      *turmstest.Client
		related int64
	}{{alice, 1002}, {bob, 1001}} {
		n = mustCode(t, c.cl, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelatedUserIdsRequest{
			QueryRelatedUserIdsRequest: &pb.QueryRelatedUserIdsRequest{}}})
		if ids := n.GetData().GetLongsWithVersion().GetLongs(); len(ids) != 1 || ids[0] != c.related {
			t.Fatalf("related ids: %v, want [%d]", ids, c.related)
		}
	}

	// Alice writes; Bob (WebSocket) and Alice's phone get the relayed
	// request with the id and delivery date the server assigned.
	n = mustCode(t, alice, codeOK, msgReq(1002, "hello Bob"))
	msgID := n.GetData().GetLong()
	got = relayed(t, bob, isMessage("hello Bob"))
	cm := got.GetRelayedRequest().GetCreateMessageRequest()
	if cm.GetMessageId() != msgID || cm.GetDeliveryDate() == 0 || got.GetRequesterId() != 1001 || cm.GetRecipientId() != 1002 {
		t.Fatalf("relayed message: %v (id %d)", got, msgID)
	}
	relayed(t, alicePhone, isMessage("hello Bob"))

	// Bob answers; Alice gets it.
	mustCode(t, bob, codeOK, msgReq(1001, "hi Alice"))
	relayed(t, alice, isMessage("hi Alice"))

	// Typing status reaches the peer.
	mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{
		UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1001}}})
	got = relayed(t, alice, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetUpdateTypingStatusRequest() != nil })
	if got.GetRequesterId() != 1002 {
		t.Fatalf("typing from %d", got.GetRequesterId())
	}
}

func TestOfflineRecipientQueriesMessages(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	var ids []int64
	for _, text := range []string{"one", "two", "three"} {
		ids = append(ids, mustCode(t, alice, codeOK, msgReq(1002, text)).GetData().GetLong())
	}
	bob := e.login(1002, false, pb.DeviceType_IOS)
	n := mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		AreGroupMessages: proto.Bool(false), FromIds: []int64{1001},
	}}})
	msgs := n.GetData().GetMessages().GetMessages()
	if len(msgs) != 3 {
		t.Fatalf("got %d messages, want 3", len(msgs))
	}
	for i, m := range msgs {
		if m.GetId() != ids[i] || m.GetSenderId() != 1001 || m.GetRecipientId() != 1002 || m.GetDeliveryDate() == 0 {
			t.Fatalf("message %d: %v", i, m)
		}
	}
	if msgs[0].GetText() != "one" || msgs[2].GetText() != "three" {
		t.Fatalf("order: %q .. %q", msgs[0].GetText(), msgs[2].GetText())
	}
	// Descending, limited.
	n = mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		AreGroupMessages: proto.Bool(false), Descending: proto.Bool(true), MaxCount: proto.Int32(1),
	}}})
	if m := n.GetData().GetMessages().GetMessages(); len(m) != 1 || m[0].GetText() != "three" {
		t.Fatalf("descending: %v", m)
	}
	// With total: one conversation, three messages in all.
	n = mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		AreGroupMessages: proto.Bool(false), WithTotal: true,
	}}})
	list := n.GetData().GetMessagesWithTotalList().GetMessagesWithTotalList()
	if len(list) != 1 || list[0].GetTotal() != 3 || list[0].GetFromId() != 1001 || len(list[0].GetMessages()) != 1 {
		t.Fatalf("with total: %v", list)
	}
	// Alice has received nothing; areGroupMessages is required.
	mustCode(t, alice, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		AreGroupMessages: proto.Bool(false),
	}}})
	mustCode(t, alice, codeInvalidRequest, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{}}})
}

func TestEditAndRecallReachThePeer(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	id := mustCode(t, alice, codeOK, msgReq(1002, "helo")).GetData().GetLong()
	relayed(t, bob, isMessage("helo"))

	mustCode(t, bob, codeNotSenderEdit, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, Text: proto.String("hijacked"),
	}}})
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, Text: proto.String("hello"),
	}}})
	got := relayed(t, bob, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetUpdateMessageRequest() != nil })
	if um := got.GetRelayedRequest().GetUpdateMessageRequest(); um.GetMessageId() != id || um.GetText() != "hello" {
		t.Fatalf("relayed edit: %v", um)
	}
	n := mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		Ids: []int64{id}, AreGroupMessages: proto.Bool(false),
	}}})
	if m := n.GetData().GetMessages().GetMessages(); len(m) != 1 || m[0].GetText() != "hello" || m[0].GetModificationDate() == 0 {
		t.Fatalf("edited message: %v", m)
	}

	mustCode(t, bob, 5202, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	got = relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateMessageRequest().GetRecallDate() != 0
	})
	if got.GetRelayedRequest().GetUpdateMessageRequest().GetMessageId() != id {
		t.Fatalf("relayed recall: %v", got)
	}
	// Turms also announces the recall with a system message whose records
	// are [RECALL_MESSAGE] and the recalled id.
	got = relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageRequest().GetIsSystemMessage()
	})
	recs := got.GetRelayedRequest().GetCreateMessageRequest().GetRecords()
	if len(recs) != 2 || !bytes.Equal(recs[0], []byte{1}) || int64(binary.BigEndian.Uint64(recs[1])) != id {
		t.Fatalf("recall system message records: %v", recs)
	}
	// The recalled message is gone from queries.
	mustCode(t, bob, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		Ids: []int64{id}, AreGroupMessages: proto.Bool(false),
	}}})
}

func TestRecallWindow(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.messages.RecallWindowMillis = 1 })
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	id := mustCode(t, alice, codeOK, msgReq(1002, "too late")).GetData().GetLong()
	time.Sleep(5 * time.Millisecond) // let the 1 ms window pass
	mustCode(t, alice, codeRecallTimeout, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
}

func TestBlockedUserCannotMessage(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1001, Blocked: true}}})
	mustCode(t, alice, codeBlockedPM, msgReq(1002, "let me in"))
	mustCode(t, alice, 2601, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{
		CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{RecipientId: 1002}}})
	mustCode(t, alice, 4102, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{
		UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1002}}})
	// Nothing was stored for Bob.
	mustCode(t, bob, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		AreGroupMessages: proto.Bool(false),
	}}})
	// Unblocking lets Alice through.
	mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateRelationshipRequest{
		UpdateRelationshipRequest: &pb.UpdateRelationshipRequest{UserId: 1001, Blocked: proto.Bool(false)}}})
	mustCode(t, alice, codeOK, msgReq(1002, "thanks"))
	// Messages to oneself and to nobody are refused.
	mustCode(t, alice, 5007, msgReq(1001, "me"))
	mustCode(t, alice, 5000, msgReq(999999, "nobody"))
}

// The recipient's active flag and block list are cached (every message
// asks for them): each change must take effect on the next message.
func TestBlockAndDeactivationTakeEffectAtOnce(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	block := func(blocked bool) *pb.TurmsRequest {
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateRelationshipRequest{
			UpdateRelationshipRequest: &pb.UpdateRelationshipRequest{UserId: 1001, Blocked: proto.Bool(blocked)}}}
	}
	steps := []struct {
		name   string
		change func()
		want   int32
	}{
		{"before any change", func() {}, codeOK},
		{"blocked (a stranger, by update)", func() { mustCode(t, bob, codeOK, block(true)) }, codeBlockedPM},
		{"unblocked", func() { mustCode(t, bob, codeOK, block(false)) }, codeOK},
		{"blocked again", func() { mustCode(t, bob, codeOK, block(true)) }, codeBlockedPM},
		{"relationship deleted", func() {
			mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteRelationshipRequest{
				DeleteRelationshipRequest: &pb.DeleteRelationshipRequest{UserId: 1001}}})
		}, codeOK},
		{"blocked by create", func() {
			mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
				CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1001, Blocked: true}}})
		}, codeBlockedPM},
		{"unblocked and deactivated", func() {
			mustCode(t, bob, codeOK, block(false))
			if err := e.users.SetActive(context.Background(), 1002, false); err != nil {
				t.Fatal(err)
			}
		}, 5000},
		{"reactivated", func() {
			if err := e.users.SetActive(context.Background(), 1002, true); err != nil {
				t.Fatal(err)
			}
		}, codeOK},
	}
	for _, st := range steps {
		st.change()
		if n := send(t, alice, msgReq(1002, st.name)); n.GetCode() != st.want {
			t.Fatalf("%s: code %d (%s), want %d", st.name, n.GetCode(), n.GetReason(), st.want)
		}
	}
}

func TestSecondLoginOnSameDeviceKicksTheFirst(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	first := e.login(1001, false, pb.DeviceType_ANDROID)
	other := e.login(1001, true, pb.DeviceType_DESKTOP)
	second := e.login(1001, true, pb.DeviceType_ANDROID)
	n, err := first.WaitClosed()
	if err != nil {
		t.Fatal(err)
	}
	if n.GetCloseStatus() != closeByOther {
		t.Fatalf("close status %d, want %d", n.GetCloseStatus(), closeByOther)
	}
	// Two sessions are online: a kicked session counts as closed.
	waitFor(t, func() bool { return e.metrics.Sessions("turms") == 2 }, "two online sessions in the metrics")
	// The other device and the new session still work.
	for _, c := range []*turmstest.Client{other, second} {
		mustCode(t, c, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{
			QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{UserIds: []int64{1001}}}})
	}
	mustCode(t, second, codeExistingSess, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateSessionRequest{CreateSessionRequest: &pb.CreateSessionRequest{
		Version: 1, UserId: 1001, Password: proto.String(pwOf(1001)),
	}}})
}

func TestHeartbeats(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.turms.HeartbeatTimeout = 300 * time.Millisecond })
	e.addUser(1001, "Alice")
	c := e.login(1001, false, pb.DeviceType_DESKTOP)
	// Heartbeats every 100 ms keep the session alive well past the timeout.
	for range 10 {
		if err := c.Heartbeat(); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.Heartbeats:
		case <-time.After(turmstest.Timeout):
			t.Fatal("no heartbeat reply")
		}
		time.Sleep(100 * time.Millisecond)
	}
	mustCode(t, c, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{
		QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{UserIds: []int64{1001}}}})
	// Silence ends it.
	n, err := c.WaitClosed()
	if err != nil {
		t.Fatal(err)
	}
	if n.GetCloseStatus() != closeHeartbeat {
		t.Fatalf("close status %d, want %d", n.GetCloseStatus(), closeHeartbeat)
	}
}

func TestLoginTimeout(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.turms.LoginTimeout = 200 * time.Millisecond })
	c := e.dial(true)
	n, err := c.WaitClosed()
	if err != nil {
		t.Fatal(err)
	}
	if n.GetCloseStatus() != closeLogin {
		t.Fatalf("close status %d, want %d", n.GetCloseStatus(), closeLogin)
	}
}

func TestBadFramesCloseWithIllegalRequest(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	cases := []struct {
		name  string
		ws    bool
		login bool
		write func(c *turmstest.Client) error
	}{
		{"tcp oversize", false, true, func(c *turmstest.Client) error { return c.WriteRaw(make([]byte, 16<<10+1)) }},
		{"ws oversize", true, true, func(c *turmstest.Client) error { return c.WriteRaw(make([]byte, 16<<10+1)) }},
		{"tcp oversize length only", false, false, func(c *turmstest.Client) error {
			return c.WriteRawUnframed(binary.AppendUvarint(nil, 1<<30))
		}},
		{"tcp bad varint", false, false, func(c *turmstest.Client) error {
			return c.WriteRawUnframed([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
		}},
		{"tcp garbage", false, true, func(c *turmstest.Client) error { return c.WriteRaw([]byte{0xff, 0xee, 0xdd, 0x01, 0x02}) }},
		{"ws garbage", true, false, func(c *turmstest.Client) error { return c.WriteRaw([]byte("\x0a\xff\xff")) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c *turmstest.Client
			if tc.login {
				c = e.login(1001, tc.ws, pb.DeviceType_DESKTOP)
			} else {
				c = e.dial(tc.ws)
			}
			if err := tc.write(c); err != nil {
				t.Fatal(err)
			}
			n, err := c.WaitClosed()
			if err != nil {
				t.Fatal(err)
			}
			if n.GetCloseStatus() != closeIllegal || n.GetCode() != codeInvalidRequest || n.GetReason() == "" {
				t.Fatalf("close notification: %v", n)
			}
		})
	}
	// The server is unharmed.
	e.login(1001, false, pb.DeviceType_DESKTOP)
}

func TestLoginFailures(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.turms.LoginFailuresPerMinute = 3 })
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	if _, err := e.users.Add(context.Background(), userNew(1003, true)); err != nil {
		t.Fatal(err)
	}
	c := e.dial(false)
	login := func(id int64, pw string, version int32) int32 {
		return send(t, c, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateSessionRequest{CreateSessionRequest: &pb.CreateSessionRequest{
			Version: version, UserId: id, Password: proto.String(pw),
		}}}).GetCode()
	}
	if got := login(1001, "pw1001", 2); got != codeBadVersion {
		t.Fatalf("version 2: %d", got)
	}
	if got := login(1003, pwOf(1003), 1); got != codeInactive {
		t.Fatalf("inactive user: %d", got)
	}
	// A request before login.
	if got := send(t, c, msgReq(1002, "x")).GetCode(); got != codeNoSession {
		t.Fatalf("request before login: %d", got)
	}
	if got := login(1001, "wrong", 1); got != codeAuthFailed {
		t.Fatalf("wrong password: %d", got)
	}
	if got := login(424242, "whatever", 1); got != codeAuthFailed {
		t.Fatalf("unknown user: %d", got)
	}
	// The connection stays open after failures, and the right password works.
	if got := login(1001, "pw1001", 1); got != codeOK {
		t.Fatalf("right password: %d", got)
	}
	// A third failure from this address, then even a right password waits.
	c2 := e.dial(true)
	if got, _ := c2.Login(1002, "wrong", pb.DeviceType_DESKTOP); got != codeAuthFailed {
		t.Fatalf("third failure: %d", got)
	}
	if got, _ := c2.Login(1002, "pw1002", pb.DeviceType_DESKTOP); got != codeTooFrequent {
		t.Fatalf("throttled login: %d", got)
	}
}

func TestInvalidRequestIDs(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	c := e.login(1001, false, pb.DeviceType_DESKTOP)
	req := msgReq(1001, "x")
	req.RequestId = proto.Int64(-5)
	b, _ := proto.Marshal(req)
	if err := c.WriteRaw(b); err != nil {
		t.Fatal(err)
	}
	n, err := c.NextPush(nil) // not matched to a pending request id
	if err != nil {
		t.Fatal(err)
	}
	if n.GetCode() != codeInvalidRequest || n.GetRequestId() != -5 {
		t.Fatalf("response: %v", n)
	}
}

func TestUnimplementedKindsAnswer(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	c := e.login(1001, false, pb.DeviceType_DESKTOP)
	for req, want := range map[*pb.TurmsRequest]int32{
		{Kind: &pb.TurmsRequest_CreateMeetingRequest{CreateMeetingRequest: &pb.CreateMeetingRequest{}}}: 8000,
	} {
		if got := send(t, c, req).GetCode(); got != want {
			t.Errorf("%v: code %d, want %d", req, got, want)
		}
	}
}

func TestProfilesStatusesAndReadDates(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	alice2 := e.login(1001, false, pb.DeviceType_IOS)
	bob := e.login(1002, true, pb.DeviceType_BROWSER)

	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{
		Name: proto.String("Alice L."), Intro: proto.String("hi"), Password: proto.String("newpw"),
	}}})
	got := relayed(t, alice2, func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetUpdateUserRequest() != nil })
	if uu := got.GetRelayedRequest().GetUpdateUserRequest(); uu.GetName() != "Alice L." || uu.Password != nil {
		t.Fatalf("relayed profile change: %v", uu)
	}
	n := mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserProfilesRequest{QueryUserProfilesRequest: &pb.QueryUserProfilesRequest{
		UserIds: []int64{1001, 5555},
	}}})
	infos := n.GetData().GetUserInfosWithVersion().GetUserInfos()
	if len(infos) != 1 || infos[0].GetName() != "Alice L." || infos[0].GetIntro() != "hi" || !infos[0].GetActive() {
		t.Fatalf("profiles: %v", infos)
	}
	mustCode(t, bob, codeUpToDate, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserProfilesRequest{QueryUserProfilesRequest: &pb.QueryUserProfilesRequest{
		UserIds: []int64{1001}, LastUpdatedDate: proto.Int64(infos[0].GetLastUpdatedDate()),
	}}})
	// The new password works.
	c := e.dial(false)
	if code, _ := c.Login(1001, "newpw", pb.DeviceType_ANDROID); code != codeOK {
		t.Fatalf("login with new password: %d", code)
	}

	// Busy shows as busy; invisible shows as offline to others only.
	status := func(viewer *turmstest.Client) *pb.UserOnlineStatus {
		n := mustCode(t, viewer, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{
			QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{UserIds: []int64{1001}}}})
		return n.GetData().GetUserOnlineStatuses().GetStatuses()[0]
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{
		UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{UserStatus: pb.UserStatus_BUSY}}})
	if st := status(bob); st.GetUserStatus() != pb.UserStatus_BUSY || len(st.GetDeviceTypes()) != 3 {
		t.Fatalf("busy: %v", st)
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{
		UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{UserStatus: pb.UserStatus_INVISIBLE}}})
	if st := status(bob); st.GetUserStatus() != pb.UserStatus_OFFLINE || len(st.GetDeviceTypes()) != 0 {
		t.Fatalf("invisible seen by Bob: %v", st)
	}
	if st := status(alice2); st.GetUserStatus() != pb.UserStatus_INVISIBLE {
		t.Fatalf("invisible seen by Alice: %v", st)
	}

	// Read dates: Bob reads Alice's conversation; his other state is queryable.
	mustCode(t, alice, codeOK, msgReq(1002, "read me"))
	before := time.Now().UnixMilli()
	mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: &pb.UpdateConversationRequest{
		UserId: proto.Int64(1001), ReadDate: before,
	}}})
	n = mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryConversationsRequest{QueryConversationsRequest: &pb.QueryConversationsRequest{
		UserIds: []int64{1001},
	}}})
	pcs := n.GetData().GetConversations().GetPrivateConversations()
	if len(pcs) != 1 || pcs[0].GetOwnerId() != 1002 || pcs[0].GetTargetId() != 1001 || pcs[0].GetReadDate() < before {
		t.Fatalf("conversations: %v", pcs)
	}

	// Setting OFFLINE for a device type logs that device out.
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{
		UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{UserStatus: pb.UserStatus_OFFLINE, DeviceTypes: []pb.DeviceType{pb.DeviceType_IOS}}}})
	if n, err := alice2.WaitClosed(); err != nil || n.GetCloseStatus() != closeByClient {
		t.Fatalf("iOS session after OFFLINE: %v %v", n, err)
	}
}

func TestRelationshipGroups(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	e.addUser(1003, "Carol")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	idx := mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipGroupRequest{
		CreateRelationshipGroupRequest: &pb.CreateRelationshipGroupRequest{Name: "work"}}}).GetData().GetLong()
	if idx <= 0 {
		t.Fatalf("group index %d", idx)
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1002, GroupIndex: proto.Int32(int32(idx)), Name: proto.String("Bobby")}}})
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1003}}})
	mustCode(t, alice, 2501, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1003}}})
	mustCode(t, alice, 2502, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1001, Blocked: true}}})
	n := mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelatedUserIdsRequest{
		QueryRelatedUserIdsRequest: &pb.QueryRelatedUserIdsRequest{GroupIndexes: []int32{int32(idx)}}}})
	if ids := n.GetData().GetLongsWithVersion().GetLongs(); len(ids) != 1 || ids[0] != 1002 {
		t.Fatalf("group members: %v", ids)
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateRelationshipGroupRequest{
		UpdateRelationshipGroupRequest: &pb.UpdateRelationshipGroupRequest{GroupIndex: int32(idx), NewName: "office"}}})
	n = mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelationshipGroupsRequest{
		QueryRelationshipGroupsRequest: &pb.QueryRelationshipGroupsRequest{}}})
	gs := n.GetData().GetUserRelationshipGroupsWithVersion().GetUserRelationshipGroups()
	if len(gs) != 2 || gs[1].GetName() != "office" {
		t.Fatalf("groups: %v", gs)
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteRelationshipGroupRequest{
		DeleteRelationshipGroupRequest: &pb.DeleteRelationshipGroupRequest{GroupIndex: int32(idx)}}})
	n = mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelationshipsRequest{
		QueryRelationshipsRequest: &pb.QueryRelationshipsRequest{UserIds: []int64{1002}}}})
	rels := n.GetData().GetUserRelationshipsWithVersion().GetUserRelationships()
	if len(rels) != 1 || rels[0].GetName() != "Bobby" || rels[0].GetGroupIndex() != 0 {
		t.Fatalf("relationship after its group was deleted: %v", rels)
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteRelationshipRequest{
		DeleteRelationshipRequest: &pb.DeleteRelationshipRequest{UserId: 1002}}})
	mustCode(t, alice, codeNoContent, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelationshipsRequest{
		QueryRelationshipsRequest: &pb.QueryRelationshipsRequest{UserIds: []int64{1002}}}})
}

func TestDeleteSessionAndServerStop(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	c := e.login(1001, false, pb.DeviceType_DESKTOP)
	if err := c.WriteRaw(mustMarshal(t, &pb.TurmsRequest{RequestId: proto.Int64(1), Kind: &pb.TurmsRequest_DeleteSessionRequest{
		DeleteSessionRequest: &pb.DeleteSessionRequest{}}})); err != nil {
		t.Fatal(err)
	}
	if n, err := c.WaitClosed(); err != nil || n.GetCloseStatus() != closeByClient {
		t.Fatalf("after DeleteSessionRequest: %v %v", n, err)
	}
	tcp := e.login(1001, false, pb.DeviceType_DESKTOP)
	ws := e.login(1001, true, pb.DeviceType_BROWSER)
	e.stop()
	for _, c := range []*turmstest.Client{tcp, ws} {
		if n, err := c.WaitClosed(); err != nil || n.GetCloseStatus() != closeServer {
			t.Fatalf("after stop: %v %v", n, err)
		}
	}
}

func TestDeactivationClosesSessions(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	c := e.login(1001, true, pb.DeviceType_DESKTOP)
	if err := e.users.SetActive(context.Background(), 1001, false); err != nil {
		t.Fatal(err)
	}
	if n, err := c.WaitClosed(); err != nil || n.GetCloseStatus() != closeInactive {
		t.Fatalf("after deactivation: %v %v", n, err)
	}
}

func TestCORSPreflight(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest(http.MethodOptions, "http://"+strings.TrimPrefix(e.wsURL, "ws://")+"/any/path", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestTCPStreamVector replays the reference client's bytes: a framed
// CreateSessionRequest, a heartbeat, then a framed CreateMessageRequest.
func TestTCPStreamVector(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(vectorDir(t), "tcp_stream_example.bin"))
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	c := e.dial(false)
	if err := c.WriteRawUnframed(b); err != nil {
		t.Fatal(err)
	}
	var responses []*pb.TurmsNotification
	for len(responses) < 2 {
		n, err := c.NextPush(func(n *pb.TurmsNotification) bool { return n.RequestId != nil })
		if err != nil {
			t.Fatal(err)
		}
		responses = append(responses, n)
	}
	select {
	case <-c.Heartbeats:
	case <-time.After(turmstest.Timeout):
		t.Fatal("no heartbeat reply")
	}
	if responses[0].GetCode() != codeOK || responses[1].GetCode() != codeOK || responses[1].GetData().GetLong() == 0 {
		t.Fatalf("responses: %v", responses)
	}
	relayed(t, bob, func(n *pb.TurmsNotification) bool { return n.GetRequesterId() == 1001 })
}

func vectorDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "shared", "turms-vectors")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Turms vectors are missing at %s", dir)
		}
		t.Skipf("the Turms vectors are not at %s (they come with the project's shared/ folder)", dir)
	}
	return dir
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitFor polls cond until it holds, failing after turmstest.Timeout.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(turmstest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRequestFloodsAreRefused(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*envOptions)
	}{
		{"per session", func(o *envOptions) { o.turms.RequestsPerSecond, o.turms.RequestBurst = 5, 5 }},
		{"per address", func(o *envOptions) { o.turms.IPRequestsPerSecond, o.turms.IPRequestBurst = 5, 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.tweak)
			e.addUser(1001, "Alice")
			a := e.login(1001, false, pb.DeviceType_DESKTOP) // the login took one token
			b := e.login(1001, true, pb.DeviceType_BROWSER)
			ok, refused := 0, 0
			for i := range 20 {
				c := a
				if i%2 == 1 {
					c = b
				}
				switch code := send(t, c, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{
					QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{UserIds: []int64{1001}}}}).GetCode(); code {
				case codeOK:
					ok++
				case codeTooFrequent:
					refused++
				default:
					t.Fatalf("code %d", code)
				}
			}
			if refused == 0 || ok == 0 {
				t.Fatalf("%d answered, %d refused: the limit did not bite", ok, refused)
			}
		})
	}
}

func TestUserDefinedAttributesMerge(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	c := e.login(1001, false, pb.DeviceType_DESKTOP)
	set := func(attrs map[string]*pb.Value) int32 {
		return send(t, c, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{
			UserDefinedAttributes: attrs}}}).GetCode()
	}
	if code := set(map[string]*pb.Value{"city": {Kind: &pb.Value_StringValue{StringValue: "Oslo"}}}); code != codeOK {
		t.Fatalf("first update: %d", code)
	}
	if code := set(map[string]*pb.Value{"age": {Kind: &pb.Value_Int64Value{Int64Value: 41}},
		"tags": {ListValue: []*pb.Value{{Kind: &pb.Value_BoolValue{BoolValue: true}}}}}); code != codeOK {
		t.Fatalf("second update: %d", code)
	}
	n := mustCode(t, c, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserProfilesRequest{QueryUserProfilesRequest: &pb.QueryUserProfilesRequest{
		UserIds: []int64{1001}}}})
	attrs := n.GetData().GetUserInfosWithVersion().GetUserInfos()[0].GetUserDefinedAttributes()
	if attrs["city"].GetStringValue() != "Oslo" || attrs["age"].GetInt64Value() != 41 || !attrs["tags"].GetListValue()[0].GetBoolValue() {
		t.Fatalf("attributes: %v", attrs)
	}
	big := map[string]*pb.Value{"blob": {Kind: &pb.Value_StringValue{StringValue: strings.Repeat("x", 5000)}}}
	if code := set(big); code != 1102 {
		t.Fatalf("oversized attributes: %d", code)
	}
}

func TestRelatedUsersHearOfChangesWhenConfigured(t *testing.T) {
	e := newEnv(t, func(o *envOptions) {
		o.presence.NotifyRelatedUsers = true
		o.users.NotifyRelatedUsersOfProfileChange = true
	})
	for _, id := range []int64{1001, 1002, 1003} {
		e.addUser(id, "u")
	}
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	carol := e.login(1003, false, pb.DeviceType_DESKTOP)
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1002}}})
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
		CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: 1003, Blocked: true}}})
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{
		UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{UserStatus: pb.UserStatus_AWAY}}})
	got := relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateUserOnlineStatusRequest() != nil
	})
	if got.GetRequesterId() != 1001 || got.GetRelayedRequest().GetUpdateUserOnlineStatusRequest().GetUserStatus() != pb.UserStatus_AWAY {
		t.Fatalf("relayed status: %v", got)
	}
	mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{
		Name: proto.String("Alice A.")}}})
	relayed(t, bob, func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateUserRequest().GetName() == "Alice A."
	})
	// Carol, blocked by Alice, heard nothing of either: the next thing she
	// receives is a message sent after both changes.
	mustCode(t, bob, codeOK, msgReq(1003, "marker"))
	n, err := carol.NextPush(func(n *pb.TurmsNotification) bool { return n.RelayedRequest != nil })
	if err != nil {
		t.Fatal(err)
	}
	if n.GetRelayedRequest().GetCreateMessageRequest().GetText() != "marker" {
		t.Fatalf("Carol received %v", n)
	}
}

func TestCommonRelationships(t *testing.T) {
	e := newEnv(t)
	for _, id := range []int64{1001, 1002, 1003, 1004} {
		e.addUser(id, "u")
	}
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	dave := e.login(1004, false, pb.DeviceType_DESKTOP)
	relate := func(c *turmstest.Client, to int64) {
		mustCode(t, c, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateRelationshipRequest{
			CreateRelationshipRequest: &pb.CreateRelationshipRequest{UserId: to}}})
	}
	relate(alice, 1002)
	relate(alice, 1003)
	relate(dave, 1003)
	n := mustCode(t, alice, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelatedUserIdsRequest{
		QueryRelatedUserIdsRequest: &pb.QueryRelatedUserIdsRequest{UserIdsForCommonRelationships: []int64{1004}}}})
	if ids := n.GetData().GetLongsWithVersion().GetLongs(); len(ids) != 1 || ids[0] != 1003 {
		t.Fatalf("common related ids: %v, want [1003]", ids)
	}
}

// TestChangedPasswordIsNotRemembered: a password that logged in (and is
// remembered, see credential.Memo) stops working once it is changed, and
// the new one works, over real connections.
func TestChangedPasswordIsNotRemembered(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	login := func(pw string) int32 {
		c := e.dial(false)
		defer c.Close()
		code, err := c.Login(1001, pw, pb.DeviceType_DESKTOP)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	for range 2 { // the second login is answered from memory
		if got := login(pwOf(1001)); got != codeOK {
			t.Fatalf("login: %d", got)
		}
	}
	if err := e.users.SetPassword(context.Background(), 1001, "new secret"); err != nil {
		t.Fatal(err)
	}
	if got := login(pwOf(1001)); got != codeAuthFailed {
		t.Fatalf("the old password after the change: %d, want %d", got, codeAuthFailed)
	}
	if got := login("new secret"); got != codeOK {
		t.Fatalf("the new password: %d", got)
	}
}
