package xmpp_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

// turmsDo sends a Turms request and fails unless it succeeds.
func turmsDo(t *testing.T, c *turmstest.Client, req *pb.TurmsRequest) {
	t.Helper()
	n, err := c.Send(req)
	if err != nil || n.GetCode() != 1000 {
		t.Fatalf("Turms request %v: %v %v", req, n, err)
	}
}

// TestMUCFromTurms: what a Turms owner does to the group, occupants see in
// the room: a new announcement is the subject, a removed member is kicked,
// an invitation reaches the invitee's XMPP client, and deleting the group
// destroys the room.
func TestMUCFromTurms(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	e.user(1004, "Dave", "")
	gid, room := e.group(1003, "Team", nil, 1001, 1002)
	carol := e.turms(1003)
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	bob := e.online(1002, "pc")
	join(t, bob, room, "bob", "")
	expect(t, alice, xmpptest.Is("presence", "from", room+"/bob"))
	dave := e.online(1004, "pc")

	turmsDo(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupRequest{UpdateGroupRequest: &pb.UpdateGroupRequest{
		GroupId: gid, Announcement: proto.String("new rules")}}})
	for _, c := range []*xmpptest.Client{alice, bob} {
		expect(t, c, func(el *xmlstream.Element) bool {
			return el.Local == "message" && el.Attr("from") == room && el.ChildText(xmlstream.NSClient, "subject") == "new rules"
		})
	}

	turmsDo(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupMembersRequest{DeleteGroupMembersRequest: &pb.DeleteGroupMembersRequest{
		GroupId: gid, MemberIds: []int64{1002}}}})
	if p := expect(t, bob, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable")); !hasCode(p, "110") || !hasCode(p, "307") {
		t.Errorf("Bob removed by the Turms owner: %s", p)
	}
	if p := expect(t, alice, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable")); !hasCode(p, "307") {
		t.Errorf("Bob's removal as Alice sees it: %s", p)
	}

	turmsDo(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupInvitationRequest{CreateGroupInvitationRequest: &pb.CreateGroupInvitationRequest{
		GroupId: gid, InviteeId: 1004, Content: "hi Dave"}}})
	inv := expect(t, dave, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("from") == room && el.Child(nsMUCUser, "x") != nil
	})
	if i := inv.Child(nsMUCUser, "x").Child(nsMUCUser, "invite"); i.Attr("from") != jidOf(1003) || i.ChildText(nsMUCUser, "reason") != "hi Dave" {
		t.Errorf("the Turms invitation: %s", inv)
	}

	turmsDo(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupRequest{DeleteGroupRequest: &pb.DeleteGroupRequest{GroupId: gid}}})
	p := expect(t, alice, xmpptest.Is("presence", "from", room+"/alice", "type", "unavailable"))
	if p.Child(nsMUCUser, "x").Child(nsMUCUser, "destroy") == nil || !hasCode(p, "110") {
		t.Errorf("the group's deletion: %s", p)
	}
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat' id='gone'><body>anyone?</body></message>`))
	if r := expect(t, alice, xmpptest.Is("message", "id", "gone")); r.Attr("type") != "error" {
		t.Errorf("groupchat to a destroyed room: %s", r)
	}
}

// TestMUCNickAndPresence: an occupant changes its presence and its nick
// in the room; the others see both (status 303 names the new nick), and
// its messages then come from the new nick.
func TestMUCNickAndPresence(t *testing.T) {
	e := newEnv(t)
	e.friends()
	_, room := e.group(1001, "Team", nil, 1002)
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	bob := e.online(1002, "pc")
	join(t, bob, room, "bob", "")
	expect(t, alice, xmpptest.Is("presence", "from", room+"/bob"))

	must(t, bob.SendString(`<presence to='`+room+`/bob'><show>dnd</show></presence>`))
	p := expect(t, alice, xmpptest.Is("presence", "from", room+"/bob"))
	if p.ChildText(xmlstream.NSClient, "show") != "dnd" {
		t.Errorf("Bob's new presence: %s", p)
	}
	must(t, bob.SendString(`<presence to='`+room+`/alice'/>`))
	if r := expect(t, bob, xmpptest.Is("presence", "type", "error")); !isError(r, "conflict") {
		t.Errorf("taking Alice's nick: %s", r)
	}
	must(t, bob.SendString(`<presence to='`+room+`/robert'/>`))
	for _, c := range []*xmpptest.Client{alice, bob} {
		old := expect(t, c, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable"))
		if !hasCode(old, "303") || item(old).Attr("nick") != "robert" {
			t.Errorf("the nick change: %s", old)
		}
		expect(t, c, xmpptest.Is("presence", "from", room+"/robert"))
	}
	must(t, bob.SendString(`<message to='`+room+`' type='groupchat'><body>call me robert</body></message>`))
	expect(t, alice, groupchatFrom(room+"/robert", "call me robert"))
}

// TestMUCRoleFromTurms: with groups.notify_members_of_member_update, a
// Turms owner's mute and promotion reach occupants as role changes.
func TestMUCRoleFromTurms(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Groups.NotifyMembersOfMemberUpdate = true })
	e.friends()
	e.user(1003, "Carol", "")
	gid, room := e.group(1003, "Team", nil, 1001, 1002)
	carol := e.turms(1003)
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	bob := e.online(1002, "pc")
	join(t, bob, room, "bob", "")
	expect(t, alice, xmpptest.Is("presence", "from", room+"/bob"))

	turmsDo(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupMemberRequest{UpdateGroupMemberRequest: &pb.UpdateGroupMemberRequest{
		GroupId: gid, MemberId: 1002, MuteEndDate: proto.Int64(time.Now().Add(time.Hour).UnixMilli())}}})
	for _, c := range []*xmpptest.Client{alice, bob} {
		expect(t, c, func(el *xmlstream.Element) bool {
			return el.Local == "presence" && el.Attr("from") == room+"/bob" && item(el).Attr("role") == "visitor"
		})
	}
	manager := pb.GroupMemberRole_MANAGER
	turmsDo(t, carol, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupMemberRequest{UpdateGroupMemberRequest: &pb.UpdateGroupMemberRequest{
		GroupId: gid, MemberId: 1001, Role: &manager}}})
	p := expect(t, alice, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == room+"/alice" && item(el).Attr("affiliation") == "admin"
	})
	if item(p).Attr("role") != "moderator" || !hasCode(p, "110") {
		t.Errorf("Alice promoted, as she sees it: %s", p)
	}
	expect(t, bob, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == room+"/alice" && item(el).Attr("affiliation") == "admin"
	})
}
