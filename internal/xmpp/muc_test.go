package xmpp_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	hdomain "hermod/internal/domain"
	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsMUC      = "http://jabber.org/protocol/muc"
	nsMUCUser  = nsMUC + "#user"
	nsMUCAdmin = nsMUC + "#admin"
	nsMUCOwner = nsMUC + "#owner"
	mucDomain  = "conference." + domain
)

// openType is a group type whose members add users directly (no
// invitation to accept) and anyone joins by asking.
func openType() store.GroupType {
	t := group.DefaultType()
	t.ID, t.Name = 7, "OPEN"
	t.InvitationStrategy, t.JoinStrategy = group.InviteOwnerManagerMember, group.JoinMembershipRequest
	return t
}

// group makes a group owned by owner with members, of the default type
// unless typeID is given, and returns its room JID.
func (e *env) group(owner int64, name string, typeID *int64, members ...int64) (int64, string) {
	e.t.Helper()
	ctx, g := context.Background(), e.srv.Groups()
	if typeID != nil && *typeID != group.DefaultTypeID {
		if _, err := g.AddType(ctx, openType()); err != nil && !strings.Contains(err.Error(), "conflict") {
			e.t.Fatal(err)
		}
	}
	gr, err := g.Create(ctx, hdomain.Requester{UserID: owner}, group.NewGroup{Name: name, TypeID: typeID, Announcement: "welcome to " + name}, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(members) > 0 {
		open := openType().ID
		if typeID == nil || *typeID != open {
			// The default type invites; make them members as accepting would.
			for _, m := range members {
				inv, err := g.Invite(ctx, hdomain.Requester{UserID: owner}, gr.ID, m, "", nil)
				if err != nil {
					e.t.Fatal(err)
				}
				if err := g.ReplyInvitation(ctx, hdomain.Requester{UserID: m}, inv.ID, group.Accept, "", nil); err != nil {
					e.t.Fatal(err)
				}
			}
		} else if err := g.AddMembers(ctx, hdomain.Requester{UserID: owner}, gr.ID, group.NewMembers{UserIDs: members}, nil); err != nil {
			e.t.Fatal(err)
		}
	}
	return gr.ID, strconv.FormatInt(gr.ID, 10) + "@" + mucDomain
}

// join enters a room and waits for the subject, which ends the join; it
// returns the self-presence.
func join(t *testing.T, c *xmpptest.Client, room, nick string, history string) *xmlstream.Element {
	t.Helper()
	must(t, c.SendString(`<presence to='`+room+`/`+nick+`'><x xmlns='`+nsMUC+`'>`+history+`</x></presence>`))
	self := expect(t, c, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == room+"/"+nick
	})
	if self.Attr("type") == "error" {
		t.Fatalf("joining %s: %s", room, self)
	}
	expect(t, c, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("from") == room && el.Child(xmlstream.NSClient, "subject") != nil
	})
	return self
}

func statusCodes(el *xmlstream.Element) []string {
	var out []string
	for _, s := range el.Child(nsMUCUser, "x").Elements() {
		if s.Local == "status" {
			out = append(out, s.Attr("code"))
		}
	}
	return out
}

func hasCode(el *xmlstream.Element, code string) bool {
	for _, c := range statusCodes(el) {
		if c == code {
			return true
		}
	}
	return false
}

func item(el *xmlstream.Element) *xmlstream.Element {
	return el.Child(nsMUCUser, "x").Child(nsMUCUser, "item")
}

func groupchatFrom(from, body string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("type") == "groupchat" && el.Attr("from") == from &&
			el.ChildText(xmlstream.NSClient, "body") == body
	}
}

// turmsGroupText waits for a Turms client to be told of a group message.
func turmsGroupText(t *testing.T, c *turmstest.Client, groupID int64, text string) *pb.CreateMessageRequest {
	t.Helper()
	deadline := time.After(xmpptest.Timeout)
	for {
		select {
		case n := <-c.Pushes:
			cm := n.GetRelayedRequest().GetCreateMessageRequest()
			if cm != nil && cm.GetGroupId() == groupID && cm.GetText() == text {
				return cm
			}
		case <-deadline:
			t.Fatalf("the Turms client was not told of %q", text)
		}
	}
}

