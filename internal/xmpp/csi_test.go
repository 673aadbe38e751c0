package xmpp_test

import (
	"testing"

	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const nsChatStates = "http://jabber.org/protocol/chatstates"

// ping sends a ping and waits for its result: everything the server sent
// before it is then in the client's backlog.
func ping(t *testing.T, c *xmpptest.Client, id string) {
	t.Helper()
	must(t, c.SendString(`<iq type='get' id='`+id+`'><ping xmlns='urn:xmpp:ping'/></iq>`))
	expect(t, c, xmpptest.Is("iq", "id", id))
}

func TestCSIHoldsPresenceAndChatStates(t *testing.T) {
	e := newEnv(t)
	e.friends()
	alice := e.online(1001, "phone")
	if alice.Features.Child("urn:xmpp:csi:0", "csi") == nil {
		t.Fatalf("client state indication is not offered: %s", alice.Features)
	}
	bob := e.online(1002, "pc")
	expect(t, alice, xmpptest.Is("presence", "from", bob.JID))
	must(t, alice.SendString(`<inactive xmlns='urn:xmpp:csi:0'/>`))
	ping(t, alice, "inactive")
	before := len(alice.Pending()) // what came while active

	must(t, bob.SendString(`<presence><show>away</show></presence>`))
	must(t, bob.SendString(`<message to='`+jidOf(1001)+`' type='chat'><composing xmlns='`+nsChatStates+`'/></message>`))
	must(t, bob.SendString(`<presence><show>dnd</show></presence>`))
	must(t, bob.SendString(`<message to='`+jidOf(1001)+`' type='chat'><paused xmlns='`+nsChatStates+`'/></message>`))
	must(t, bob.SendString(`<message to='`+jidOf(1001)+`' type='chat'><body>urgent</body></message>`))
	// A message passes at once; what came before it was held back.
	expect(t, alice, body("urgent"))
	for _, el := range alice.Pending()[before:] {
		if el.Local == "presence" || el.Child(nsChatStates, "") != nil {
			t.Fatalf("an inactive client got %s", el)
		}
	}
	must(t, bob.SendString(`<message to='`+jidOf(1001)+`' type='chat'><composing xmlns='`+nsChatStates+`'/></message>`))
	ping(t, bob, "sent") // Bob's stanzas were handled
	ping(t, alice, "still-inactive")
	for _, el := range alice.Pending()[before:] {
		if el.Local == "presence" || el.Child(nsChatStates, "") != nil {
			t.Fatalf("an inactive client got %s", el)
		}
	}

	// Active again: the latest presence of Bob and his latest chat state,
	// once each.
	must(t, alice.SendString(`<active xmlns='urn:xmpp:csi:0'/>`))
	ping(t, alice, "active")
	var presences, states []*xmlstream.Element
	for _, el := range alice.Pending()[before:] {
		switch {
		case el.Local == "presence" && el.Attr("from") == bob.JID:
			presences = append(presences, el)
		case el.Local == "message" && el.Child(nsChatStates, "") != nil:
			states = append(states, el)
		}
	}
	if len(presences) != 1 || presences[0].ChildText(xmlstream.NSClient, "show") != "dnd" {
		t.Fatalf("presence flushed: %v, want Bob's dnd once", presences)
	}
	// The paused state was superseded by the message; composing came after.
	if len(states) != 1 || states[0].Child(nsChatStates, "composing") == nil {
		t.Fatalf("chat states flushed: %v, want composing once", states)
	}
	// Live again.
	must(t, bob.SendString(`<presence/>`))
	expect(t, alice, func(el *xmlstream.Element) bool {
		return el.Local == "presence" && el.Attr("from") == bob.JID && el.Child(xmlstream.NSClient, "show") == nil
	})
}
