package xmpp_test

import (
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmpptest"
)

// waitParked waits until n connections are parked in the poller.
func (e *env) waitParked(n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.srv.ParkedConnections() != n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d connections parked, want %d", e.srv.ParkedConnections(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestIdleSessionsPark: idle streams, plain and TLS, wait in the poller
// with no reader; input wakes them, whitespace keepalives included, and
// stanzas reach them while parked.
func TestIdleSessionsPark(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = false })
	e.friends()
	plain, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
	must(t, err)
	t.Cleanup(plain.Close)
	if plain.TLSState() != nil {
		t.Fatal("the plain stream is encrypted")
	}
	must(t, plain.Login("1001", pw(1001), "plain"))
	must(t, plain.SendString(`<presence/>`))
	if _, err := plain.Expect(xmpptest.Is("presence", "from", plain.JID)); err != nil {
		t.Fatal(err)
	}
	secure := e.online(1002, "tls")
	e.waitParked(2)

	// A parked session is written to without being woken.
	must(t, secure.SendString(`<message type='chat' to='`+jidOf(1001)+`'><body>to a parked stream</body></message>`))
	if _, err := plain.Expect(xmpptest.Is("message", "type", "chat")); err != nil {
		t.Fatal(err)
	}
	e.waitParked(2)

	// A whitespace keepalive wakes the reader, which parks again.
	must(t, plain.SendString("  \n"))
	e.waitParked(2)
	must(t, secure.SendString(" "))
	e.waitParked(2)

	// A stanza split over two writes is read whole.
	must(t, plain.SendString(`<message type='chat' to='`+jidOf(1002)+`'><bo`))
	must(t, plain.SendString(`dy>from a woken stream</body></message>`))
	el, err := secure.Expect(xmpptest.Is("message", "type", "chat"))
	if err != nil {
		t.Fatal(err)
	}
	if got := el.ChildText("jabber:client", "body"); got != "from a woken stream" {
		t.Fatalf("body %q", got)
	}
	e.waitParked(2)

	// A client that goes away while parked is taken offline.
	plain.Close()
	e.waitParked(1)
	secure.Close()
	e.waitParked(0)
}