func TestMUCDiscovery(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1004, "Dave", "")
	_, room := e.group(1001, "Team", nil, 1002)
	alice := e.online(1001, "pc")
	r, err := alice.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#items'/>`))
	must(t, err)
	if !strings.Contains(r.String(), `jid="`+mucDomain+`"`) {
		t.Fatalf("the server's items do not list the MUC service: %s", r)
	}
	r, err = alice.IQ("get", mucDomain, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	if !strings.Contains(r.String(), `category="conference"`) || !strings.Contains(r.String(), `var="`+nsMUC+`"`) {
		t.Fatalf("service info: %s", r)
	}
	r, err = alice.IQ("get", mucDomain, q(t, `<query xmlns='http://jabber.org/protocol/disco#items'/>`))
	must(t, err)
	if !strings.Contains(r.String(), `jid="`+room+`"`) || !strings.Contains(r.String(), `name="Team"`) {
		t.Fatalf("the service's items do not list Alice's room: %s", r)
	}
	r, err = alice.IQ("get", room, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	for _, want := range []string{`name="Team"`, "muc_membersonly", "muc_persistent", "muc_nonanonymous", "welcome to Team"} {
		if !strings.Contains(r.String(), want) {
			t.Errorf("room info lacks %s: %s", want, r)
		}
	}
	// Dave is no member: the room is hidden from him, as a missing one is.
	dave := e.online(1004, "pc")
	for _, to := range []string{room, "999@" + mucDomain} {
		r, err = dave.IQ("get", to, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
		must(t, err)
		if r.Attr("type") != "error" || r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "item-not-found") == nil {
			t.Errorf("disco#info of %s to a non-member: %s", to, r)
		}
	}
	r, err = dave.IQ("get", mucDomain, q(t, `<query xmlns='http://jabber.org/protocol/disco#items'/>`))
	must(t, err)
	if strings.Contains(r.String(), room) {
		t.Errorf("a non-member sees the room: %s", r)
	}
}

// TestMUCJoinAndChat: two XMPP members join a Turms group's room, see each
// other, and talk with a Turms member both ways; the messages are stored
// once with the room's stanza-id.
func TestMUCJoinAndChat(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	gid, room := e.group(1001, "Team", nil, 1002, 1003)
	carol := e.turms(1003)
	alice := e.online(1001, "pc")
	self := join(t, alice, room, "alice", "")
	if !hasCode(self, "110") || !hasCode(self, "100") {
		t.Errorf("self-presence codes %v, want 110 and 100", statusCodes(self))
	}
	if it := item(self); it.Attr("affiliation") != "owner" || it.Attr("role") != "moderator" || it.Attr("jid") != alice.JID {
		t.Errorf("the owner's item: %s", it)
	}

	bob := e.online(1002, "phone")
	must(t, bob.SendString(`<presence to='`+room+`/bob'><x xmlns='`+nsMUC+`'/><show>away</show></presence>`))
	// Bob learns Alice is there, then himself.
	a := expect(t, bob, xmpptest.Is("presence", "from", room+"/alice"))
	if item(a).Attr("affiliation") != "owner" {
		t.Errorf("Alice as Bob sees her: %s", a)
	}
	b := expect(t, bob, xmpptest.Is("presence", "from", room+"/bob"))
	if it := item(b); it.Attr("affiliation") != "member" || it.Attr("role") != "participant" || !hasCode(b, "110") {
		t.Errorf("Bob's self-presence: %s", b)
	}
	subj := expect(t, bob, func(el *xmlstream.Element) bool { return el.Child(xmlstream.NSClient, "subject") != nil })
	if subj.ChildText(xmlstream.NSClient, "subject") != "welcome to Team" {
		t.Errorf("subject: %s", subj)
	}
	// Alice learns Bob arrived, with his show.
	b = expect(t, alice, xmpptest.Is("presence", "from", room+"/bob"))
	if b.ChildText(xmlstream.NSClient, "show") != "away" || hasCode(b, "110") {
		t.Errorf("Bob's arrival as Alice sees it: %s", b)
	}

	// XMPP to the room: Bob and Carol (Turms) get it, Alice gets it back.
	// The room says who sent it (XEP-0421), whatever the client claims.
	must(t, alice.SendString(`<message to='`+room+`' type='groupchat' id='m1'><body>hello team</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>`))
	got := expect(t, bob, groupchatFrom(room+"/alice", "hello team"))
	occID := func(el *xmlstream.Element) string {
		var ids []string
		for _, c := range el.Elements() {
			if c.Is("urn:xmpp:occupant-id:0", "occupant-id") {
				ids = append(ids, c.Attr("id"))
			}
		}
		if len(ids) != 1 {
			t.Errorf("occupant-ids %v in %s", ids, el)
			return ""
		}
		return ids[0]
	}
	if id := occID(got); id == "forged" || id != occID(self) || id == occID(b) {
		t.Errorf("occupant-id of Alice's message %q; of her presence %q, of Bob's %q", id, occID(self), occID(b))
	}
	sid := got.Child("urn:xmpp:sid:0", "stanza-id")
	if sid == nil || sid.Attr("by") != room || sid.Attr("id") == "" {
		t.Fatalf("stanza-id: %s", got)
	}
	echo := expect(t, alice, groupchatFrom(room+"/alice", "hello team"))
	if echo.Attr("id") != "m1" || echo.Child("urn:xmpp:sid:0", "stanza-id").Attr("id") != sid.Attr("id") {
		t.Errorf("the reflection: %s", echo)
	}
	cm := turmsGroupText(t, carol, gid, "hello team")
	if strconv.FormatInt(cm.GetMessageId(), 10) != sid.Attr("id") {
		t.Errorf("Turms message id %d, stanza-id %s", cm.GetMessageId(), sid.Attr("id"))
	}

	// Turms to the room: both XMPP occupants get it from Carol's nick.
	n, err := carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
		GroupId: proto.Int64(gid), Text: proto.String("hi from Turms")}}})
	must(t, err)
	if n.GetCode() != 1000 {
		t.Fatalf("Turms send: %v", n)
	}
	for _, c := range []*xmpptest.Client{alice, bob} {
		m := expect(t, c, groupchatFrom(room+"/Carol", "hi from Turms"))
		if m.Child("urn:xmpp:sid:0", "stanza-id").Attr("id") != strconv.FormatInt(n.GetData().GetLong(), 10) {
			t.Errorf("stanza-id of the Turms message: %s (Turms id %v)", m, n.GetData())
		}
	}

	// Bob leaves: Alice is told, Bob gets his own departure.
	must(t, bob.SendString(`<presence to='`+room+`/bob' type='unavailable'/>`))
	if p := expect(t, bob, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable")); !hasCode(p, "110") {
		t.Errorf("Bob's own departure: %s", p)
	}
	expect(t, alice, xmpptest.Is("presence", "from", room+"/bob", "type", "unavailable"))
	// Not in the room, Bob can no longer speak in it.
	must(t, bob.SendString(`<message to='`+room+`' type='groupchat' id='m2'><body>still here?</body></message>`))
	if r := expect(t, bob, xmpptest.Is("message", "id", "m2")); r.Attr("type") != "error" {
		t.Errorf("groupchat from a non-occupant: %s", r)
	}
}

