package turms_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
)

// TestPipelinedMessages sends a burst of requests in one write, as a busy
// client does: private messages, some refused, with a typing status in the
// middle. Every request is answered in order; the accepted messages get
// increasing ids in the order sent, reach the recipient in that order with
// the typing status where it was sent, and are all in the archive; and they
// shared commits (the reason for pipelining).
func TestPipelinedMessages(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	if _, err := e.users.Add(t.Context(), userNew(1003, true)); err != nil {
		t.Fatal(err)
	}
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_ANDROID)

	const (
		n         = 40
		tooLong   = 7  // text over the 500-character limit
		typingAt  = 12 // a typing status, not pipelined
		toInactve = 15 // to an inactive account
	)
	reqs := make([]*pb.TurmsRequest, n)
	want := make([]int32, n)
	for i := range reqs {
		text := "m" + itoa(int64(i))
		to := int64(1002)
		want[i] = codeOK
		switch i {
		case tooLong:
			text, want[i] = strings.Repeat("x", 501), 1102
		case toInactve:
			to, want[i] = 1003, 5000
		case typingAt:
			reqs[i] = &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{
				UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1002}}}
			continue
		}
		reqs[i] = msgReq(to, text)
	}
	commitsBefore, _ := e.store.CommitStats()
	resps, err := alice.Pipeline(reqs...)
	if err != nil {
		t.Fatal(err)
	}
	commits, _ := e.store.CommitStats()
	commits -= commitsBefore

	var ids []int64
	var texts []string
	for i, r := range resps {
		if r.GetRequestId() != reqs[i].GetRequestId() || r.GetCode() != want[i] {
			t.Fatalf("response %d: request %d code %d (%s), want request %d code %d",
				i, r.GetRequestId(), r.GetCode(), r.GetReason(), reqs[i].GetRequestId(), want[i])
		}
		if want[i] == codeOK && i != typingAt {
			id := r.GetData().GetLong()
			if len(ids) > 0 && id <= ids[len(ids)-1] {
				t.Fatalf("message %d has id %d, not above the one before (%d)", i, id, ids[len(ids)-1])
			}
			ids = append(ids, id)
			texts = append(texts, reqs[i].GetCreateMessageRequest().GetText())
		}
	}
	if int(commits) >= len(ids) {
		t.Errorf("%d messages took %d commits: the pipelined messages did not share any", len(ids), commits)
	}

	// Bob gets the messages in the order sent, the typing status between
	// the messages sent before and after it.
	typingSeen := false
	for i, id := range ids {
		got, err := bob.NextPush(func(n *pb.TurmsNotification) bool { return n.RelayedRequest != nil })
		if err != nil {
			t.Fatal(err)
		}
		if got.GetRelayedRequest().GetUpdateTypingStatusRequest() != nil {
			if i != typingAt-1 { // the messages before it: all but the too-long one
				t.Fatalf("typing status relayed after %d messages, want %d", i, typingAt-1)
			}
			typingSeen = true
			if got, err = bob.NextPush(func(n *pb.TurmsNotification) bool { return n.RelayedRequest != nil }); err != nil {
				t.Fatal(err)
			}
		}
		cm := got.GetRelayedRequest().GetCreateMessageRequest()
		if cm.GetMessageId() != id || cm.GetText() != texts[i] {
			t.Fatalf("relayed #%d: id %d %q, want id %d %q", i, cm.GetMessageId(), cm.GetText(), id, texts[i])
		}
	}
	if !typingSeen {
		t.Fatal("the typing status was not relayed")
	}

	// All of them are in the archive.
	q := mustCode(t, bob, codeOK, reqOf(&pb.QueryMessagesRequest{AreGroupMessages: proto.Bool(false), FromIds: []int64{1001}}))
	if got := len(q.GetData().GetMessages().GetMessages()); got != len(ids) {
		t.Fatalf("archive holds %d messages, want %d", got, len(ids))
	}
}

// TestPipelinedMessagesThenLogout: messages written in one burst with a
// logout after them are all stored and relayed before the session ends.
func TestPipelinedMessagesThenLogout(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_ANDROID)

	const n = 20
	var burst []byte
	for i := range n + 1 {
		req := msgReq(1002, "bye "+itoa(int64(i)))
		if i == n {
			req = &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteSessionRequest{DeleteSessionRequest: &pb.DeleteSessionRequest{}}}
		}
		req.RequestId = proto.Int64(int64(i + 1))
		b, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		burst = append(binary.AppendUvarint(burst, uint64(len(b))), b...)
	}
	if err := alice.WriteRawUnframed(burst); err != nil {
		t.Fatal(err)
	}
	answered := 0
	for {
		p, err := alice.NextPush(nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.CloseStatus != nil {
			if p.GetCloseStatus() != closeByClient {
				t.Fatalf("closed with %d", p.GetCloseStatus())
			}
			break
		}
		if p.GetCode() != codeOK || p.GetRequestId() != int64(answered+1) {
			t.Fatalf("response %d: %v", answered, p)
		}
		answered++
	}
	if answered != n {
		t.Fatalf("%d of %d messages answered before the close", answered, n)
	}
	for i := range n {
		relayed(t, bob, isMessage("bye "+itoa(int64(i))))
	}
	q := mustCode(t, bob, codeOK, reqOf(&pb.QueryMessagesRequest{AreGroupMessages: proto.Bool(false), FromIds: []int64{1001}}))
	if got := len(q.GetData().GetMessages().GetMessages()); got != n {
		t.Fatalf("archive holds %d messages, want %d", got, n)
	}
}
