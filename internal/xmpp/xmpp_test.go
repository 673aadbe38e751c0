package xmpp_test

import (
	"slices"
	"strings"
	"testing"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

func TestLoginOverEveryTransport(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "alice")
	tests := []struct {
		name string
		dial func() (*xmpptest.Client, error)
		user string
		mech string
	}{
		{"starttls scram-sha-256", func() (*xmpptest.Client, error) { return xmpptest.DialTCP(e.addr("tcp"), domain, true) }, "1001", "SCRAM-SHA-256"},
		{"starttls scram-sha-1 by login name", func() (*xmpptest.Client, error) { return xmpptest.DialTCP(e.addr("tcp"), domain, true) }, "alice", "SCRAM-SHA-1"},
		{"starttls scram-sha-256-plus", func() (*xmpptest.Client, error) { return xmpptest.DialTCP(e.addr("tcp"), domain, true) }, "1001", "SCRAM-SHA-256-PLUS"},
		{"starttls plain", func() (*xmpptest.Client, error) { return xmpptest.DialTCP(e.addr("tcp"), domain, true) }, "alice", "PLAIN"},
		{"direct tls", func() (*xmpptest.Client, error) { return xmpptest.DialTLS(e.addr("tls"), domain) }, "1001", "SCRAM-SHA-1-PLUS"},
		{"websocket", func() (*xmpptest.Client, error) {
			return xmpptest.DialWS("ws://"+e.addr("ws")+"/xmpp-websocket", domain)
		}, "1001", "SCRAM-SHA-256"},
		{"secure websocket", func() (*xmpptest.Client, error) {
			return xmpptest.DialWS("wss://"+e.addr("wss")+"/xmpp-websocket", domain)
		}, "alice", "PLAIN"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if !slices.Contains(c.Mechanisms(), tt.mech) {
				t.Fatalf("%s not offered: %v", tt.mech, c.Mechanisms())
			}
			if err := c.Auth(tt.mech, tt.user, pw(1001)); err != nil {
				t.Fatal(err)
			}
			res := "r" + string(rune('a'+i))
			if err := c.Bind(res); err != nil {
				t.Fatal(err)
			}
			if c.JID != jidOf(1001)+"/"+res {
				t.Fatalf("bound %q", c.JID)
			}
			// The session works: the server answers a ping.
			r, err := c.IQ("get", domain, xmlstream.New("urn:xmpp:ping", "ping"))
			if err != nil || r.Attr("type") != "result" {
				t.Fatalf("ping: %v %v", r, err)
			}
		})
	}
}

func TestStartTLSRequiredBeforeAuth(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	c, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st := c.Features.Child(xmpptest.NSTLS, "starttls")
	if st == nil || st.Child(xmpptest.NSTLS, "required") == nil {
		t.Fatalf("features %s do not require STARTTLS", c.Features)
	}
	if c.Features.Child(xmpptest.NSSASL, "mechanisms") != nil {
		t.Fatalf("mechanisms offered before TLS: %s", c.Features)
	}
	err = c.Auth("SCRAM-SHA-256", "1001", pw(1001))
	if se, ok := err.(*xmpptest.SASLError); !ok || se.Condition != "encryption-required" {
		t.Fatalf("auth before TLS: %v", err)
	}
}

func TestPlainOnlyOverTLS(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.RequireTLS = false })
	e.user(1001, "Alice", "")
	c, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if slices.Contains(c.Mechanisms(), "PLAIN") || slices.Contains(c.Mechanisms(), "SCRAM-SHA-256-PLUS") {
		t.Fatalf("offered without TLS: %v", c.Mechanisms())
	}
	err = c.Auth("PLAIN", "1001", pw(1001))
	if se, ok := err.(*xmpptest.SASLError); !ok || se.Condition != "invalid-mechanism" {
		t.Fatalf("PLAIN without TLS: %v", err)
	}
	// SCRAM without TLS is allowed when TLS is not required.
	if err := c.Auth("SCRAM-SHA-256", "1001", pw(1001)); err != nil {
		t.Fatal(err)
	}
}

func TestAuthFailures(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.LoginFailuresPerMinute = 3 })
	e.user(1001, "Alice", "")
	c := e.dial()
	for i, cond := range []string{"not-authorized", "not-authorized", "not-authorized", "temporary-auth-failure"} {
		err := c.Auth("SCRAM-SHA-256", "1001", "wrong")
		if se, ok := err.(*xmpptest.SASLError); !ok || se.Condition != cond {
			t.Fatalf("attempt %d: %v, want %s", i+1, err, cond)
		}
	}
	// Unknown users fail exactly like wrong passwords (no account probing).
	d := e.dial()
	err := d.Auth("SCRAM-SHA-1", "nobody", "x")
	if se, ok := err.(*xmpptest.SASLError); !ok || (se.Condition != "not-authorized" && se.Condition != "temporary-auth-failure") {
		t.Fatalf("unknown user: %v", err)
	}
}

func TestDowngradeDetected(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	c := e.dial()
	// A client that supports channel binding but saw no -PLUS mechanism
	// (an attacker stripped them) says "y"; the server offered them.
	err := c.SendString(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>` +
		b64("y,,n=1001,r=abcdefghijklmnop") + `</auth>`)
	must(t, err)
	f, err := c.Read()
	if err != nil || !f.Is(xmpptest.NSSASL, "failure") || f.Child(xmpptest.NSSASL, "not-authorized") == nil {
		t.Fatalf("downgrade: %v %v", f, err)
	}
	d := e.dial()
	if !slices.Contains(d.Mechanisms(), "SCRAM-SHA-256-PLUS") {
		t.Fatalf("-PLUS not offered over TLS: %v", d.Mechanisms())
	}
}

func TestResourceConflictAndGenerated(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	old := e.login(1001, "phone")
	_ = e.login(1001, "phone")
	el, err := old.Closed()
	if err != nil {
		t.Fatal(err)
	}
	if el.Child("urn:ietf:params:xml:ns:xmpp-streams", "conflict") == nil {
		t.Fatalf("old session closed with %s, want conflict", el)
	}
	gen := e.login(1001, "")
	if !strings.HasPrefix(gen.JID, jidOf(1001)+"/") || len(gen.JID) <= len(jidOf(1001))+1 {
		t.Fatalf("generated JID %q", gen.JID)
	}
}