// TestMUCHistory: joining sends the last messages from the archive, marked
// delayed, as many as the client asks for.
func TestMUCHistory(t *testing.T) {
	e := newEnv(t)
	e.friends()
	gid, room := e.group(1001, "Team", nil, 1002)
	carol := e.turms(1001)
	for i := range 4 {
		n, err := carol.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			GroupId: proto.Int64(gid), Text: proto.String("old " + strconv.Itoa(i))}}})
		must(t, err)
		if n.GetCode() != 1000 {
			t.Fatal(n)
		}
	}
	for _, tt := range []struct {
		name, history string
		want          []string
	}{
		{"default", "", []string{"old 0", "old 1", "old 2", "old 3"}},
		{"maxstanzas", "<history maxstanzas='2'/>", []string{"old 2", "old 3"}},
		{"none", "<history maxchars='0'/>", nil},
		{"since", "<history since='2999-01-01T00:00:00Z'/>", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bob := e.online(1002, tt.name)
			must(t, bob.SendString(`<presence to='`+room+`/bob'><x xmlns='`+nsMUC+`'>`+tt.history+`</x></presence>`))
			var got []string
			for {
				el := expect(t, bob, func(el *xmlstream.Element) bool { return el.Local == "message" })
				if el.Child(xmlstream.NSClient, "subject") != nil {
					break
				}
				if el.Child("urn:xmpp:delay", "delay") == nil || el.Attr("from") != room+"/Alice" {
					t.Errorf("history message: %s", el)
				}
				got = append(got, el.ChildText(xmlstream.NSClient, "body"))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("history %q, want %q", got, tt.want)
			}
			bob.Close()
		})
	}
}

