package xmpp_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const nsStreams = "urn:ietf:params:xml:ns:xmpp-streams"

func TestStreamErrorsOnBadInput(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.MaxStanzaBytes = 2048 })
	e.user(1001, "Alice", "")
	tests := []struct{ name, send, cond string }{
		{"not well-formed", `<message><body>x</message>`, "not-well-formed"},
		{"comment", `<!-- hello -->`, "restricted-xml"},
		{"processing instruction", `<?foo bar?>`, "restricted-xml"},
		{"undeclared prefix", `<x:message/>`, "bad-namespace-prefix"},
		{"unknown top-level element", `<foo xmlns='urn:example'/>`, "unsupported-stanza-type"},
		{"spoofed from", `<message from='1002@` + domain + `/x' to='1001@` + domain + `'><body>x</body></message>`, "invalid-from"},
		{"oversized stanza", `<message to='1001@` + domain + `'><body>` + strings.Repeat("x", 4096) + `</body></message>`, "policy-violation"},
		{"text between stanzas", `hello<presence/>`, "bad-format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.login(1001, "r")
			must(t, c.SendString(tt.send))
			el, err := c.Closed()
			if err != nil {
				t.Fatal(err)
			}
			if el.Child(nsStreams, tt.cond) == nil {
				t.Fatalf("stream error %s, want %s", el, tt.cond)
			}
			if err := c.WaitEnd(); err != nil {
				t.Fatal(err)
			}
		})
	}
	// The server is unharmed: a new session works.
	c := e.login(1001, "after")
	if r, err := c.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil || r.Attr("type") != "result" {
		t.Fatalf("ping after bad input: %v %v", r, err)
	}
}

func TestStreamHeaderErrors(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ name, header, cond string }{
		{"unknown host", `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='other.test' version='1.0'>`, "host-unknown"},
		{"wrong namespace", `<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='` + domain + `' version='1.0'>`, "invalid-namespace"},
		{"doctype", `<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><stream:stream>`, "restricted-xml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn := rawDial(t, e.addr("tcp"))
			conn.write(tt.header)
			out := conn.readAll()
			if !strings.Contains(out, "<"+tt.cond+` xmlns="`+nsStreams+`"/>`) || !strings.HasSuffix(out, "</stream:stream>") {
				t.Fatalf("got %q, want stream error %s", out, tt.cond)
			}
		})
	}
}

func TestServiceDiscoveryAndServerInfo(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.login(1001, "r")
	r, err := a.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	if err != nil {
		t.Fatal(err)
	}
	var features []string
	for _, f := range r.Child("http://jabber.org/protocol/disco#info", "query").Elements() {
		if f.Local == "feature" {
			features = append(features, f.Attr("var"))
		}
	}
	for _, want := range []string{"http://jabber.org/protocol/disco#info", "urn:xmpp:ping", "jabber:iq:version",
		"urn:xmpp:time", "vcard-temp", "urn:xmpp:blocking", "urn:xmpp:sid:0"} {
		if !slices.Contains(features, want) {
			t.Errorf("disco#info lacks %s: %v", want, features)
		}
	}
	r, err = a.IQ("get", jidOf(1002), q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	if err != nil || r.Child("http://jabber.org/protocol/disco#info", "query").Child("http://jabber.org/protocol/disco#info", "identity").Attr("category") != "account" {
		t.Fatalf("account disco: %v %v", r, err)
	}
	r, _ = a.IQ("get", domain, q(t, `<query xmlns='jabber:iq:version'/>`))
	if r.Child("jabber:iq:version", "query").ChildText("jabber:iq:version", "name") != "hermod" {
		t.Fatalf("version: %s", r)
	}
	r, _ = a.IQ("get", domain, q(t, `<time xmlns='urn:xmpp:time'/>`))
	if !strings.HasSuffix(r.Child("urn:xmpp:time", "time").ChildText("urn:xmpp:time", "utc"), "Z") {
		t.Fatalf("time: %s", r)
	}
	r, _ = a.IQ("get", domain, q(t, `<query xmlns='urn:example:unknown'/>`))
	if r.Attr("type") != "error" || r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "service-unavailable") == nil {
		t.Fatalf("unknown namespace: %s", r)
	}
	r, _ = a.IQ("get", "", xmlstream.New(xmlstream.NSClient, "x"))
	if r.Attr("type") != "error" {
		t.Fatalf("an IQ with a jabber:client payload: %s", r)
	}
}

