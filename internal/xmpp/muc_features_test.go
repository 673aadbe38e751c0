package xmpp_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// Message features in rooms: an occupant's correction, retraction,
// reactions and displayed marker are group edits, recalls, reactions and
// read dates, and a Turms member's reach the occupants; messages are named
// by the room's stanza-id.

// roomWithTurmsMember is group 'Team' of Alice (1001, owner), Bob (1002)
// and Carol (1003, on Turms), with Alice and Bob in its room.
func roomWithTurmsMember(t *testing.T, mut ...func(*config.Config)) (e *env, gid int64, room string, alice, bob *xmpptest.Client, carol *turmstest.Client) {
	e = newEnv(t, mut...)
	e.friends()
	e.user(1003, "Carol", "")
	gid, room = e.group(1001, "Team", nil, 1002, 1003)
	carol = e.turms(1003)
	alice, bob = e.online(1001, "pc"), e.online(1002, "phone")
	join(t, alice, room, "alice", `<history maxstanzas='0'/>`)
	join(t, bob, room, "bob", `<history maxstanzas='0'/>`)
	expect(t, alice, func(el *xmlstream.Element) bool { return el.Local == "presence" && el.Attr("from") == room+"/bob" })
	return
}

func groupchatWith(from, space, local string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("type") == "groupchat" && el.Attr("from") == from && el.Child(space, local) != nil
	}
}

// say sends a groupchat message and returns its stanza-id as reflected.
func say(t *testing.T, c *xmpptest.Client, room, nick, id, body string) string {
	t.Helper()
	must(t, c.SendString(`<message to='`+room+`' type='groupchat' id='`+id+`'><body>`+body+`</body><origin-id xmlns='urn:xmpp:sid:0' id='`+id+`'/></message>`))
	el := expect(t, c, groupchatFrom(room+"/"+nick, body))
	return el.Child("urn:xmpp:sid:0", "stanza-id").Attr("id")
}

func TestMUCCorrectionAndRetractionAreGroupEditAndRecall(t *testing.T) {
	_, gid, room, alice, bob, carol := roomWithTurmsMember(t)
	sid := say(t, alice, room, "alice", "a1", "helo team")
	turmsGroupText(t, carol, gid, "helo team")

	original := expect(t, bob, groupchatFrom(room+"/alice", "helo team"))
	// A correction names the message by the id Alice's client gave it; it
	// comes with the room's occupant id of Alice (XEP-0421), never one the
	// client made up, so that clients match it with the original.
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat' id='a2'><body>hello team</body><replace xmlns='`+nsCorrect+`' id='a1'/>`+
		`<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>`))
	got := expect(t, bob, groupchatWith(room+"/alice", nsCorrect, "replace"))
	if got.Child(nsCorrect, "replace").Attr("id") != "a1" || got.ChildText(xmlstream.NSClient, "body") != "hello team" {
		t.Fatalf("Bob got %s", got)
	}
	oid := original.Child("urn:xmpp:occupant-id:0", "occupant-id").Attr("id")
	if n := len(got.Elements()); oid == "" || got.Child("urn:xmpp:occupant-id:0", "occupant-id").Attr("id") != oid || n != 3 {
		t.Fatalf("the correction %s does not carry the occupant id %q of %s alone", got, oid, original)
	}
	expect(t, alice, groupchatWith(room+"/alice", nsCorrect, "replace")) // reflected
	um := push(t, carol, func(r *pb.TurmsRequest) bool { return r.GetUpdateMessageRequest() != nil }).GetUpdateMessageRequest()
	if strconv.FormatInt(um.GetMessageId(), 10) != sid || um.GetText() != "hello team" {
		t.Fatalf("Carol got %v, want an edit of %s", um, sid)
	}

	// Bob may not retract Alice's message; Alice may, by stanza-id.
	must(t, bob.SendString(`<message to='`+room+`' type='groupchat' id='b1'><retract xmlns='`+nsRetract+`' id='`+sid+`'/></message>`))
	expectError(t, bob, "b1", "not-allowed")
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat' id='a3'><retract xmlns='`+nsRetract+`' id='`+sid+`'/><body>/me retracted</body></message>`))
	got = expect(t, bob, groupchatWith(room+"/alice", nsRetract, "retract"))
	if got.Child(nsRetract, "retract").Attr("id") != sid {
		t.Fatalf("Bob got %s", got)
	}
	um = push(t, carol, func(r *pb.TurmsRequest) bool { return r.GetUpdateMessageRequest() != nil }).GetUpdateMessageRequest()
	if strconv.FormatInt(um.GetMessageId(), 10) != sid || um.RecallDate == nil {
		t.Fatalf("Carol got %v, want a recall of %s", um, sid)
	}
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat' id='a4'><retract xmlns='`+nsRetract+`' id='nope'/></message>`))
	expectError(t, alice, "a4", "item-not-found")
}

