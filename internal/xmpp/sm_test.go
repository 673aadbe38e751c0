package xmpp_test

import (
	"strconv"
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const nsSM = "urn:xmpp:sm:3"

func isSM(local string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool { return el.Space == nsSM && el.Local == local }
}

// enableSM logs id in as resource, enables resumable stream management and
// sends initial presence; it returns the client and the resumption id.
func (e *env) enableSM(t *testing.T, id int64, resource string) (*xmpptest.Client, string) {
	t.Helper()
	c := e.login(id, resource)
	if c.Features.Child(nsSM, "sm") == nil {
		t.Fatalf("stream management is not offered: %s", c.Features)
	}
	must(t, c.SendString(`<enable xmlns='urn:xmpp:sm:3' resume='true'/>`))
	en := expect(t, c, isSM("enabled"))
	if en.Attr("resume") != "true" || en.Attr("id") == "" {
		t.Fatalf("enabled without resumption: %s", en)
	}
	must(t, c.SendString(`<presence/>`))
	expect(t, c, xmpptest.Is("presence", "from", c.JID))
	return c, en.Attr("id")
}

// handled syncs with a ping and returns how many stanzas c received since
// <enabled/>: those it still holds, matched ones already taken by Expect,
// and the ping's result.
func handled(t *testing.T, c *xmpptest.Client, matched int) int {
	t.Helper()
	id := "sync" + strconv.Itoa(matched)
	must(t, c.SendString(`<iq type='get' id='`+id+`'><ping xmlns='urn:xmpp:ping'/></iq>`))
	expect(t, c, xmpptest.Is("iq", "id", id))
	n := matched + 1
	for _, el := range c.Pending() {
		if el.Space != nsSM {
			n++
		}
	}
	return n
}

func body(text string) func(*xmlstream.Element) bool {
	return func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.ChildText(xmlstream.NSClient, "body") == text
	}
}

func TestSMAcksBothWays(t *testing.T) {
	e := newEnv(t)
	e.friends()
	alice, _ := e.enableSM(t, 1001, "phone")
	bob := e.online(1002, "pc")

	// The client asks: the server has handled the presence it sent.
	must(t, alice.SendString(`<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq><r xmlns='urn:xmpp:sm:3'/>`))
	a := expect(t, alice, isSM("a"))
	if a.Attr("h") != "2" {
		t.Fatalf("server acknowledged %s stanzas, want 2 (presence and ping)", a.Attr("h"))
	}

	// The server asks after sending stanzas; the client's answer clears them.
	must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", alice.JID, "type", "chat").
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText("one"))))
	expect(t, alice, body("one"))
	expect(t, alice, isSM("r"))
	// Acknowledging exactly what was sent (own presence, the message and
	// all else) keeps the stream; one more than was sent ends it.
	n := handled(t, alice, 2)
	must(t, alice.SendString(`<a xmlns='urn:xmpp:sm:3' h='`+strconv.Itoa(n)+`'/>`))
	handled(t, alice, 0) // one more stanza sent: n+1
	must(t, alice.SendString(`<a xmlns='urn:xmpp:sm:3' h='`+strconv.Itoa(n+2)+`'/>`))
	se, err := alice.Closed()
	if err != nil {
		t.Fatal(err)
	}
	if se.Child("urn:ietf:params:xml:ns:xmpp-streams", "undefined-condition") == nil {
		t.Fatalf("stream error %s, want undefined-condition", se)
	}
}

