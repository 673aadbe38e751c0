package xmpp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	botDomain = "bot." + domain
	gwDomain  = "gw.other.test"
)

// componentEnv is a server that accepts two components: bot (a subdomain,
// secret s3cret) and gw.other.test (secret other).
func componentEnv(t *testing.T) *env {
	return newEnv(t, func(c *config.Config) {
		c.XMPP.ComponentAddr = "127.0.0.1:0"
		c.XMPP.Components = "bot=s3cret, " + gwDomain + "=other"
	})
}

func (e *env) component(domain, secret string) *xmpptest.Client {
	e.t.Helper()
	c, err := xmpptest.DialComponent(e.addr("component"), domain, secret)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.Close)
	return c
}

func TestComponentHandshake(t *testing.T) {
	e := componentEnv(t)
	e.component(botDomain, "s3cret") // holds bot's domain for the conflict case
	tests := []struct {
		name, domain, secret, want string
	}{
		{"right secret", gwDomain, "other", ""},
		{"wrong secret", gwDomain, "s3cret", "not-authorized"},
		{"unknown domain", "nope." + domain, "s3cret", "host-unknown"},
		{"the server's domain", domain, "s3cret", "host-unknown"},
		{"domain already connected", botDomain, "s3cret", "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := xmpptest.DialComponent(e.addr("component"), tt.domain, tt.secret)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				return
			}
			var se *xmpptest.StreamError
			if !errors.As(err, &se) || se.Condition != tt.want {
				if c != nil {
					c.Close()
				}
				t.Fatalf("err = %v, want stream error %s", err, tt.want)
			}
		})
	}
}