func TestMUCTurmsEditAndRecallReachOccupants(t *testing.T) {
	_, gid, room, _, bob, carol := roomWithTurmsMember(t)
	resp, err := carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
		GroupId: proto.Int64(gid), Text: proto.String("from turms"),
	}}})
	if err != nil || resp.GetCode() != 1000 {
		t.Fatalf("send: %v %v", resp, err)
	}
	id := resp.GetData().GetLong()
	ref := strconv.FormatInt(id, 10)
	m := expect(t, bob, groupchatFrom(room+"/Carol", "from turms"))
	if m.Child("urn:xmpp:sid:0", "stanza-id").Attr("id") != ref {
		t.Fatalf("Bob got %s", m)
	}
	turmsOK(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, Text: proto.String("from Turms"),
	}}})
	c := expect(t, bob, groupchatWith(room+"/Carol", nsCorrect, "replace"))
	oid := m.Child("urn:xmpp:occupant-id:0", "occupant-id").Attr("id")
	if c.Child(nsCorrect, "replace").Attr("id") != ref || c.ChildText(xmlstream.NSClient, "body") != "from Turms" ||
		oid == "" || c.Child("urn:xmpp:occupant-id:0", "occupant-id").Attr("id") != oid {
		t.Fatalf("Bob got %s after %s", c, m)
	}
	turmsOK(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	r := expect(t, bob, groupchatWith(room+"/Carol", nsRetract, "retract"))
	if r.Child(nsRetract, "retract").Attr("id") != ref {
		t.Fatalf("Bob got %s", r)
	}
}

func TestMUCReactionsBothWays(t *testing.T) {
	_, gid, room, alice, bob, carol := roomWithTurmsMember(t)
	sid := say(t, alice, room, "alice", "a1", "vote")
	id, _ := strconv.ParseInt(sid, 10, 64)
	turmsGroupText(t, carol, gid, "vote")

	// Bob reacts by stanza-id: Alice sees it as sent, Carol as Turms reactions.
	must(t, bob.SendString(`<message to='`+room+`' type='groupchat' id='b1'>`+reactions(sid, "👍")+`</message>`))
	got := expect(t, alice, groupchatWith(room+"/bob", nsReactions, "reactions"))
	if !slices.Equal(reactionsOf(got), []string{"👍"}) {
		t.Fatalf("Alice got %s", got)
	}
	cr := push(t, carol, func(r *pb.TurmsRequest) bool { return r.GetCreateMessageReactionsRequest() != nil }).GetCreateMessageReactionsRequest()
	if cr.GetMessageId() != id || !slices.Equal(cr.GetReactionTypes(), []int32{0x1F44D}) {
		t.Fatalf("Carol got %v", cr)
	}
	// Carol reacts on Turms: the occupants get her whole set.
	turmsOK(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
		MessageId: id, ReactionTypes: []int32{0x1F389},
	}}})
	got = expect(t, bob, groupchatWith(room+"/Carol", nsReactions, "reactions"))
	if got.Child(nsReactions, "reactions").Attr("id") != sid || !slices.Equal(reactionsOf(got), []string{"🎉"}) {
		t.Fatalf("Bob got %s", got)
	}
}

func TestMUCDisplayedMarkerIsAGroupReadDate(t *testing.T) {
	_, gid, room, alice, bob, carol := roomWithTurmsMember(t, func(c *config.Config) { c.Messages.NotifyGroupOfReadDate = true })
	sid := say(t, alice, room, "alice", "a1", "read this")
	turmsGroupText(t, carol, gid, "read this")

	must(t, bob.SendString(`<message to='`+room+`' type='groupchat' id='b1'><displayed xmlns='`+nsMarkers+`' id='`+sid+`'/></message>`))
	got := expect(t, alice, groupchatWith(room+"/bob", nsMarkers, "displayed"))
	if got.Child(nsMarkers, "displayed").Attr("id") != sid {
		t.Fatalf("Alice got %s", got)
	}
	uc := push(t, carol, func(r *pb.TurmsRequest) bool { return r.GetUpdateConversationRequest() != nil }).GetUpdateConversationRequest()
	if uc.GetGroupId() != gid || uc.GetReadDate() == 0 {
		t.Fatalf("Carol got %v", uc)
	}
	// Carol reads on Turms: the occupants get her marker for the last message.
	turmsOK(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: &pb.UpdateConversationRequest{
		GroupId: proto.Int64(gid), ReadDate: time.Now().UnixMilli(),
	}}})
	got = expect(t, bob, groupchatWith(room+"/Carol", nsMarkers, "displayed"))
	if got.Child(nsMarkers, "displayed").Attr("id") != sid {
		t.Fatalf("Bob got %s, want Carol's marker for %s", got, sid)
	}
}

// The room archive keeps retractions: the recalled message is gone, its
// retraction (by stanza-id) is in its place in time.
func TestMUCArchiveKeepsRetractions(t *testing.T) {
	_, gid, room, alice, bob, carol := roomWithTurmsMember(t)
	sid := say(t, alice, room, "alice", "a1", "oops")
	say(t, alice, room, "alice", "a2", "kept")
	turmsGroupText(t, carol, gid, "kept")
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat' id='a3'><retract xmlns='`+nsRetract+`' id='a1'/></message>`))
	expect(t, alice, groupchatWith(room+"/alice", nsRetract, "retract")) // reflected: done
	p := mamQuery(t, bob, room, nil, "")
	var got []string
	for _, m := range p.msgs {
		if r := m.Child(nsRetract, "retract"); r != nil {
			got = append(got, "retract "+r.Attr("id")+" from "+m.Attr("from"))
			continue
		}
		got = append(got, m.ChildText(xmlstream.NSClient, "body"))
	}
	want := []string{"kept", "retract " + sid + " from " + room + "/alice"}
	if !slices.Equal(got, want) {
		t.Fatalf("the room archive: %q, want %q", got, want)
	}
}