func TestSMEnableTwiceOrBeforeBind(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	c := e.dial()
	must(t, c.Auth("SCRAM-SHA-256", "1001", pw(1001)))
	r, err := c.Resume("no-such-id", 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Local != "failed" || r.Child("urn:ietf:params:xml:ns:xmpp-stanzas", "item-not-found") == nil {
		t.Fatalf("resuming an unknown session: %s", r)
	}
	must(t, c.Bind("desk")) // the stream goes on after a failed resumption
	must(t, c.SendString(`<enable xmlns='urn:xmpp:sm:3'/>`))
	if en := expect(t, c, isSM("enabled")); en.Attr("resume") == "true" {
		t.Fatalf("resumable though not asked: %s", en)
	}
	must(t, c.SendString(`<enable xmlns='urn:xmpp:sm:3'/>`))
	expect(t, c, isSM("failed"))
}

func TestSMResumeResendsUnacked(t *testing.T) {
	e := newEnv(t)
	e.friends()
	alice, id := e.enableSM(t, 1001, "phone")
	bob := e.online(1002, "pc")
	send := func(text string) {
		must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", jidOf(1001), "type", "chat").
			Add(xmlstream.New(xmlstream.NSClient, "body").AddText(text))))
	}
	send("before")
	expect(t, alice, body("before"))
	alice.Drop() // nothing acknowledged: the server does not know yet
	send("while away")

	again := e.dial()
	must(t, again.Auth("SCRAM-SHA-256", "1001", pw(1001)))
	r, err := again.Resume(id, 1) // the client handled its own presence's echo only
	if err != nil {
		t.Fatal(err)
	}
	if r.Local != "resumed" || r.Attr("previd") != id || r.Attr("h") != "1" {
		t.Fatalf("resumption: %s", r)
	}
	expect(t, again, body("before"))
	expect(t, again, body("while away"))
	// The resumed session is the same resource, and goes on working.
	send("after")
	expect(t, again, body("after"))
	must(t, again.SendString(`<r xmlns='urn:xmpp:sm:3'/>`))
	if a := expect(t, again, isSM("a")); a.Attr("h") != "1" {
		t.Fatalf("after resuming the server counts %s stanzas, want 1", a.Attr("h"))
	}
	// The old id still names the session: a second resumption takes over
	// a connection that still looks alive.
	h := 1 + handled(t, again, 3)
	third := e.dial()
	must(t, third.Auth("SCRAM-SHA-256", "1001", pw(1001)))
	if r, err := third.Resume(id, h); err != nil || r.Local != "resumed" {
		t.Fatalf("second resumption: %v %v", r, err)
	}
	if err := again.WaitEnd(); err != nil {
		t.Fatal(err)
	}
	send("third")
	expect(t, third, body("third"))
}

func TestSMUnresumedMessagesAreOffline(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.SMResumeTimeout = 300 * time.Millisecond })
	e.friends()
	phone, _ := e.enableSM(t, 1001, "phone")
	watch := e.online(1001, "watch")
	bob := e.online(1002, "pc")
	must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", phone.JID, "type", "chat").
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText("unacked"))))
	expect(t, phone, body("unacked"))
	phone.Drop()
	// The window ends: the phone's resource goes offline for its others.
	expect(t, watch, xmpptest.Is("presence", "from", phone.JID, "type", "unavailable"))
	later := e.online(1001, "later")
	m := expect(t, later, body("unacked"))
	if m.Child("urn:xmpp:delay", "delay") == nil {
		t.Fatalf("not delivered as offline: %s", m)
	}
}

func TestSMAckedMessagesAreNotOffline(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.SMResumeTimeout = 300 * time.Millisecond })
	e.friends()
	phone, _ := e.enableSM(t, 1001, "phone")
	watch := e.online(1001, "watch")
	bob := e.online(1002, "pc")
	for _, text := range []string{"acked", "not acked"} {
		must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", phone.JID, "type", "chat").
			Add(xmlstream.New(xmlstream.NSClient, "body").AddText(text))))
		expect(t, phone, body(text))
		if text == "acked" {
			// Its own presence echo, the message, and the rest.
			n := handled(t, phone, 2)
			must(t, phone.SendString(`<a xmlns='urn:xmpp:sm:3' h='`+strconv.Itoa(n)+`'/>`))
			// Once the ping after it is answered, the ack was handled (a
			// connection cut later may lose what the server had not read).
			ping(t, phone, "after-ack")
		}
	}
	phone.Drop()
	expect(t, watch, xmpptest.Is("presence", "from", phone.JID, "type", "unavailable"))
	later := e.online(1001, "later")
	expect(t, later, body("not acked"))
	for _, el := range later.Pending() {
		if el.ChildText(xmlstream.NSClient, "body") == "acked" {
			t.Fatalf("an acknowledged message came again: %s", el)
		}
	}
}

