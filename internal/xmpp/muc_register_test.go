package xmpp_test

import (
	"context"
	"testing"

	"hermod/internal/domain/group"
	"hermod/internal/xmpp/xmlstream"
)

const nsRegister = "jabber:iq:register"

// TestMUCRegistration: registering with a room is asking to join its
// group: a join request the owner approves with the registration
// approval form, an immediate membership, or a refusal, by the group
// type's join strategy; removing the registration leaves the group.
func TestMUCRegistration(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "")
	e.user(1004, "Dave", "")
	ctx, groups := context.Background(), e.srv.Groups()
	byRequest := group.DefaultType()
	byRequest.ID, byRequest.Name, byRequest.JoinStrategy = 8, "BY_REQUEST", group.JoinRequest
	_, err := groups.AddType(ctx, byRequest)
	must(t, err)
	reqGroup, reqRoom := e.group(1001, "Requests", &byRequest.ID)
	open := openType().ID
	openGroup, openRoom := e.group(1001, "Open", &open)
	_, closedRoom := e.group(1001, "Closed", nil)
	alice := e.online(1001, "pc")
	dave := e.online(1004, "pc")
	isMember := func(gid, uid int64) bool {
		ok, err := groups.IsMember(ctx, gid, uid)
		must(t, err)
		return ok
	}
	register := func(room, note string) *xmlstream.Element {
		r, err := dave.IQ("set", room, q(t, `<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>
			<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>
			<field var='muc#register_roomnick'><value>dave</value></field>
			<field var='muc#register_faqentry'><value>`+note+`</value></field></x></query>`))
		must(t, err)
		return r
	}

	r, err := dave.IQ("get", reqRoom, q(t, `<query xmlns='jabber:iq:register'/>`))
	must(t, err)
	if r.Child(nsRegister, "query").Child("jabber:x:data", "x") == nil {
		t.Fatalf("the registration form: %s", r)
	}
	if r := register(reqRoom, "let me in"); r.Attr("type") != "result" {
		t.Fatalf("registering: %s", r)
	}
	if isMember(reqGroup, 1004) {
		t.Fatal("a join request made Dave a member before anyone approved it")
	}
	// Alice, the owner, gets the approval form and allows him.
	form := expect(t, alice, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("from") == reqRoom && el.Child("jabber:x:data", "x") != nil
	})
	x := form.Child("jabber:x:data", "x")
	fields := map[string]string{}
	for _, f := range x.Elements() {
		fields[f.Attr("var")] = f.ChildText("jabber:x:data", "value")
	}
	if fields["muc#jid"] != jidOf(1004) || fields["muc#register_faqentry"] != "let me in" {
		t.Fatalf("the approval form: %s", form)
	}
	must(t, alice.SendString(`<message to='`+reqRoom+`'><x xmlns='jabber:x:data' type='submit'>
		<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field>
		<field var='muc#jid'><value>`+jidOf(1004)+`</value></field>
		<field var='muc#register_allow'><value>1</value></field></x></message>`))
	// Dave hears he is in from the room, as an invitation to enter.
	expect(t, dave, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("from") == reqRoom && el.Child(nsMUCUser, "x").Child(nsMUCUser, "invite") != nil
	})
	join(t, dave, reqRoom, "dave", "")
	if !isMember(reqGroup, 1004) {
		t.Error("the approval did not make Dave a member")
	}

	// A group that takes whoever asks: a member at once; then he leaves.
	if r := register(openRoom, ""); r.Attr("type") != "result" || !isMember(openGroup, 1004) {
		t.Fatalf("registering with an open group: %s", r)
	}
	r, err = dave.IQ("get", openRoom, q(t, `<query xmlns='jabber:iq:register'/>`))
	must(t, err)
	if r.Child(nsRegister, "query").Child(nsRegister, "registered") == nil {
		t.Errorf("a member's registration: %s", r)
	}
	r, err = dave.IQ("set", openRoom, q(t, `<query xmlns='jabber:iq:register'><remove/></query>`))
	must(t, err)
	if r.Attr("type") != "result" || isMember(openGroup, 1004) {
		t.Errorf("cancelling the registration: %s", r)
	}
	// The owner cannot leave that way without naming a successor.
	r, err = alice.IQ("set", openRoom, q(t, `<query xmlns='jabber:iq:register'><remove/></query>`))
	must(t, err)
	if r.Attr("type") != "error" || !isMember(openGroup, 1001) {
		t.Errorf("the owner cancelling: %s", r)
	}

	// A group that takes members by invitation only is hidden and refuses.
	if r := register(closedRoom, ""); r.Attr("type") != "error" {
		t.Errorf("registering with an invitation-only group: %s", r)
	}
}