func TestVCardIsTheProfile(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	e.user(1002, "Bob", "")
	a, b := e.login(1001, "r"), e.login(1002, "r")
	r, err := a.IQ("set", "", q(t, `<vCard xmlns='vcard-temp'><FN>Alice Liddell</FN><DESC>down the rabbit hole</DESC><PHOTO><EXTVAL>https://example.test/a.png</EXTVAL></PHOTO></vCard>`))
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("vCard set: %v %v", r, err)
	}
	u, err := e.srv.Users().Get(context.Background(), 1001)
	if err != nil || u.Name != "Alice Liddell" || u.Intro != "down the rabbit hole" || u.ProfilePicture != "https://example.test/a.png" {
		t.Fatalf("profile after vCard set: %+v %v", u, err)
	}
	r, err = b.IQ("get", jidOf(1001), q(t, `<vCard xmlns='vcard-temp'/>`))
	if err != nil || r.Child("vcard-temp", "vCard").ChildText("vcard-temp", "FN") != "Alice Liddell" {
		t.Fatalf("vCard get: %v %v", r, err)
	}
	r, _ = b.IQ("set", jidOf(1001), q(t, `<vCard xmlns='vcard-temp'><FN>Mallory</FN></vCard>`))
	if r.Attr("type") != "error" {
		t.Fatalf("setting another user's vCard: %s", r)
	}
}

func TestIQAndDirectedPresenceBetweenResources(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	// An IQ to a full JID reaches that resource, and its answer comes back.
	must(t, a.SendString(`<iq type='get' id='v1' to='`+b.JID+`'><query xmlns='jabber:iq:version'/></iq>`))
	got := expect(t, b, xmpptest.Is("iq", "id", "v1", "type", "get"))
	if got.Attr("from") != a.JID {
		t.Fatalf("relayed IQ from %q", got.Attr("from"))
	}
	must(t, b.SendString(`<iq type='result' id='v1' to='`+a.JID+`'><query xmlns='jabber:iq:version'><name>test</name></query></iq>`))
	res := expect(t, a, xmpptest.Is("iq", "id", "v1", "type", "result"))
	if res.Attr("from") != b.JID {
		t.Fatalf("result from %q", res.Attr("from"))
	}
	// No such resource: service-unavailable.
	r, _ := a.IQ("get", jidOf(1002)+"/nowhere", q(t, `<query xmlns='jabber:iq:version'/>`))
	if r.Attr("type") != "error" {
		t.Fatalf("IQ to a missing resource: %s", r)
	}
	// A second resource of the same user sees the first's presence.
	a2 := e.online(1001, "desk")
	expect(t, a2, xmpptest.Is("presence", "from", a.JID))
	expect(t, a, xmpptest.Is("presence", "from", a2.JID))
}

func TestRegistration(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.AllowRegistration, c.XMPP.RegistrationsPerMinute = true, 2 })
	c := e.dial()
	if c.Features.Child("http://jabber.org/features/iq-register", "register") == nil {
		t.Fatalf("registration not announced: %s", c.Features)
	}
	must(t, c.SendString(`<iq type='set' id='reg1'><query xmlns='jabber:iq:register'><username>Carol</username><password>s3cret</password></query></iq>`))
	r, err := c.Read()
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("register: %v %v", r, err)
	}
	must(t, c.SendString(`<iq type='set' id='reg2'><query xmlns='jabber:iq:register'><username>carol</username><password>x</password></query></iq>`))
	r, _ = c.Read()
	if r.Attr("type") != "error" || r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "conflict") == nil {
		t.Fatalf("duplicate registration: %s", r)
	}
	// Two accounts per address per minute here: the third is refused.
	must(t, c.SendString(`<iq type='set' id='reg3'><query xmlns='jabber:iq:register'><username>dave</username><password>x</password></query></iq>`))
	if r, _ = c.Read(); r.Attr("type") != "result" {
		t.Fatalf("second registration: %s", r)
	}
	must(t, c.SendString(`<iq type='set' id='reg4'><query xmlns='jabber:iq:register'><username>erin</username><password>x</password></query></iq>`))
	r, _ = c.Read()
	if r.Attr("type") != "error" || r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "resource-constraint") == nil {
		t.Fatalf("a registration over the limit: %s", r)
	}
	d := e.dial()
	if err := d.Login("carol", "s3cret", "r"); err != nil {
		t.Fatal(err)
	}
	// Changing the password once logged in.
	r, err = d.IQ("set", "", q(t, `<query xmlns='jabber:iq:register'><username>carol</username><password>n3w</password></query>`))
	if err != nil || r.Attr("type") != "result" {
		t.Fatalf("password change: %v %v", r, err)
	}
	if err := e.dial().Login("carol", "n3w", "r2"); err != nil {
		t.Fatal(err)
	}

	off := newEnv(t)
	c = off.dial()
	if c.Features.Child("http://jabber.org/features/iq-register", "register") != nil {
		t.Fatal("registration announced while disabled")
	}
	must(t, c.SendString(`<iq type='get' id='reg1'><query xmlns='jabber:iq:register'/></iq>`))
	el, err := c.Read()
	if err != nil || !el.Is(xmlstream.NSStream, "error") {
		t.Fatalf("registration while disabled: %v %v", el, err)
	}
}

