package xmpp_test

import (
	"strings"
	"testing"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
)

// FuzzComponent sends what a component might after its handshake: the
// server must stay up, and the component's stream must either go on (a
// ping is answered) or end with a stream error.
func FuzzComponent(f *testing.F) {
	for _, s := range []string{
		`<message from='a@bot.example.test' to='1001@example.test'><body>hi</body></message>`,
		`<message from='a@bot.example.test/r' to='1001@example.test/fz' type='chat'><body>hi</body></message>`,
		`<presence from='bot.example.test' to='1001@example.test' type='probe'/><presence from='bot.example.test' to='1001@example.test/fz'/>`,
		`<iq from='bot.example.test' to='1001@example.test/fz' type='get' id='1'><ping xmlns='urn:xmpp:ping'/></iq>`,
		`<iq from='bot.example.test' to='example.test' type='get' id='2'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>`,
		`<iq from='bot.example.test' type='set' id='3'/><iq from='bot.example.test' type='bogus' id='4'><a/></iq><iq from='bot.example.test' type='result'/>`,
		`<message from='bot.example.test' to='@@'/><message from='bot.example.test' to='x@gw.other.test'/><message from='bot.example.test' to='conference.example.test'/>`,
		`<message from='1001@example.test' to='1001@example.test'/>`, `<message to='1001@example.test'/>`,
		`<message xmlns='jabber:client' from='bot.example.test' to='alice@example.test'><body>x</body></message>`,
		`<handshake>00</handshake>`, `<foo xmlns='urn:x'/>`, `<stream:features/>`, `</stream:stream>`, `<a:b xmlns:a='x'/>`,
		`<message from='bot.example.test' to='1001@example.test'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:component:accept'/></forwarded></message>`,
	} {
		f.Add(s)
	}
	e := newEnv(f, func(c *config.Config) {
		c.XMPP.ComponentAddr = "127.0.0.1:0"
		c.XMPP.Components = "bot=s3cret,gw.other.test=other"
	})
	e.user(1001, "Alice", "alice")
	alice := e.online(1001, "fz")
	f.Fuzz(func(t *testing.T, in string) {
		bot := dialComponentAgain(t, e.addr("component"), botDomain, "s3cret")
		defer bot.Close()
		bot.SendString(in)
		if r, err := alice.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping")); err != nil || r.Attr("type") != "result" {
			t.Fatalf("after %q the server does not answer: %v %v", in, r, err)
		}
		if _, err := xmlstream.Parse([]byte("<x>"+in+"</x>"), xmlstream.DefaultLimits); err != nil {
			return // incomplete or bad XML: the stream waits for more or has ended
		}
		bot.SendString(`<iq type='get' id='zz-ping' from='` + botDomain + `' to='` + domain + `'><ping xmlns='urn:xmpp:ping'/></iq>`)
		_, err := bot.Expect(func(el *xmlstream.Element) bool {
			return (el.Local == "iq" && el.Attr("id") == "zz-ping") || el.Is(xmlstream.NSStream, "error")
		})
		if err != nil && !strings.Contains(err.Error(), "stream ended") {
			t.Fatalf("after %q: %v", in, err)
		}
	})
}
