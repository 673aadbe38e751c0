package xmpp_test

import (
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const nsRoster = "jabber:iq:roster"

func rosterItems(t *testing.T, c *xmpptest.Client, ver string) (*xmlstream.Element, map[string]*xmlstream.Element) {
	t.Helper()
	query := xmlstream.New(nsRoster, "query")
	if ver != "" {
		query.SetAttr("ver", ver)
	}
	r, err := c.IQ("get", "", query)
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("roster get: %v %v", r, err)
	}
	out := map[string]*xmlstream.Element{}
	qr := r.Child(nsRoster, "query")
	for _, it := range qr.Elements() {
		out[it.Attr("jid")] = it
	}
	return qr, out
}

func isPush(jid string, attrs ...string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		it := el.Child(nsRoster, "query").Child(nsRoster, "item")
		if el.Local != "iq" || el.Attr("type") != "set" || it == nil || it.Attr("jid") != jid {
			return false
		}
		for i := 0; i+1 < len(attrs); i += 2 {
			if it.Attr(attrs[i]) != attrs[i+1] {
				return false
			}
		}
		return true
	}
}

func TestSubscriptionHandshakeBetweenXMPPUsers(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "alice")
	e.user(1002, "Bob", "")
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	_, items := rosterItems(t, a, "")
	if len(items) != 0 {
		t.Fatalf("a new user's roster has %d items", len(items))
	}
	_, _ = rosterItems(t, b, "")

	must(t, a.SendString(`<presence to='1002@`+domain+`' type='subscribe'><status>it's Alice</status></presence>`))
	expect(t, a, isPush(jidOf(1002), "subscription", "none", "ask", "subscribe", "name", "Bob"))
	req := expect(t, b, xmpptest.Is("presence", "type", "subscribe", "from", jidOf(1001)))
	if req.ChildText(xmlstream.NSClient, "status") != "it's Alice" {
		t.Fatalf("request %s lost its text", req)
	}

	must(t, b.SendString(`<presence to='alice@`+domain+`' type='subscribed'/>`))
	expect(t, a, xmpptest.Is("presence", "type", "subscribed", "from", jidOf(1002)))
	expect(t, a, isPush(jidOf(1002), "subscription", "both"))
	expect(t, a, xmpptest.Is("presence", "from", b.JID))
	expect(t, b, isPush(jidOf(1001), "subscription", "both", "name", "Alice"))
	expect(t, b, xmpptest.Is("presence", "from", a.JID))

	qr, items := rosterItems(t, b, "")
	if it := items[jidOf(1001)]; it == nil || it.Attr("subscription") != "both" || it.Attr("name") != "Alice" {
		t.Fatalf("Bob's roster: %s", qr)
	}
	// XEP-0237: the same version gets an empty result.
	r, err := b.IQ("get", "", xmlstream.New(nsRoster, "query", "ver", qr.Attr("ver")))
	if err != nil || r.Attr("type") != "result" || r.Child(nsRoster, "query") != nil {
		t.Fatalf("roster with current version: %v %v", r, err)
	}

	// Roster set: a name and groups, pushed to every interested resource.
	must(t, b.SendString(`<iq type='set' id='s1'><query xmlns='jabber:iq:roster'><item jid='1001@`+domain+`' name='Ally'><group>Work</group><group>Friends</group></item></query></iq>`))
	expect(t, b, xmpptest.Is("iq", "id", "s1", "type", "result"))
	push := expect(t, b, isPush(jidOf(1001), "name", "Ally"))
	if g := push.Child(nsRoster, "query").Child(nsRoster, "item").Elements(); len(g) != 2 {
		t.Fatalf("push groups: %s", push)
	}
	_, items = rosterItems(t, b, qr.Attr("ver"))
	if len(items[jidOf(1001)].Elements()) != 2 {
		t.Fatalf("groups not kept: %s", items[jidOf(1001)])
	}

	// Removal ends the friendship both ways.
	must(t, b.SendString(`<iq type='set' id='s2'><query xmlns='jabber:iq:roster'><item jid='1001@`+domain+`' subscription='remove'/></query></iq>`))
	expect(t, b, xmpptest.Is("iq", "id", "s2", "type", "result"))
	expect(t, b, isPush(jidOf(1001), "subscription", "remove"))
	expect(t, a, isPush(jidOf(1002), "subscription", "remove"))
}

