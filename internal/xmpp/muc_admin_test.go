package xmpp_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"hermod/internal/domain/group"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

func adminSet(t *testing.T, c *xmpptest.Client, room, items string) *xmlstream.Element {
	t.Helper()
	r, err := c.IQ("set", room, q(t, `<query xmlns='`+nsMUCAdmin+`'>`+items+`</query>`))
	must(t, err)
	return r
}

func isError(r *xmlstream.Element, cond string) bool {
	return r.Attr("type") == "error" && r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", cond) != nil
}

// TestMUCAffiliationsAndRoles: the owner grants and revokes admin (group
// manager), mutes (visitor), kicks (removes from the group) and bans
// (blocklists); each is the group's operation, which members see, and the
// group's rules refuse a member who tries the same.
func TestMUCAffiliationsAndRoles(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	gid, room := e.group(1001, "Team", nil, 1002, 1003)
	ctx, groups := context.Background(), e.srv.Groups()
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	bob := e.online(1002, "pc")
	join(t, bob, room, "bob", "")
	carol := e.online(1003, "pc")
	join(t, carol, room, "carol", "")
	roleOf := func(id int64) (group.Role, bool) {
		r, ok, err := groups.Role(ctx, gid, id)
		must(t, err)
		return r, ok
	}

	// A member may not kick.
	if r := adminSet(t, bob, room, `<item nick='carol' role='none'/>`); !isError(r, "forbidden") {
		t.Fatalf("a member kicking: %s", r)
	}
	// Lists: the owner, and the members.
	r, err := bob.IQ("get", room, q(t, `<query xmlns='`+nsMUCAdmin+`'><item affiliation='member'/></query>`))
	must(t, err)
	if !strings.Contains(r.String(), jidOf(1002)) || !strings.Contains(r.String(), jidOf(1003)) || strings.Contains(r.String(), jidOf(1001)) {
		t.Errorf("member list: %s", r)
	}

	// Grant admin: Bob becomes a manager, and everyone sees him moderate.
	if r := adminSet(t, alice, room, `<item jid='`+jidOf(1002)+`' affiliation='admin'/>`); r.Attr("type") != "result" {
		t.Fatalf("granting admin: %s", r)
	}
	if role, _ := roleOf(1002); role != group.RoleManager {
		t.Errorf("Bob's group role %d, want manager", role)
	}
	for _, c := range []*xmpptest.Client{alice, bob, carol} {
		p := expect(t, c, func(el *xmlstream.Element) bool {
			return el.Local == "presence" && el.Attr("from") == room+"/bob" && item(el).Attr("affiliation") == "admin"
		})
		if item(p).Attr("role") != "moderator" {
			t.Errorf("Bob as admin: %s", p)
		}
	}
	// Revoke: a member again.
	if r := adminSet(t, alice, room, `<item jid='`+jidOf(1002)+`' affiliation='member'/>`); r.Attr("type") != "result" {
		t.Fatalf("revoking admin: %s", r)
	}
	if role, _ := roleOf(1002); role != group.RoleMember {
		t.Errorf("Bob's group role %d, want member", role)
	}
	expect(t, carol, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == room+"/bob" && item(el).Attr("affiliation") == "member"
	})

	// Revoke voice: Carol is muted and may not speak.
	if r := adminSet(t, alice, room, `<item nick='carol' role='visitor'/>`); r.Attr("type") != "result" {
		t.Fatalf("revoking voice: %s", r)
	}
	expect(t, carol, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == room+"/carol" && item(el).Attr("role") == "visitor"
	})
	must(t, carol.SendString(`<message to='`+room+`' type='groupchat' id='muted'><body>can I?</body></message>`))
	if r := expect(t, carol, xmpptest.Is("message", "id", "muted")); r.Attr("type") != "error" {
		t.Errorf("a muted member spoke: %s", r)
	}
	adminSet(t, alice, room, `<item nick='carol' role='participant'/>`)
	expect(t, carol, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == room+"/carol" && item(el).Attr("role") == "participant"
	})

	// Kick: Carol leaves the room and the group.
	if r := adminSet(t, alice, room, `<item nick='carol' role='none'><reason>bye</reason></item>`); r.Attr("type") != "result" {
		t.Fatalf("kicking: %s", r)
	}
	if p := expect(t, carol, xmpptest.Is("presence", "from", room+"/carol", "type", "unavailable")); !hasCode(p, "110") || !hasCode(p, "307") {
		t.Errorf("Carol's own kick: %s", p)
	}
	for _, c := range []*xmpptest.Client{alice, bob} {
		if p := expect(t, c, xmpptest.Is("presence", "from", room+"/carol", "type", "unavailable")); !hasCode(p, "307") || hasCode(p, "110") {
			t.Errorf("Carol's kick as others see it: %s", p)
		}
	}
	if _, ok := roleOf(1003); ok {
		t.Error("Carol is still a member after the kick")
	}

	// Ban: Bob is blocklisted; he cannot come back.
	if r := adminSet(t, alice, room, `<item jid='`+jidOf(1002)+`' affiliation='outcast'/>`); r.Attr("type") != "result" {
		t.Fatalf("banning: %s", r)
	}
	p := expect(t, bob, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable"))
	if !hasCode(p, "301") || item(p).Attr("affiliation") != "outcast" {
		t.Errorf("Bob's ban: %s", p)
	}
	expect(t, alice, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable"))
	r, err = alice.IQ("get", room, q(t, `<query xmlns='`+nsMUCAdmin+`'><item affiliation='outcast'/></query>`))
	must(t, err)
	if !strings.Contains(r.String(), jidOf(1002)) {
		t.Errorf("ban list: %s", r)
	}
	must(t, bob.SendString(`<presence to='`+room+`/bob'><x xmlns='`+nsMUC+`'/></presence>`))
	if r := expect(t, bob, xmpptest.Is("presence", "from", room+"/bob", "type", "error")); !isError(r, "forbidden") {
		t.Errorf("a banned user joining: %s", r)
	}
	// Lifting the ban.
	if r := adminSet(t, alice, room, `<item jid='`+jidOf(1002)+`' affiliation='none'/>`); r.Attr("type") != "result" {
		t.Fatalf("lifting the ban: %s", r)
	}
	if blocked, _ := groups.IsBlocked(ctx, gid, 1002); blocked {
		t.Error("Bob is still banned")
	}
}

// TestMUCInvitations: mediated and direct invitations are group
// invitations; entering the room accepts one, a decline declines it.
func TestMUCInvitations(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	e.user(1004, "Dave", "")
	gid, room := e.group(1001, "Team", nil)
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	bob := e.online(1002, "pc")
	dave := e.online(1004, "pc")
	carol := e.turms(1003)

	// Mediated, to Bob: he is told by the room, and joins, which accepts.
	must(t, alice.SendString(`<message to='`+room+`'><x xmlns='`+nsMUCUser+`'><invite to='`+jidOf(1002)+`'><reason>come</reason></invite></x></message>`))
	inv := expect(t, bob, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("from") == room && el.Child(nsMUCUser, "x") != nil
	})
	if i := inv.Child(nsMUCUser, "x").Child(nsMUCUser, "invite"); i.Attr("from") != jidOf(1001) || i.ChildText(nsMUCUser, "reason") != "come" {
		t.Errorf("the invitation: %s", inv)
	}
	join(t, bob, room, "bob", "")
	if ok, _ := e.srv.Groups().IsMember(context.Background(), gid, 1002); !ok {
		t.Error("joining did not accept the invitation")
	}

	// Direct (XEP-0249), to Dave: the same group invitation, which reaches
	// him as Alice sent it; he declines.
	must(t, alice.SendString(`<message to='`+jidOf(1004)+`'><x xmlns='jabber:x:conference' jid='`+room+`' reason='join us'/></message>`))
	inv = expect(t, dave, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Child("jabber:x:conference", "x") != nil
	})
	if x := inv.Child("jabber:x:conference", "x"); inv.Attr("from") != alice.JID || x.Attr("jid") != room || x.Attr("reason") != "join us" {
		t.Errorf("the direct invitation: %s", inv)
	}
	must(t, dave.SendString(`<message to='`+room+`'><x xmlns='`+nsMUCUser+`'><decline to='`+jidOf(1001)+`'><reason>busy</reason></decline></x></message>`))
	dec := expect(t, alice, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Child(nsMUCUser, "x").Child(nsMUCUser, "decline") != nil
	})
	if d := dec.Child(nsMUCUser, "x").Child(nsMUCUser, "decline"); d.Attr("from") != jidOf(1004) || d.ChildText(nsMUCUser, "reason") != "busy" {
		t.Errorf("the decline: %s", dec)
	}
	must(t, dave.SendString(`<presence to='`+room+`/dave'><x xmlns='`+nsMUC+`'/></presence>`))
	if r := expect(t, dave, xmpptest.Is("presence", "type", "error")); !isError(r, "registration-required") {
		t.Errorf("joining after declining: %s", r)
	}

	// A Turms user's invitation from the room's owner reaches them as a
	// Turms group invitation.
	must(t, alice.SendString(`<message to='`+room+`'><x xmlns='`+nsMUCUser+`'><invite to='`+jidOf(1003)+`'/></x></message>`))
	deadline := time.After(xmpptest.Timeout)
	for {
		select {
		case n := <-carol.Pushes:
			gi := n.GetRelayedRequest().GetCreateGroupInvitationRequest()
			if gi == nil {
				continue
			}
			if gi.GetGroupId() != gid || gi.GetInviteeId() != 1003 {
				t.Errorf("the Turms invitation: %v", gi)
			}
			return
		case <-deadline:
			t.Fatal("the Turms user was not invited")
		}
	}
}

