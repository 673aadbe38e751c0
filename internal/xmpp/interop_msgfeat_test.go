package xmpp_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// TestInteropSlixmppMessageFeatures runs slixmpp_msgfeat.py: slixmpp's
// own plugins for corrections, retractions, reactions, chat markers and
// chat states, against a Turms user, both ways.
func TestInteropSlixmppMessageFeatures(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	e := newEnv(t, func(c *config.Config) {
		c.XMPP.RequireTLS = true
		c.Messages.NotifyContactOfReadDate = true
	})
	e.user(1001, "Alice", "alice")
	e.user(1003, "Carol", "")
	e.befriend(1001, 1003)
	gid, room := e.group(1001, "Team", nil, 1003)
	carol := e.turms(1003)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { carolBot(ctx, t, carol, 1001, gid) })
	t.Cleanup(func() { cancel(); carol.Close(); wg.Wait() })

	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	args := []string{filepath.Join(interopDir(t), "slixmpp_msgfeat.py"), host, port, domain, room}
	if os.Getenv("HERMOD_TEST_DEBUG") != "" {
		args = append(args, "-v")
	}
	runScript(t, python, args...)
}

// carolBot is a Turms client that tells peer in chat what it saw (an
// edit, a recall, reactions, a read date, typing) and does to the chat
// what peer asks for ("please edit", "please react", "please read",
// "please recall", "please type"), in their chat and in group gid (where
// she answers in the group, and reacts when asked).
func carolBot(ctx context.Context, t *testing.T, c *turmstest.Client, peer, gid int64) {
	texts := map[int64]string{} // peer's messages by id
	inGroup := map[int64]bool{} // which of them are in the group
	var mine int64              // Carol's first message
	send := func(req *pb.TurmsRequest) *pb.TurmsNotification {
		n, err := c.Send(req)
		if err != nil || n.GetCode() != 1000 {
			t.Logf("Carol's request %v: %v %v", req, n, err)
		}
		return n
	}
	say := func(text string) int64 {
		n := send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			RecipientId: proto.Int64(peer), Text: proto.String(text),
		}}})
		return n.GetData().GetLong()
	}
	reply := func(to int64, text string) {
		if !inGroup[to] {
			say(text)
			return
		}
		send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			GroupId: proto.Int64(gid), Text: proto.String(text),
		}}})
	}
	join := func(ts []int32) string {
		var out []string
		for _, t := range ts {
			out = append(out, strconv.Itoa(int(t)))
		}
		return strings.Join(out, ",")
	}
	typed := false
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
		if n.GetRequesterId() != peer {
			continue
		}
		r := n.GetRelayedRequest()
		switch {
		case r.GetCreateMessageRequest() != nil:
			cm := r.GetCreateMessageRequest()
			texts[cm.GetMessageId()] = cm.GetText()
			inGroup[cm.GetMessageId()] = cm.GetGroupId() == gid
			switch cm.GetText() {
			case "room please react":
				for id, text := range texts {
					if text == "room fixed" || text == "room typo" {
						send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
							MessageId: id, ReactionTypes: []int32{0x1F525},
						}}})
					}
				}
			case "hello carol":
				mine = say("carol 1")
			case "please edit":
				send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
					MessageId: mine, Text: proto.String("carol 1 (edited)"),
				}}})
			case "please react":
				send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
					MessageId: cm.GetMessageId(), ReactionTypes: []int32{0x1F525},
				}}})
			case "please read":
				send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: &pb.UpdateConversationRequest{
					UserId: proto.Int64(peer), ReadDate: time.Now().UnixMilli(),
				}}})
			case "please recall":
				id := say("carol 2")
				send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
					MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
				}}})
			case "please type":
				send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{
					ToId: peer,
				}}})
			}
		case r.GetUpdateMessageRequest() != nil:
			um := r.GetUpdateMessageRequest()
			if um.RecallDate != nil {
				reply(um.GetMessageId(), "recalled: "+texts[um.GetMessageId()])
			} else if um.Text != nil {
				texts[um.GetMessageId()] = um.GetText()
				reply(um.GetMessageId(), "edited: "+um.GetText())
			}
		case r.GetCreateMessageReactionsRequest() != nil:
			cr := r.GetCreateMessageReactionsRequest()
			reply(cr.GetMessageId(), "reacted: "+join(cr.GetReactionTypes()))
		case r.GetDeleteMessageReactionsRequest() != nil:
			dr := r.GetDeleteMessageReactionsRequest()
			reply(dr.GetMessageId(), "unreacted: "+join(dr.GetReactionTypes()))
		case r.GetUpdateConversationRequest() != nil:
			say("read")
		case r.GetUpdateTypingStatusRequest() != nil && !typed:
			typed = true
			say("typing")
		}
	}
}