func TestDeclinedSubscription(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	e.user(1002, "Bob", "")
	a, b := e.online(1001, "r"), e.online(1002, "r")
	rosterItems(t, a, "")
	must(t, a.SendString(`<presence to='1002@`+domain+`' type='subscribe'/>`))
	expect(t, b, xmpptest.Is("presence", "type", "subscribe"))
	must(t, b.SendString(`<presence to='1001@`+domain+`' type='unsubscribed'/>`))
	expect(t, a, xmpptest.Is("presence", "type", "unsubscribed", "from", jidOf(1002)))
	expect(t, a, isPush(jidOf(1002), "subscription", "remove"))
}

func TestChatBetweenXMPPUsersIsLossless(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	omemo := `<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'><key rid='31415'>BASE64==</key><iv>IVIV</iv></header><payload>CIPHER</payload></encrypted>`
	must(t, a.SendString(`<message to='1002@`+domain+`' type='chat' id='m1'><body>hello &lt;Bob&gt;</body>`+omemo+
		`<origin-id xmlns='urn:xmpp:sid:0' id='o1'/><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='1002@`+domain+`'/></message>`))
	m := expect(t, b, xmpptest.Is("message", "id", "m1"))
	if m.Attr("from") != a.JID || m.ChildText(xmlstream.NSClient, "body") != "hello <Bob>" {
		t.Fatalf("received %s", m)
	}
	enc := m.Child("eu.siacs.conversations.axolotl", "encrypted")
	if enc == nil || enc.Child("eu.siacs.conversations.axolotl", "payload").Text() != "CIPHER" ||
		enc.Child("eu.siacs.conversations.axolotl", "header").Attr("sid") != "27183" {
		t.Fatalf("the OMEMO payload did not arrive intact: %s", m)
	}
	sid := m.Child("urn:xmpp:sid:0", "stanza-id")
	if sid == nil || sid.Attr("id") == "forged" || sid.Attr("by") != jidOf(1002) {
		t.Fatalf("stanza-id %s", m)
	}

	// Bob goes away; what Alice sends meanwhile waits for him.
	b.Close()
	expect(t, a, xmpptest.Is("presence", "type", "unavailable", "from", b.JID))
	must(t, a.SendString(`<message to='1002@`+domain+`' type='chat' id='m2'><body>are you there?</body>`+omemo+`</message>`))
	if _, err := a.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil {
		t.Fatal(err) // the message was handled before the ping
	}
	b2 := e.login(1002, "tablet")
	must(t, b2.SendString(`<presence/>`))
	off := expect(t, b2, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.ChildText(xmlstream.NSClient, "body") == "are you there?"
	})
	if off.Child("urn:xmpp:delay", "delay") == nil || off.Attr("from") != jidOf(1001) {
		t.Fatalf("offline message %s", off)
	}
	if enc := off.Child("eu.siacs.conversations.axolotl", "encrypted"); enc == nil || enc.ChildText("eu.siacs.conversations.axolotl", "payload") != "CIPHER" {
		t.Fatalf("the archive lost the OMEMO payload: %s", off)
	}
	// Only once: a second resource coming online does not get it again.
	b3 := e.online(1002, "watch")
	must(t, a.SendString(`<message to='1002@`+domain+`' type='chat' id='m3'><body>third</body></message>`))
	got := expect(t, b3, xmpptest.Is("message", "id", "m3"))
	if got.Child("urn:xmpp:delay", "delay") != nil {
		t.Fatalf("live message marked delayed: %s", got)
	}
}