// TestMUCCreateConfigureDestroy: a client creates a room at an address of
// its choosing, which is a new group with that alias (the numeric address
// works too); configures it (the group's name); destroys it (deletes the
// group).
func TestMUCCreateConfigureDestroy(t *testing.T) {
	e := newEnv(t)
	e.friends()
	alice := e.online(1001, "pc")
	room := "team@" + mucDomain
	self := join(t, alice, room, "alice", "")
	if !hasCode(self, "201") || item(self).Attr("affiliation") != "owner" {
		t.Fatalf("creating: %s", self)
	}
	ctx, groups := context.Background(), e.srv.Groups()
	gid, err := groups.ByAlias(ctx, "team")
	must(t, err)
	v, err := groups.View(ctx, gid)
	must(t, err)
	if v.Group.Name != "team" || v.Group.OwnerID != 1001 {
		t.Errorf("the new group: %+v", v.Group)
	}

	r, err := alice.IQ("get", room, q(t, `<query xmlns='`+nsMUCOwner+`'/>`))
	must(t, err)
	if !strings.Contains(r.String(), "muc#roomconfig_roomname") {
		t.Fatalf("the configuration form: %s", r)
	}
	r, err = alice.IQ("set", room, q(t, `<query xmlns='`+nsMUCOwner+`'><x xmlns='jabber:x:data' type='submit'>
		<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
		<field var='muc#roomconfig_roomname'><value>The Team</value></field>
		<field var='muc#roomconfig_roomdesc'><value>where we talk</value></field></x></query>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("configuring: %s", r)
	}
	v, _ = groups.View(ctx, gid)
	if v.Group.Name != "The Team" || v.Group.Intro != "where we talk" {
		t.Errorf("configured group: %+v", v.Group)
	}
	expect(t, alice, func(el *xmlstream.Element) bool { return el.Local == "message" && hasCode(el, "104") })

	// A member Bob, added by the owner (a default-type group invites him:
	// he accepts by joining), joins by the numeric address.
	must(t, alice.SendString(`<message to='`+room+`'><x xmlns='`+nsMUCUser+`'><invite to='`+jidOf(1002)+`'/></x></message>`))
	bob := e.online(1002, "pc")
	numeric := strconv.FormatInt(gid, 10) + "@" + mucDomain
	expect(t, bob, func(el *xmlstream.Element) bool { return el.Local == "message" && el.Child(nsMUCUser, "x") != nil })
	join(t, bob, numeric, "bob", "")
	expect(t, alice, xmpptest.Is("presence", "from", room+"/bob"))
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat'><body>both addresses</body></message>`))
	expect(t, bob, groupchatFrom(numeric+"/alice", "both addresses"))

	// A member may not destroy it; the owner may.
	r, err = bob.IQ("set", numeric, q(t, `<query xmlns='`+nsMUCOwner+`'><destroy/></query>`))
	must(t, err)
	if !isError(r, "forbidden") {
		t.Errorf("a member destroying: %s", r)
	}
	r, err = alice.IQ("set", room, q(t, `<query xmlns='`+nsMUCOwner+`'><destroy><reason>done</reason></destroy></query>`))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("destroying: %s", r)
	}
	for _, c := range []struct {
		c    *xmpptest.Client
		from string
	}{{alice, room + "/alice"}, {bob, numeric + "/bob"}} {
		p := expect(t, c.c, xmpptest.Is("presence", "from", c.from, "type", "unavailable"))
		if p.Child(nsMUCUser, "x").Child(nsMUCUser, "destroy") == nil || !hasCode(p, "110") {
			t.Errorf("destruction as %s sees it: %s", c.from, p)
		}
	}
	if _, err := groups.View(ctx, gid); err == nil {
		t.Error("the group was not deleted")
	}
	// The alias is free again.
	if _, err := groups.ByAlias(ctx, "team"); err == nil {
		t.Error("the deleted group kept its alias")
	}
}