// TestMUCRefusals: who may not join or speak, and how they are told.
func TestMUCRefusals(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1004, "Dave", "")
	_, room := e.group(1001, "Team", nil, 1002)
	alice := e.online(1001, "pc")
	join(t, alice, room, "alice", "")
	bob := e.online(1002, "pc")
	dave := e.online(1004, "pc")
	for _, tt := range []struct {
		name   string
		c      *xmpptest.Client
		stanza string
		cond   string
	}{
		{"non-member joins", dave, `<presence to='` + room + `/dave'><x xmlns='` + nsMUC + `'/></presence>`, "registration-required"},
		{"nick taken", bob, `<presence to='` + room + `/alice'><x xmlns='` + nsMUC + `'/></presence>`, "conflict"},
		{"no nick", bob, `<presence to='` + room + `'><x xmlns='` + nsMUC + `'/></presence>`, "jid-malformed"},
		{"unknown numeric room", bob, `<presence to='424242@` + mucDomain + `/bob'><x xmlns='` + nsMUC + `'/></presence>`, "item-not-found"},
		{"groupchat without joining", bob, `<message to='` + room + `' type='groupchat' id='x'><body>hi</body></message>`, "not-acceptable"},
		{"groupchat to an occupant", alice, `<message to='` + room + `/bob' type='groupchat' id='x'><body>hi</body></message>`, "bad-request"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			must(t, tt.c.SendString(tt.stanza))
			r := expect(t, tt.c, func(el *xmlstream.Element) bool { return el.Attr("type") == "error" })
			if r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", tt.cond) == nil {
				t.Errorf("got %s, want %s", r, tt.cond)
			}
		})
	}
}

// TestMUCSelfPing: an occupant's ping to its own occupant JID is answered
// while it sits in the room and refused once it does not (XEP-0410).
func TestMUCSelfPing(t *testing.T) {
	e := newEnv(t)
	e.friends()
	_, room := e.group(1001, "Team", nil)
	alice := e.online(1001, "pc")
	ping := func() *xmlstream.Element {
		r, err := alice.IQ("get", room+"/alice", q(t, `<ping xmlns='urn:xmpp:ping'/>`))
		must(t, err)
		return r
	}
	if r := ping(); r.Attr("type") != "error" || !strings.Contains(r.String(), "not-acceptable") {
		t.Fatalf("self-ping before joining: %s", r)
	}
	join(t, alice, room, "alice", "")
	if r := ping(); r.Attr("type") != "result" {
		t.Fatalf("self-ping while joined: %s", r)
	}
	// A client that thinks it is out joins again: it gets the whole join,
	// subject last, and is still in once.
	self := join(t, alice, room, "alice", "<history maxstanzas='0'/>")
	if !hasCode(self, "110") {
		t.Errorf("rejoining: %s", self)
	}
	if r := ping(); r.Attr("type") != "result" {
		t.Fatalf("self-ping after rejoining: %s", r)
	}
	must(t, alice.SendString(`<presence to='`+room+`/alice' type='unavailable'/>`))
	expect(t, alice, xmpptest.Is("presence", "from", room+"/alice", "type", "unavailable"))
	if r := ping(); r.Attr("type") != "error" || !strings.Contains(r.String(), "not-acceptable") {
		t.Fatalf("self-ping after leaving: %s", r)
	}
}