func TestDeactivationEndsXMPPSessions(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	a := e.online(1001, "r")
	must(t, e.srv.Users().SetActive(context.Background(), 1001, false))
	el, err := a.Closed()
	if err != nil || el.Child(nsStreams, "policy-violation") == nil {
		t.Fatalf("deactivated session: %v %v", el, err)
	}
	err = e.dial().Login("1001", pw(1001), "r")
	if se, ok := err.(*xmpptest.SASLError); !ok || se.Condition != "account-disabled" {
		t.Fatalf("login of a deactivated account: %v", err)
	}
}

func TestWebSocketFraming(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	c, err := xmpptest.DialWS("ws://"+e.addr("ws")+"/xmpp-websocket", domain)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("1001", pw(1001), "web"); err != nil {
		t.Fatal(err)
	}
	// Stanzas in frames may omit the namespace.
	must(t, c.SendString(`<iq type='get' id='p1' to='`+domain+`'><ping xmlns='urn:xmpp:ping'/></iq>`))
	expect(t, c, xmpptest.Is("iq", "id", "p1", "type", "result"))
	must(t, c.SendString(`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>`))
	if err := c.WaitEnd(); err != nil {
		t.Fatal(err)
	}
}

func TestResourceLimit(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.MaxResources = 2 })
	e.user(1001, "Alice", "")
	e.login(1001, "one")
	e.login(1001, "two")
	c := e.dial()
	must(t, c.Auth("SCRAM-SHA-256", "1001", pw(1001)))
	if err := c.Bind("three"); err == nil || !strings.Contains(err.Error(), "resource-constraint") {
		t.Fatalf("a third resource: %v", err)
	}
	// Taking over an existing resource is still allowed.
	if err := e.dial().Login("1001", pw(1001), "two"); err != nil {
		t.Fatal(err)
	}
}

func TestIdleStreamTimesOut(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.IdleTimeout = 300 * time.Millisecond })
	e.user(1001, "Alice", "")
	c := e.login(1001, "r")
	el, err := c.Closed()
	if err != nil || el.Child(nsStreams, "connection-timeout") == nil {
		t.Fatalf("idle stream: %v %v", el, err)
	}
}

// TestStartTLSInjection: bytes sent after <starttls/> before the handshake
// would be read as if they came over TLS; the server refuses them.
func TestStartTLSInjection(t *testing.T) {
	e := newEnv(t)
	conn := rawDial(t, e.addr("tcp"))
	conn.write(`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='` + domain + `' version='1.0'>`)
	conn.readUntil("</stream:features>")
	conn.write(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><iq type='set' id='x'/>`)
	out := conn.readAll()
	if strings.Contains(out, "<proceed") || !strings.Contains(out, "policy-violation") {
		t.Fatalf("after an injection attempt: %q", out)
	}
}

// TestFloodIsSlowedNotLost: a client over its stanza rate is read more
// slowly; every stanza is still answered and the stream stays up.
func TestFloodIsSlowedNotLost(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.StanzasPerSecond, c.XMPP.StanzaBurst = 200, 10 })
	e.user(1001, "Alice", "")
	c := e.login(1001, "r")
	const n = 300
	var b strings.Builder
	for i := range n {
		b.WriteString(`<iq type='get' id='f` + strconv.Itoa(i) + `' to='` + domain + `'><ping xmlns='urn:xmpp:ping'/></iq>`)
	}
	must(t, c.SendString(b.String()))
	for i := range n {
		expect(t, c, xmpptest.Is("iq", "id", "f"+strconv.Itoa(i), "type", "result"))
	}
}