// A client stream opened on the component port, and a component stream
// opened on the client port, are refused: each port reads its own
// namespace.
func TestComponentStreamNamespaces(t *testing.T) {
	e := componentEnv(t)
	for _, tt := range []struct{ name, addr, header string }{
		{"client stream on the component port", e.addr("component"),
			`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='` + botDomain + `'>`},
		{"component stream on the client port", e.addr("tcp"),
			`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='` + domain + `' version='1.0'>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rawDial(t, tt.addr)
			r.write(tt.header)
			if got := r.readAll(); !strings.Contains(got, "<invalid-namespace") {
				t.Fatalf("got %q, want invalid-namespace", got)
			}
		})
	}
}

// Messages go both ways between a component and a logged-in user: the
// user gets the component's stanza in jabber:client, and the component
// gets the user's with the user's full JID as from, in its own namespace.
func TestComponentMessagesBothWays(t *testing.T) {
	e := componentEnv(t)
	e.user(1001, "Alice", "alice")
	alice := e.online(1001, "phone")
	bot := e.component(botDomain, "s3cret")

	for _, to := range []string{jidOf(1001), "alice@" + domain, alice.JID} {
		must(t, bot.SendString(`<message from='weather@`+botDomain+`/r' to='`+to+`' type='chat' id='w1'><body>sunny at `+to+`</body></message>`))
		got := expect(t, alice, xmpptest.Is("message", "from", "weather@"+botDomain+"/r"))
		if !got.Is(xmlstream.NSClient, "message") || got.ChildText(xmlstream.NSClient, "body") != "sunny at "+to {
			t.Fatalf("alice got %s", got)
		}
	}

	must(t, alice.SendString(`<message to='weather@`+botDomain+`' type='chat' id='a1'><body>and tomorrow?</body></message>`))
	got := expect(t, bot, xmpptest.Is("message", "id", "a1"))
	if !got.Is(xmlstream.NSComponent, "message") || got.ChildText(xmlstream.NSComponent, "body") != "and tomorrow?" ||
		got.Attr("from") != alice.JID || got.Attr("to") != "weather@"+botDomain {
		t.Fatalf("the component got %s", got)
	}
}

// IQs go both ways: a user's request reaches the component and its result
// the user; the component's request to the user's full JID reaches the
// client and its answer the component.
func TestComponentIQBothWays(t *testing.T) {
	e := componentEnv(t)
	e.user(1001, "Alice", "")
	alice := e.online(1001, "phone")
	bot := e.component(botDomain, "s3cret")

	must(t, alice.SendString(`<iq type='get' to='`+botDomain+`' id='v1'><query xmlns='jabber:iq:version'/></iq>`))
	req := expect(t, bot, xmpptest.Is("iq", "id", "v1"))
	if req.Attr("from") != alice.JID || req.Child("jabber:iq:version", "query") == nil {
		t.Fatalf("the component got %s", req)
	}
	must(t, bot.SendString(`<iq type='result' from='`+botDomain+`' to='`+alice.JID+`' id='v1'><query xmlns='jabber:iq:version'><name>bot</name></query></iq>`))
	res := expect(t, alice, xmpptest.Is("iq", "id", "v1"))
	if res.Attr("type") != "result" || res.Child("jabber:iq:version", "query").ChildText("jabber:iq:version", "name") != "bot" {
		t.Fatalf("alice got %s", res)
	}

	must(t, bot.SendString(`<iq type='get' from='`+botDomain+`' to='`+alice.JID+`' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`))
	ping := expect(t, alice, xmpptest.Is("iq", "id", "p1"))
	if ping.Attr("from") != botDomain {
		t.Fatalf("alice got %s", ping)
	}
	must(t, alice.SendString(`<iq type='result' to='`+botDomain+`' id='p1'/>`))
	pong := expect(t, bot, xmpptest.Is("iq", "id", "p1"))
	if pong.Attr("type") != "result" || pong.Attr("from") != alice.JID {
		t.Fatalf("the component got %s", pong)
	}

	// Nobody answers for an account's bare JID or a resource that is not
	// there.
	for _, to := range []string{jidOf(1001), jidOf(1001) + "/gone"} {
		must(t, bot.SendString(`<iq type='get' from='`+botDomain+`' to='`+to+`' id='x1'><ping xmlns='urn:xmpp:ping'/></iq>`))
		errIQ := expect(t, bot, xmpptest.Is("iq", "id", "x1"))
		if errIQ.Attr("type") != "error" || errIQ.Attr("to") != botDomain || stanzaCondition(errIQ) != "service-unavailable" {
			t.Fatalf("to %s: the component got %s", to, errIQ)
		}
	}
}

func stanzaCondition(el *xmlstream.Element) string {
	for _, errEl := range el.Elements() {
		if errEl.Local != "error" {
			continue
		}
		for _, c := range errEl.Elements() {
			if c.Space == "urn:ietf:params:xml:ns:xmpp-stanzas" && c.Local != "text" {
				return c.Local
			}
		}
	}
	return ""
}

// A component not connected answers nothing: the server refuses IQs and
// messages to it with service-unavailable; once it connects it is listed
// in the server's disco#items and gets them.
func TestComponentNotConnected(t *testing.T) {
	e := componentEnv(t)
	e.user(1001, "Alice", "")
	alice := e.online(1001, "phone")

	res, err := alice.IQ("get", "x@"+botDomain, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	if res.Attr("type") != "error" || stanzaCondition(res) != "service-unavailable" {
		t.Fatalf("IQ to a disconnected component: %s", res)
	}
	must(t, alice.SendString(`<message to='`+botDomain+`' id='m1'><body>anyone?</body></message>`))
	bounced := expect(t, alice, xmpptest.Is("message", "id", "m1"))
	if bounced.Attr("type") != "error" || stanzaCondition(bounced) != "service-unavailable" {
		t.Fatalf("message to a disconnected component: %s", bounced)
	}
	if items := discoItemJIDs(t, alice); strings.Contains(items, botDomain) {
		t.Fatalf("disco#items lists a disconnected component: %s", items)
	}

	bot := e.component(botDomain, "s3cret")
	if items := discoItemJIDs(t, alice); !strings.Contains(items, botDomain) || strings.Contains(items, gwDomain) {
		t.Fatalf("disco#items = %s, want %s and not %s", items, botDomain, gwDomain)
	}
	must(t, alice.SendString(`<iq type='get' to='x@`+botDomain+`' id='d2'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`))
	expect(t, bot, xmpptest.Is("iq", "id", "d2", "from", alice.JID))

	bot.Close()
	// The domain is free again once the stream is over.
	dialComponentAgain(t, e.addr("component"), botDomain, "s3cret").Close()
}

// dialComponentAgain connects a component whose previous connection has
// just been closed: until the server has seen that stream end, the domain
// is still taken (conflict).
func dialComponentAgain(t testing.TB, addr, domain, secret string) *xmpptest.Client {
	t.Helper()
	deadline := time.Now().Add(xmpptest.Timeout)
	for {
		c, err := xmpptest.DialComponent(addr, domain, secret)
		var se *xmpptest.StreamError
		if errors.As(err, &se) && se.Condition == "conflict" && time.Now().Before(deadline) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func discoItemJIDs(t *testing.T, c *xmpptest.Client) string {
	t.Helper()
	res, err := c.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#items'/>`))
	must(t, err)
	var jids []string
	for _, it := range res.Child("http://jabber.org/protocol/disco#items", "query").Elements() {
		jids = append(jids, it.Attr("jid"))
	}
	return strings.Join(jids, " ")
}