// TestSMResumeOverWebSocket resumes a WebSocket session on a new
// WebSocket, and refuses to resume it on a TCP stream, whose stanzas are
// framed differently.
func TestSMResumeOverWebSocket(t *testing.T) {
	e := newEnv(t)
	e.friends()
	dialWS := func() *xmpptest.Client {
		c, err := xmpptest.DialWS("ws://"+e.addr("ws")+"/xmpp-websocket", domain)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		must(t, c.Auth("SCRAM-SHA-256", "1001", pw(1001)))
		return c
	}
	phone := dialWS()
	must(t, phone.Bind("phone"))
	must(t, phone.SendString(`<enable xmlns='urn:xmpp:sm:3' resume='true'/>`))
	id := expect(t, phone, isSM("enabled")).Attr("id")
	must(t, phone.SendString(`<presence xmlns='jabber:client'/>`))
	expect(t, phone, xmpptest.Is("presence", "from", phone.JID))
	bob := e.online(1002, "pc")
	phone.Drop()
	must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", jidOf(1001), "type", "chat").
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText("over ws"))))

	tcp := e.dial()
	must(t, tcp.Auth("SCRAM-SHA-256", "1001", pw(1001)))
	if r, err := tcp.Resume(id, 1); err != nil || r.Local != "failed" {
		t.Fatalf("resuming a WebSocket session on TCP: %v %v", r, err)
	}
	again := dialWS()
	r, err := again.Resume(id, 1)
	if err != nil || r.Local != "resumed" {
		t.Fatalf("resuming over WebSocket: %v %v", r, err)
	}
	expect(t, again, body("over ws"))
}

func TestSMBadInputAndLimits(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.SMMaxUnacked = 3 })
	e.friends()
	cases := []struct {
		name, send, condition string
	}{
		{"ack without h", `<a xmlns='urn:xmpp:sm:3'/>`, "undefined-condition"},
		{"ack not a number", `<a xmlns='urn:xmpp:sm:3' h='many'/>`, "undefined-condition"},
		{"unknown element", `<foo xmlns='urn:xmpp:sm:3'/>`, "unsupported-stanza-type"},
		{"unknown CSI element", `<sleepy xmlns='urn:xmpp:csi:0'/>`, "unsupported-stanza-type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := e.enableSM(t, 1001, "phone")
			must(t, c.SendString(tc.send))
			se, err := c.Closed()
			if err != nil {
				t.Fatal(err)
			}
			if se.Child("urn:ietf:params:xml:ns:xmpp-streams", tc.condition) == nil {
				t.Fatalf("stream error %s, want %s", se, tc.condition)
			}
		})
	}
	t.Run("request before enable", func(t *testing.T) {
		c := e.login(1001, "desk")
		must(t, c.SendString(`<r xmlns='urn:xmpp:sm:3'/>`))
		se, err := c.Closed()
		if err != nil || se.Child("urn:ietf:params:xml:ns:xmpp-streams", "unsupported-stanza-type") == nil {
			t.Fatalf("stream error %v %v", se, err)
		}
	})
	t.Run("too many unacknowledged", func(t *testing.T) {
		c, _ := e.enableSM(t, 1001, "phone") // its presence echo: one unacknowledged
		bob := e.online(1002, "pc")
		for i := range 4 {
			must(t, bob.Send(xmlstream.New(xmlstream.NSClient, "message", "to", c.JID, "type", "chat").
				Add(xmlstream.New(xmlstream.NSClient, "body").AddText(strconv.Itoa(i)))))
		}
		se, err := c.Closed()
		if err != nil || se.Child("urn:ietf:params:xml:ns:xmpp-streams", "policy-violation") == nil {
			t.Fatalf("stream error %v %v", se, err)
		}
		// Not resumable, and what it did not acknowledge is offline.
		later := e.online(1001, "later")
		expect(t, later, body("3"))
	})
}
