package xmpp_test

import (
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const nsCarbons = "urn:xmpp:carbons:2"

func enableCarbons(t *testing.T, c *xmpptest.Client, op string) {
	t.Helper()
	r, err := c.IQ("set", "", xmlstream.New(nsCarbons, op))
	must(t, err)
	if r.Attr("type") != "result" {
		t.Fatalf("carbons %s: %s", op, r)
	}
}

// carbonOf matches a carbon (sent or received) for c whose forwarded
// message has the body, and checks what XEP-0280 asks of its wrapper.
func carbonOf(t *testing.T, c *xmpptest.Client, direction, body string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		w := el.Child(nsCarbons, direction)
		inner := w.Child("urn:xmpp:forward:0", "forwarded").Child(xmlstream.NSClient, "message")
		if el.Local != "message" || inner == nil || inner.ChildText(xmlstream.NSClient, "body") != body {
			return false
		}
		if bare := c.JID[:len(c.JID)-len(resourceOf(c))-1]; el.Attr("from") != bare || el.Attr("to") != c.JID {
			t.Errorf("carbon addressed from %q to %q", el.Attr("from"), el.Attr("to"))
		}
		return true
	}
}

func resourceOf(c *xmpptest.Client) string {
	for i := range c.JID {
		if c.JID[i] == '/' {
			return c.JID[i+1:]
		}
	}
	return ""
}

func forwardedIn(el *xmlstream.Element, direction string) *xmlstream.Element {
	return el.Child(nsCarbons, direction).Child("urn:xmpp:forward:0", "forwarded").Child(xmlstream.NSClient, "message")
}

func withBody(body string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.ChildText(xmlstream.NSClient, "body") == body
	}
}

// nextMessage is the next message c receives, MAM results aside: what a
// test expects a resource to get after something it must not have got.
func nextMessage(t *testing.T, c *xmpptest.Client) *xmlstream.Element {
	t.Helper()
	return expect(t, c, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Child(nsMAM, "result") == nil
	})
}