// A stanza from outside the component's domain ends its stream with
// invalid-from (XEP-0114); so does one without a from.
func TestComponentInvalidFrom(t *testing.T) {
	e := componentEnv(t)
	e.user(1001, "Alice", "")
	alice := e.online(1001, "phone")
	for _, from := range []string{jidOf(1002), gwDomain, ""} {
		t.Run("from "+from, func(t *testing.T) {
			bot := e.component(botDomain, "s3cret")
			must(t, bot.SendString(`<message from='`+from+`' to='`+jidOf(1001)+`' id='spoof'><body>hi</body></message>`))
			se, err := bot.Closed()
			must(t, err)
			if se.Child("urn:ietf:params:xml:ns:xmpp-streams", "invalid-from") == nil {
				t.Fatalf("stream error %s, want invalid-from", se)
			}
			must(t, bot.WaitEnd())
		})
	}
	// Alice got none of them: a message the component may send arrives,
	// and it is the first.
	bot := e.component(botDomain, "s3cret")
	must(t, bot.SendString(`<message from='`+botDomain+`' to='`+jidOf(1001)+`' id='real'><body>hi</body></message>`))
	if got := expect(t, alice, xmpptest.Is("message")); got.Attr("id") != "real" {
		t.Fatalf("alice got %s first", got)
	}
}