func TestChatWithTurmsUser(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	tb := e.turms(1002)

	// XMPP to Turms.
	must(t, a.SendString(`<message to='1002@`+domain+`' type='chat' id='x1'><body>hi from XMPP</body></message>`))
	n, err := tb.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateMessageRequest() != nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cm := n.GetRelayedRequest().GetCreateMessageRequest()
	if cm.GetText() != "hi from XMPP" || n.GetRequesterId() != 1001 || cm.GetMessageId() == 0 {
		t.Fatalf("Turms got %v", n)
	}

	// Turms to XMPP.
	resp, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
		RecipientId: proto.Int64(1001), Text: proto.String("hi from Turms"),
	}}})
	if err != nil || resp.GetCode() != 1000 {
		t.Fatalf("send: %v %v", resp, err)
	}
	id := strconv.FormatInt(resp.GetData().GetLong(), 10)
	m := expect(t, a, xmpptest.Is("message", "from", jidOf(1002)))
	if m.ChildText(xmlstream.NSClient, "body") != "hi from Turms" || m.Child("urn:xmpp:sid:0", "stanza-id").Attr("id") != id {
		t.Fatalf("XMPP got %s, want stanza-id %s", m, id)
	}

	// Both are in the one archive Turms clients query.
	q, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		FromIds: []int64{1001}, AreGroupMessages: proto.Bool(false),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, msg := range q.GetData().GetMessages().GetMessages() {
		found = found || msg.GetText() == "hi from XMPP"
	}
	if !found {
		t.Fatalf("QueryMessages: %v", q)
	}

	// Typing: a chat state is a Turms typing status and back.
	must(t, a.SendString(`<message to='1002@`+domain+`' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`))
	if _, err := tb.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateTypingStatusRequest().GetToId() == 1002
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1001}}}); err != nil {
		t.Fatal(err)
	}
	expect(t, a, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Child("http://jabber.org/protocol/chatstates", "composing") != nil
	})
}

func TestFriendRequestsAcrossProtocols(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	e.user(1002, "Bob", "")
	a := e.online(1001, "laptop")
	rosterItems(t, a, "")
	tb := e.turms(1002)
	resp, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{
		RecipientId: 1001, Content: "let's be friends",
	}}})
	if err != nil || resp.GetCode() != 1000 {
		t.Fatalf("friend request: %v %v", resp, err)
	}
	sub := expect(t, a, xmpptest.Is("presence", "type", "subscribe", "from", jidOf(1002)))
	if sub.ChildText(xmlstream.NSClient, "status") != "let's be friends" {
		t.Fatalf("subscribe %s", sub)
	}
	must(t, a.SendString(`<presence to='1002@`+domain+`' type='subscribed'/>`))
	n, err := tb.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetUpdateFriendRequestRequest() != nil
	})
	if err != nil || n.GetRelayedRequest().GetUpdateFriendRequestRequest().GetResponseAction() != pb.ResponseAction_ACCEPT {
		t.Fatalf("Turms requester told %v %v", n, err)
	}
	expect(t, a, isPush(jidOf(1002), "subscription", "both", "name", "Bob"))
	// Bob's Turms session shows as a resource of his.
	expect(t, a, xmpptest.Is("presence", "from", jidOf(1002)+"/turms"))

	// And the other way: an XMPP subscription is a Turms friend request.
	e.user(1003, "Carol", "")
	tc := e.turms(1003)
	must(t, a.SendString(`<presence to='1003@`+domain+`' type='subscribe'/>`))
	n, err = tc.NextPush(func(n *pb.TurmsNotification) bool {
		return n.GetRelayedRequest().GetCreateFriendRequestRequest() != nil
	})
	if err != nil || n.GetRequesterId() != 1001 {
		t.Fatalf("Turms recipient told %v %v", n, err)
	}
}

func TestPresenceAcrossProtocols(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	tb := e.turms(1002)
	expect(t, a, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == jidOf(1002)+"/turms" && el.Attr("type") == ""
	})
	if _, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{
		UserStatus: pb.UserStatus_BUSY}}}); err != nil {
		t.Fatal(err)
	}
	expect(t, a, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == jidOf(1002)+"/turms" && el.ChildText(xmlstream.NSClient, "show") == "dnd"
	})
	// An XMPP status is a Turms status.
	must(t, a.SendString(`<presence><show>away</show></presence>`))
	expect(t, a, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == a.JID && el.ChildText(xmlstream.NSClient, "show") == "away"
	})
	st, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{
		UserIds: []int64{1001}}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := st.GetData().GetUserOnlineStatuses().GetStatuses(); len(s) != 1 || s[0].GetUserStatus() != pb.UserStatus_AWAY {
		t.Fatalf("Turms sees %v", st)
	}
	tb.Close()
	expect(t, a, xmpptest.Is("presence", "from", jidOf(1002)+"/turms", "type", "unavailable"))

	// Another XMPP contact sees Alice's resource come and go.
	b := e.online(1002, "phone")
	expect(t, b, xmpptest.Is("presence", "from", a.JID))
	a.Close()
	expect(t, b, xmpptest.Is("presence", "from", a.JID, "type", "unavailable"))
}