// TestCarbons: Alice's carbons-enabled resources see what her other
// resources send and what is addressed to them; a resource without
// carbons sees neither, and private messages are not copied.
func TestCarbons(t *testing.T) {
	e := newEnv(t)
	e.friends()
	laptop, phone, tablet := e.online(1001, "laptop"), e.online(1001, "phone"), e.online(1001, "tablet")
	bob := e.online(1002, "pc")

	r, err := phone.IQ("get", domain, xmlstream.New("http://jabber.org/protocol/disco#info", "query"))
	must(t, err)
	features := map[string]bool{}
	for _, f := range r.Child("http://jabber.org/protocol/disco#info", "query").Elements() {
		features[f.Attr("var")] = true
	}
	if !features[nsCarbons] || !features["urn:xmpp:carbons:rules:0"] {
		t.Fatalf("the server does not announce carbons: %s", r)
	}
	enableCarbons(t, laptop, "enable")
	enableCarbons(t, phone, "enable")
	enableCarbons(t, phone, "enable") // again: no error

	// Sent: the phone gets a copy of what the laptop sends, with the
	// message's stanza-id in Alice's archive.
	must(t, laptop.SendString(`<message to='1002@`+domain+`' type='chat' id='s1'><body>sent from the laptop</body></message>`))
	live := expect(t, bob, withBody("sent from the laptop"))
	c := expect(t, phone, carbonOf(t, phone, "sent", "sent from the laptop"))
	inner := forwardedIn(c, "sent")
	sid := inner.Child(nsSID, "stanza-id")
	if inner.Attr("from") != laptop.JID || inner.Attr("to") != jidOf(1002) || inner.Attr("id") != "s1" ||
		sid.Attr("by") != jidOf(1001) || sid.Attr("id") != live.Child(nsSID, "stanza-id").Attr("id") {
		t.Fatalf("sent carbon %s; Bob got %s", c, live)
	}
	if p := mamQuery(t, phone, "", nil, rsmMax(1, "<before/>")); len(p.ids) != 1 || p.ids[0] != sid.Attr("id") {
		t.Fatalf("the carbon's stanza-id %s is not the archive id %v", sid.Attr("id"), p.ids)
	}

	// Received: a chat to the laptop's full JID goes to the laptop alone;
	// the phone gets a received carbon, the tablet nothing.
	must(t, bob.SendString(`<message to='`+laptop.JID+`' type='chat'><body>to the laptop</body></message>`))
	expect(t, laptop, withBody("to the laptop"))
	c = expect(t, phone, carbonOf(t, phone, "received", "to the laptop"))
	if inner := forwardedIn(c, "received"); inner.Attr("from") != bob.JID || inner.Attr("to") != laptop.JID {
		t.Fatalf("received carbon %s", c)
	}

	// To the bare JID every resource gets the message itself, no carbon.
	must(t, bob.SendString(`<message to='1001@`+domain+`' type='chat'><body>to everyone</body></message>`))
	for _, r := range []*xmpptest.Client{laptop, phone, tablet} {
		if m := nextMessage(t, r); m.ChildText(xmlstream.NSClient, "body") != "to everyone" {
			t.Fatalf("%s got %s before the message to every resource", r.JID, m)
		}
	}

	// A chat state is copied too (type chat); a private message is not,
	// and Bob gets it without <private/>.
	must(t, laptop.SendString(`<message to='1002@`+domain+`' type='chat'><paused xmlns='http://jabber.org/protocol/chatstates'/></message>`))
	c = expect(t, phone, func(el *xmlstream.Element) bool {
		return forwardedIn(el, "sent").Child("http://jabber.org/protocol/chatstates", "paused") != nil
	})
	must(t, laptop.SendString(`<message to='1002@`+domain+`' type='chat'><body>secret</body><private xmlns='urn:xmpp:carbons:2'/><no-copy xmlns='urn:xmpp:hints'/></message>`))
	if m := expect(t, bob, withBody("secret")); m.Child(nsCarbons, "private") != nil {
		t.Fatalf("the recipient got <private/>: %s", m)
	}
	must(t, laptop.SendString(`<message to='1002@`+domain+`' type='chat'><body>after the secret</body></message>`))
	if m := nextMessage(t, phone); forwardedIn(m, "sent").ChildText(xmlstream.NSClient, "body") != "after the secret" {
		t.Fatalf("the phone got %s before the carbon after the private message", m)
	}

	// A correction is copied as the stanza the laptop sent.
	must(t, laptop.SendString(`<message to='1002@`+domain+`' type='chat'><body>sent from the laptop!</body><replace xmlns='urn:xmpp:message-correct:0' id='s1'/></message>`))
	expect(t, bob, func(el *xmlstream.Element) bool { return el.Child("urn:xmpp:message-correct:0", "replace") != nil })
	c = expect(t, phone, carbonOf(t, phone, "sent", "sent from the laptop!"))
	if forwardedIn(c, "sent").Child("urn:xmpp:message-correct:0", "replace").Attr("id") != "s1" {
		t.Fatalf("correction carbon %s", c)
	}

	// Disabled: the phone gets nothing more; the tablet never had carbons.
	enableCarbons(t, phone, "disable")
	must(t, laptop.SendString(`<message to='1002@`+domain+`' type='chat'><body>not copied</body></message>`))
	expect(t, bob, withBody("not copied"))
	must(t, bob.SendString(`<message to='1001@`+domain+`' type='chat'><body>sentinel</body></message>`))
	for _, r := range []*xmpptest.Client{phone, tablet} {
		for {
			m := nextMessage(t, r)
			if m.ChildText(xmlstream.NSClient, "body") == "sentinel" {
				break
			}
			if m.Child(nsCarbons, "") != nil && (r == tablet || forwardedIn(m, "sent").ChildText(xmlstream.NSClient, "body") == "not copied") {
				t.Fatalf("%s got a carbon it should not have: %s", r.JID, m)
			}
		}
	}
}

