package xmpp_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"hermod/internal/config"
	"hermod/internal/xmpp"
	"hermod/internal/xmpp/xmlstream"
)

const nsExtDisco = "urn:xmpp:extdisco:2"

func TestParseExternalServices(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []xmpp.ExternalService
		bad  bool
	}{
		{in: ""},
		{in: "stun:stun.example.com", want: []xmpp.ExternalService{{"stun", "stun.example.com", 3478, "udp"}}},
		{in: "turn:turn.example.com:3479?transport=tcp, turns:turn.example.com",
			want: []xmpp.ExternalService{{"turn", "turn.example.com", 3479, "tcp"}, {"turns", "turn.example.com", 5349, "tcp"}}},
		{in: "turn:[2001:db8::1]:3478", want: []xmpp.ExternalService{{"turn", "2001:db8::1", 3478, "udp"}}},
		{in: "http://example.com", bad: true},
		{in: "turn:", bad: true},
		{in: "turn:example.com:99999", bad: true},
		{in: "turn:example.com?transport=sctp", bad: true},
		{in: "stun:user@example.com", bad: true},
	} {
		got, err := xmpp.ParseExternalServices(tt.in)
		if (err != nil) != tt.bad {
			t.Errorf("%q: error %v", tt.in, err)
			continue
		}
		if !tt.bad && !sameServices(got, tt.want) {
			t.Errorf("%q: %v, want %v", tt.in, got, tt.want)
		}
	}
}

func sameServices(a, b []xmpp.ExternalService) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestExternalServices discovers STUN and TURN servers (XEP-0215), with
// TURN credentials that a TURN server sharing the secret accepts: the
// REST API's HMAC of the username, which names a future expiry.
func TestExternalServices(t *testing.T) {
	const secret = "s3cret"
	e := newEnv(t, func(c *config.Config) {
		c.XMPP.ExternalServices = "stun:turn.example.test,turn:turn.example.test:3478?transport=tcp"
		c.XMPP.TURNSecret = secret
	})
	e.user(1001, "Alice", "")
	alice := e.login(1001, "pc")
	r, err := alice.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	if !strings.Contains(r.String(), `var="`+nsExtDisco+`"`) {
		t.Fatalf("the server does not announce %s: %s", nsExtDisco, r)
	}
	r, err = alice.IQ("get", domain, xmlstream.New(nsExtDisco, "services"))
	must(t, err)
	services := r.Child(nsExtDisco, "services").Elements()
	if len(services) != 2 || services[0].Attr("type") != "stun" || services[0].Attr("username") != "" ||
		services[1].Attr("type") != "turn" || services[1].Attr("transport") != "tcp" || services[1].Attr("port") != "3478" {
		t.Fatalf("services: %s", r)
	}
	checkTURN(t, services[1], secret)

	r, err = alice.IQ("get", domain, xmlstream.New(nsExtDisco, "services", "type", "turn"))
	must(t, err)
	if s := r.Child(nsExtDisco, "services").Elements(); len(s) != 1 || s[0].Attr("type") != "turn" {
		t.Fatalf("TURN services: %s", r)
	}
	r, err = alice.IQ("get", domain, xmlstream.New(nsExtDisco, "credentials").Add(xmlstream.New(nsExtDisco, "service", "host", "turn.example.test", "type", "turn")))
	must(t, err)
	if s := r.Child(nsExtDisco, "credentials").Elements(); len(s) != 1 {
		t.Fatalf("credentials: %s", r)
	} else {
		checkTURN(t, s[0], secret)
	}
	r, err = alice.IQ("get", domain, xmlstream.New(nsExtDisco, "credentials").Add(xmlstream.New(nsExtDisco, "service", "host", "other.example.test", "type", "turn")))
	must(t, err)
	if r.Attr("type") != "error" || !strings.Contains(r.String(), "item-not-found") {
		t.Fatalf("credentials of an unknown service: %s", r)
	}
}

// checkTURN verifies TURN REST API credentials for user 1001.
func checkTURN(t *testing.T, svc *xmlstream.Element, secret string) {
	t.Helper()
	user := svc.Attr("username")
	ts, id, _ := strings.Cut(user, ":")
	exp, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || id != "1001" || time.Unix(exp, 0).Before(time.Now()) {
		t.Fatalf("TURN username %q", user)
	}
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(user))
	if svc.Attr("password") != base64.StdEncoding.EncodeToString(m.Sum(nil)) || svc.Attr("restricted") != "1" {
		t.Fatalf("TURN credentials: %s", svc)
	}
	if e, err := time.Parse(time.RFC3339, svc.Attr("expires")); err != nil || e.Unix() != exp {
		t.Fatalf("expires %q, username says %d", svc.Attr("expires"), exp)
	}
}

// TestExternalServicesUnconfigured: nothing is announced or answered.
func TestExternalServicesUnconfigured(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	alice := e.login(1001, "pc")
	r, err := alice.IQ("get", domain, q(t, `<query xmlns='http://jabber.org/protocol/disco#info'/>`))
	must(t, err)
	if strings.Contains(r.String(), nsExtDisco) {
		t.Fatalf("announced without services: %s", r)
	}
	r, err = alice.IQ("get", domain, xmlstream.New(nsExtDisco, "services"))
	must(t, err)
	if r.Attr("type") != "error" || !strings.Contains(r.String(), "service-unavailable") {
		t.Fatalf("services without any: %s", r)
	}
}

// TestInteropSlixmppExternalServices: slixmpp, as a calling client, asks
// for the STUN and TURN servers and checks the TURN credentials against
// the shared secret.
func TestInteropSlixmppExternalServices(t *testing.T) {
	const python = "/usr/bin/python3"
	err := exec.Command(python, "-c", "import slixmpp").Run()
	requireTool(t, err == nil, "slixmpp is not installed: apt-get install python3-slixmpp")
	const secret = "s3cret"
	e := newEnv(t, func(c *config.Config) {
		c.XMPP.ExternalServices = "stun:turn.example.test,turn:turn.example.test:3478?transport=udp"
		c.XMPP.TURNSecret = secret
	})
	e.user(1001, "Alice", "")
	host, port, _ := strings.Cut(e.addr("tcp"), ":")
	runScript(t, python, filepath.Join(interopDir(t), "slixmpp_extdisco.py"), host, port, domain, secret)
}