// Between components, stanzas pass as sent; a message to a user without
// an XMPP session bounces; the server answers ping and disco#info.
func TestComponentRouting(t *testing.T) {
	e := componentEnv(t)
	e.user(1002, "Bob", "")
	bot := e.component(botDomain, "s3cret")
	gw := e.component(gwDomain, "other")

	must(t, bot.SendString(`<message from='a@`+botDomain+`' to='b@`+gwDomain+`' id='c1'><body>hello gw</body></message>`))
	got := expect(t, gw, xmpptest.Is("message", "id", "c1"))
	if got.Attr("from") != "a@"+botDomain || got.ChildText(xmlstream.NSComponent, "body") != "hello gw" {
		t.Fatalf("gw got %s", got)
	}

	for _, tt := range []struct{ to, want string }{
		{jidOf(1002), "service-unavailable"}, // Bob has no XMPP session
		{"nobody@" + domain, "service-unavailable"},
		{"x@elsewhere.test", "remote-server-not-found"},
		{"conference." + domain, "service-unavailable"},
	} {
		must(t, bot.SendString(`<message from='`+botDomain+`' to='`+tt.to+`' id='b1'><body>hi</body></message>`))
		bounced := expect(t, bot, xmpptest.Is("message", "id", "b1"))
		if bounced.Attr("type") != "error" || stanzaCondition(bounced) != tt.want || bounced.Attr("to") != botDomain {
			t.Fatalf("to %s: %s, want %s", tt.to, bounced, tt.want)
		}
	}

	must(t, bot.SendString(`<iq type='get' from='`+botDomain+`' to='`+domain+`' id='s1'><ping xmlns='urn:xmpp:ping'/></iq>`))
	if res := expect(t, bot, xmpptest.Is("iq", "id", "s1")); res.Attr("type") != "result" || res.Attr("from") != domain {
		t.Fatalf("ping: %s", res)
	}
	must(t, bot.SendString(`<iq type='get' from='`+botDomain+`' to='`+domain+`' id='s2'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`))
	res := expect(t, bot, xmpptest.Is("iq", "id", "s2"))
	if res.Child("http://jabber.org/protocol/disco#info", "query").Child("http://jabber.org/protocol/disco#info", "identity").Attr("category") != "server" {
		t.Fatalf("disco#info: %s", res)
	}
	must(t, bot.SendString(`<iq type='get' from='`+botDomain+`' to='`+domain+`' id='s3'><query xmlns='jabber:iq:roster'/></iq>`))
	if res := expect(t, bot, xmpptest.Is("iq", "id", "s3")); stanzaCondition(res) != "service-unavailable" {
		t.Fatalf("roster: %s", res)
	}
}

// A component that got a resource's presence gets its unavailable
// presence when the resource says so or goes away (RFC 6121 section
// 4.6.3).
func TestComponentDirectedPresence(t *testing.T) {
	e := componentEnv(t)
	e.user(1001, "Alice", "")
	bot := e.component(botDomain, "s3cret")

	alice := e.online(1001, "phone")
	must(t, alice.SendString(`<presence to='room@`+botDomain+`'/>`))
	expect(t, bot, xmpptest.Is("presence", "from", alice.JID, "to", "room@"+botDomain))
	must(t, alice.SendString(`<presence type='unavailable'><status>bye</status></presence>`))
	gone := expect(t, bot, xmpptest.Is("presence", "from", alice.JID, "type", "unavailable"))
	if gone.Attr("to") != "room@"+botDomain || gone.ChildText(xmlstream.NSComponent, "status") != "bye" {
		t.Fatalf("the component got %s", gone)
	}

	// A resource that never sent initial presence, gone with its connection.
	tablet := e.login(1001, "tablet")
	must(t, tablet.SendString(`<presence to='`+botDomain+`'/>`))
	expect(t, bot, xmpptest.Is("presence", "from", tablet.JID, "to", botDomain))
	tablet.Close()
	expect(t, bot, xmpptest.Is("presence", "from", tablet.JID, "type", "unavailable", "to", botDomain))

	// An available resource that disconnects.
	must(t, alice.SendString(`<presence/>`))
	must(t, alice.SendString(`<presence to='`+botDomain+`'><show>dnd</show></presence>`))
	expect(t, bot, xmpptest.Is("presence", "from", alice.JID, "to", botDomain))
	alice.Close()
	expect(t, bot, xmpptest.Is("presence", "from", alice.JID, "type", "unavailable", "to", botDomain))
}

// Stopping the server ends a component's stream with system-shutdown.
func TestComponentServerShutdown(t *testing.T) {
	var bot *xmpptest.Client
	t.Cleanup(func() { // cleanups run last first: this one after the server has stopped
		defer bot.Close()
		se, err := bot.Closed()
		if err != nil {
			t.Fatal(err)
		}
		if se.Child("urn:ietf:params:xml:ns:xmpp-streams", "system-shutdown") == nil {
			t.Fatalf("stream error %s, want system-shutdown", se)
		}
	})
	e := componentEnv(t)
	var err error
	if bot, err = xmpptest.DialComponent(e.addr("component"), botDomain, "s3cret"); err != nil {
		t.Fatal(err)
	}
}