// TestCarbonsOfTurmsMessages: a message Alice sends from her Turms session
// reaches her carbons-enabled XMPP resource as a sent carbon, named by its
// Turms message id.
func TestCarbonsOfTurmsMessages(t *testing.T) {
	e := newEnv(t)
	e.friends()
	phone, plain := e.online(1001, "phone"), e.online(1001, "plain")
	bob := e.online(1002, "pc")
	enableCarbons(t, phone, "enable")
	ta := e.turms(1001)
	id := strconv.FormatInt(sendTurms(t, ta, 1002, "from Alice's Turms app"), 10)
	expect(t, bob, withBody("from Alice's Turms app"))
	c := expect(t, phone, carbonOf(t, phone, "sent", "from Alice's Turms app"))
	inner := forwardedIn(c, "sent")
	sid := inner.Child(nsSID, "stanza-id")
	if inner.Attr("from") != jidOf(1001) || inner.Attr("to") != jidOf(1002) || inner.Attr("type") != "chat" ||
		sid.Attr("id") != id || sid.Attr("by") != jidOf(1001) {
		t.Fatalf("sent carbon of a Turms message %s, want stanza-id %s", c, id)
	}
	// The resource without carbons is not told: the next message it gets
	// is the sentinel.
	must(t, bob.SendString(`<message to='1001@`+domain+`' type='chat'><body>sentinel</body></message>`))
	if m := nextMessage(t, plain); m.ChildText(xmlstream.NSClient, "body") != "sentinel" {
		t.Fatalf("a resource without carbons got %s", m)
	}
}

// TestCarbonsOfTurmsChanges: what Alice changes from her Turms session (an
// edit, reactions, a read date, a recall) reaches her carbons-enabled XMPP
// resource as sent carbons, in the form Bob's XMPP clients get them.
func TestCarbonsOfTurmsChanges(t *testing.T) {
	e := newEnv(t)
	e.friends()
	phone, bob := e.online(1001, "phone"), e.online(1002, "pc")
	enableCarbons(t, phone, "enable")
	ta := e.turms(1001)

	must(t, bob.SendString(`<message to='1001@`+domain+`' type='chat' id='b1'><body>from Bob</body></message>`))
	bobsID, err := strconv.ParseInt(expect(t, phone, withBody("from Bob")).Child(nsSID, "stanza-id").Attr("id"), 10, 64)
	must(t, err)
	id := sendTurms(t, ta, 1002, "teh text")
	expect(t, phone, carbonOf(t, phone, "sent", "teh text"))
	ref := strconv.FormatInt(id, 10)

	sent := func(what string, match func(inner *xmlstream.Element) bool) *xmlstream.Element {
		t.Helper()
		c := expect(t, phone, func(el *xmlstream.Element) bool {
			inner := forwardedIn(el, "sent")
			return inner != nil && match(inner)
		})
		inner := forwardedIn(c, "sent")
		if c.Attr("from") != jidOf(1001) || inner.Attr("from") != jidOf(1001) || inner.Attr("to") != jidOf(1002) {
			t.Fatalf("%s carbon %s", what, c)
		}
		return inner
	}
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, Text: proto.String("the text"),
	}}})
	if c := sent("correction", func(m *xmlstream.Element) bool { return m.Child(nsCorrect, "replace") != nil }); c.Child(nsCorrect, "replace").Attr("id") != ref ||
		c.ChildText(xmlstream.NSClient, "body") != "the text" {
		t.Fatalf("correction carbon %s, want one of %s", c, ref)
	}
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
		MessageId: bobsID, ReactionTypes: []int32{0x1F44D},
	}}})
	if c := sent("reactions", func(m *xmlstream.Element) bool { return m.Child(nsReactions, "reactions") != nil }); c.Child(nsReactions, "reactions").Attr("id") != "b1" ||
		c.Child(nsReactions, "reactions").ChildText(nsReactions, "reaction") != "👍" {
		t.Fatalf("reactions carbon %s", c)
	}
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: &pb.UpdateConversationRequest{
		UserId: proto.Int64(1002), ReadDate: time.Now().UnixMilli(),
	}}})
	if c := sent("read date", func(m *xmlstream.Element) bool { return m.Child(nsMarkers, "displayed") != nil }); c.Child(nsMarkers, "displayed").Attr("id") != "b1" {
		t.Fatalf("displayed carbon %s, want one for Bob's b1", c)
	}
	turmsOK(t, ta, &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
		MessageId: id, RecallDate: proto.Int64(time.Now().UnixMilli()),
	}}})
	if c := sent("retraction", func(m *xmlstream.Element) bool { return m.Child(nsRetract, "retract") != nil }); c.Child(nsRetract, "retract").Attr("id") != ref {
		t.Fatalf("retraction carbon %s", c)
	}
}