func TestBlockingCommand(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "r"), e.online(1002, "r")
	r, err := a.IQ("set", "", q(t, `<block xmlns='urn:xmpp:blocking'><item jid='1002@`+domain+`'/></block>`))
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("block: %v %v", r, err)
	}
	expect(t, a, func(el *xmlstream.Element) bool { return el.Child("urn:xmpp:blocking", "block") != nil })
	// Bob no longer sees Alice online (XEP-0191 section 3.3).
	expect(t, b, xmpptest.Is("presence", "type", "unavailable", "from", jidOf(1001)))
	r, _ = a.IQ("get", "", q(t, `<blocklist xmlns='urn:xmpp:blocking'/>`))
	if items := r.Child("urn:xmpp:blocking", "blocklist").Elements(); len(items) != 1 || items[0].Attr("jid") != jidOf(1002) {
		t.Fatalf("blocklist %s", r)
	}
	must(t, b.SendString(`<message to='1001@`+domain+`' type='chat' id='b1'><body>hey</body></message>`))
	er := expect(t, b, xmpptest.Is("message", "id", "b1", "type", "error"))
	if er.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "service-unavailable") == nil {
		t.Fatalf("blocked sender got %s", er)
	}
	must(t, a.SendString(`<message to='1002@`+domain+`' type='chat' id='a1'><body>hey</body></message>`))
	er = expect(t, a, xmpptest.Is("message", "id", "a1", "type", "error"))
	if er.Child(xmlstream.NSClient, "error").Child("urn:xmpp:blocking:errors", "blocked") == nil {
		t.Fatalf("blocker got %s", er)
	}
	r, err = a.IQ("set", "", q(t, `<unblock xmlns='urn:xmpp:blocking'/>`))
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("unblock all: %v %v", r, err)
	}
	must(t, b.SendString(`<message to='1001@`+domain+`' type='chat' id='b2'><body>again</body></message>`))
	expect(t, a, xmpptest.Is("message", "id", "b2"))
}

func TestMessageErrors(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	a := e.online(1001, "r")
	for _, tt := range []struct{ to, cond string }{
		{"9999@" + domain, "service-unavailable"},
		{"nobody@" + domain, "service-unavailable"},
		{"someone@elsewhere.test", "remote-server-not-found"},
		{"bad@@jid", "jid-malformed"},
	} {
		must(t, a.SendString(`<message to='`+tt.to+`' type='chat' id='e1'><body>x</body></message>`))
		er := expect(t, a, xmpptest.Is("message", "id", "e1", "type", "error"))
		if er.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", tt.cond) == nil {
			t.Errorf("to %s: %s, want %s", tt.to, er, tt.cond)
		}
	}
}

func TestRosterGroupRenameFromTurms(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "r")
	rosterItems(t, a, "")
	must(t, a.SendString(`<iq type='set' id='g1'><query xmlns='jabber:iq:roster'><item jid='1002@`+domain+`'><group>Work</group></item></query></iq>`))
	expect(t, a, xmpptest.Is("iq", "id", "g1", "type", "result"))
	ta := e.turms(1001)
	n, err := ta.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryRelationshipGroupsRequest{QueryRelationshipGroupsRequest: &pb.QueryRelationshipGroupsRequest{}}})
	if err != nil {
		t.Fatal(err)
	}
	var idx int32 = -1
	for _, g := range n.GetData().GetUserRelationshipGroupsWithVersion().GetUserRelationshipGroups() {
		if g.GetName() == "Work" {
			idx = g.GetIndex()
		}
	}
	if idx < 1 {
		t.Fatalf("the roster group is not a relationship group: %v", n)
	}
	if _, err := ta.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateRelationshipGroupRequest{UpdateRelationshipGroupRequest: &pb.UpdateRelationshipGroupRequest{
		GroupIndex: idx, NewName: "Office"}}}); err != nil {
		t.Fatal(err)
	}
	expect(t, a, func(el *xmlstream.Element) bool {
		it := el.Child(nsRoster, "query").Child(nsRoster, "item")
		return isPush(jidOf(1002))(el) && it.ChildText(nsRoster, "group") == "Office"
	})
}
