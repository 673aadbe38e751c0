package xmpp_test

import (
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/xmpp/xmlstream"
)

// TestMUCArchive: a room's archive (MAM to the room's JID) is the group's
// messages from XMPP and Turms members alike, paged with RSM both ways,
// filtered by occupant; it is for members only.
func TestMUCArchive(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	e.user(1004, "Dave", "")
	gid, room := e.group(1001, "Team", nil, 1002, 1003)
	carol := e.turms(1003)
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	for i := 1; i <= 6; i++ {
		text := "m" + strconv.Itoa(i)
		if i%2 == 1 {
			must(t, alice.SendString(`<message to='`+room+`' type='groupchat'><body>`+text+`</body></message>`))
		} else {
			n, err := carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
				GroupId: proto.Int64(gid), Text: proto.String(text)}}})
			if err != nil || n.GetCode() != 1000 {
				t.Fatalf("Turms send: %v %v", n, err)
			}
		}
		// Wait for it in the room, so that the archive's order is this one.
		expect(t, alice, func(el *xmlstream.Element) bool {
			return el.Local == "message" && el.ChildText(xmlstream.NSClient, "body") == text
		})
	}

	// Bob reads it without sitting in the room: the last page, then the
	// one before it.
	bob := e.login(1002, "pc")
	last := mamQuery(t, bob, room, nil, rsmMax(4, "<before/>"))
	if last.err != nil || strings.Join(last.bodies(), ",") != "m3,m4,m5,m6" || last.complete() {
		t.Fatalf("last page: %v %v err %v", last.bodies(), last.complete(), last.err)
	}
	m := last.msgs[0]
	if m.Attr("type") != "groupchat" || m.Attr("from") != room+"/alice" {
		t.Errorf("an archived message: %s", m)
	}
	if m := last.msgs[1]; m.Attr("from") != room+"/Carol" || m.Child(nsMUCUser, "x").Child(nsMUCUser, "item").Attr("jid") != jidOf(1003) {
		t.Errorf("Carol's archived message: %s", m)
	}
	first := mamQuery(t, bob, room, nil, rsmMax(4, "<before>"+last.rsm("first")+"</before>"))
	if strings.Join(first.bodies(), ",") != "m1,m2" || !first.complete() {
		t.Errorf("the page before: %v complete %v", first.bodies(), first.complete())
	}
	// Forwards from the start, and the stanza-ids are the archive ids.
	fwd := mamQuery(t, bob, room, nil, rsmMax(3, ""))
	if strings.Join(fwd.bodies(), ",") != "m1,m2,m3" {
		t.Errorf("first page: %v", fwd.bodies())
	}
	if sid := fwd.msgs[0].Child(nsSID, "stanza-id"); sid == nil || sid.Attr("id") != fwd.ids[0] || sid.Attr("by") != room {
		t.Errorf("stanza-id of an archived message: %s (archive id %s)", fwd.msgs[0], fwd.ids[0])
	}
	// By occupant, and by real JID.
	for _, with := range []string{room + "/Carol", jidOf(1003)} {
		p := mamQuery(t, bob, room, []string{"with", with}, "")
		if strings.Join(p.bodies(), ",") != "m2,m4,m6" {
			t.Errorf("with %s: %v", with, p.bodies())
		}
	}
	// Not a member: no archive.
	dave := e.login(1004, "pc")
	if p := mamQuery(t, dave, room, nil, ""); p.condition() != "item-not-found" {
		t.Errorf("a non-member's query: %v", p.condition())
	}
}
