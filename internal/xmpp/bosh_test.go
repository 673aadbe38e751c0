package xmpp_test

import (
	"crypto/tls"
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xdg-go/scram"

	"hermod/internal/config"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsBOSH  = "http://jabber.org/protocol/httpbind"
	nsXBOSH = "urn:xmpp:xbosh"
	nsSASL  = "urn:ietf:params:xml:ns:xmpp-sasl"
)

// boshClient is a small BOSH client (XEP-0124, XEP-0206): it numbers its
// requests and parses the answers.
type boshClient struct {
	t   *testing.T
	hc  *http.Client
	url string
	sid string
	rid int64
}

func newBOSHClient(t *testing.T, url string) *boshClient {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	t.Cleanup(hc.CloseIdleConnections)
	return &boshClient{t: t, hc: hc, url: url, rid: 1000}
}

// body builds the next request: attributes as name, value pairs and
// stanzas as XML.
func (b *boshClient) body(attrs []string, stanzas string) (int64, string) {
	b.rid++
	var s strings.Builder
	s.WriteString(`<body xmlns='` + nsBOSH + `' xmlns:xmpp='` + nsXBOSH + `' rid='` + strconv.FormatInt(b.rid, 10) + `'`)
	if b.sid != "" {
		s.WriteString(` sid='` + b.sid + `'`)
	}
	for i := 0; i+1 < len(attrs); i += 2 {
		s.WriteString(" " + attrs[i] + "='" + attrs[i+1] + "'")
	}
	s.WriteString(">" + stanzas + "</body>")
	return b.rid, s.String()
}

// post sends a raw body and parses the answer.
func (b *boshClient) post(raw string) *xmlstream.Element {
	b.t.Helper()
	resp, err := b.hc.Post(b.url, "text/xml; charset=utf-8", strings.NewReader(raw))
	must(b.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	must(b.t, err)
	el, err := xmlstream.Parse(data, xmlstream.DefaultLimits)
	if err != nil || !el.Is(nsBOSH, "body") {
		b.t.Fatalf("answer %d %q: %v", resp.StatusCode, data, err)
	}
	return el
}

// send sends the next request and waits for its answer.
func (b *boshClient) send(attrs []string, stanzas string) *xmlstream.Element {
	b.t.Helper()
	_, raw := b.body(attrs, stanzas)
	return b.post(raw)
}

// sendAsync sends the next request; its answer arrives on the channel.
func (b *boshClient) sendAsync(attrs []string, stanzas string) <-chan *xmlstream.Element {
	_, raw := b.body(attrs, stanzas)
	ch := make(chan *xmlstream.Element, 1)
	go func() {
		resp, err := b.hc.Post(b.url, "text/xml", strings.NewReader(raw))
		if err != nil {
			close(ch)
			return
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		el, _ := xmlstream.Parse(data, xmlstream.DefaultLimits)
		ch <- el
	}()
	return ch
}

// until sends empty requests until an answer holds an element that
// matches, and returns it.
func (b *boshClient) until(match func(*xmlstream.Element) bool) *xmlstream.Element {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ans := b.send(nil, "")
		if ans.Attr("type") == "terminate" {
			b.t.Fatalf("the session ended: %s", ans)
		}
		for _, el := range ans.Elements() {
			if match(el) {
				return el
			}
		}
	}
	b.t.Fatal("no matching element in time")
	return nil
}

func attrNS(el *xmlstream.Element, space, local string) string {
	for _, a := range el.Attrs {
		if a.Space == space && a.Local == local {
			return a.Value
		}
	}
	return ""
}

// create opens a session; the answer carries the stream features.
func (b *boshClient) create(wait int) *xmlstream.Element {
	b.t.Helper()
	ans := b.send([]string{"to", domain, "wait", strconv.Itoa(wait), "hold", "1", "ver", "1.6", "xmpp:version", "1.0", "xml:lang", "en"}, "")
	b.sid = ans.Attr("sid")
	if b.sid == "" || ans.Attr("requests") != "2" || ans.Attr("hold") != "1" || ans.Attr("from") != domain ||
		attrNS(ans, nsXBOSH, "version") != "1.0" || ans.Attr("wait") != strconv.Itoa(wait) {
		b.t.Fatalf("creation answer: %s", ans)
	}
	return ans
}

// login authenticates with SCRAM-SHA-256, restarts and binds.
func (b *boshClient) login(user, password, resource string) string {
	b.t.Helper()
	ans := b.create(30)
	features := ans.Child(xmlstream.NSStream, "features")
	if features == nil {
		features = b.until(func(el *xmlstream.Element) bool { return el.Is(xmlstream.NSStream, "features") })
	}
	if !strings.Contains(features.String(), "SCRAM-SHA-256") {
		b.b64Fatal("features", features)
	}
	cl, err := scram.SHA256.NewClient(user, password, "")
	must(b.t, err)
	conv := cl.NewConversation()
	first, _ := conv.Step("")
	reply := b.saslStep(`<auth xmlns='` + nsSASL + `' mechanism='SCRAM-SHA-256'>` + base64.StdEncoding.EncodeToString([]byte(first)) + `</auth>`)
	for !reply.Is(nsSASL, "success") {
		if !reply.Is(nsSASL, "challenge") {
			b.b64Fatal("SASL", reply)
		}
		data, _ := base64.StdEncoding.DecodeString(reply.Text())
		msg, err := conv.Step(string(data))
		must(b.t, err)
		reply = b.saslStep(`<response xmlns='` + nsSASL + `'>` + base64.StdEncoding.EncodeToString([]byte(msg)) + `</response>`)
	}
	ans = b.send([]string{"to", domain, "xmpp:restart", "true"}, "")
	if ans.Child(xmlstream.NSStream, "features").Child("urn:ietf:params:xml:ns:xmpp-bind", "bind") == nil {
		b.b64Fatal("features after the restart", ans)
	}
	ans = b.send(nil, `<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>`+resource+`</resource></bind></iq>`)
	iq := ans.Child(xmlstream.NSClient, "iq")
	if iq == nil {
		iq = b.until(func(el *xmlstream.Element) bool { return el.Is(xmlstream.NSClient, "iq") })
	}
	full := iq.Child("urn:ietf:params:xml:ns:xmpp-bind", "bind").ChildText("urn:ietf:params:xml:ns:xmpp-bind", "jid")
	if full == "" {
		b.b64Fatal("bind", iq)
	}
	return full
}

func (b *boshClient) b64Fatal(what string, el *xmlstream.Element) {
	b.t.Helper()
	b.t.Fatalf("%s: %s", what, el)
}

// saslStep sends a SASL element and returns the server's answer to it.
func (b *boshClient) saslStep(stanza string) *xmlstream.Element {
	b.t.Helper()
	ans := b.send(nil, stanza)
	if el := ans.FirstElement(); el != nil {
		return el
	}
	return b.until(func(el *xmlstream.Element) bool { return el.Space == nsSASL })
}

func (e *env) boshURL() string { return "http://" + e.addr("ws") + "/http-bind" }

// TestBOSHChat logs in over BOSH and chats with a TCP client: stanzas
// both ways, the one waiting request answered as soon as a message
// arrives, and the session's end seen by the contact.
func TestBOSHChat(t *testing.T) {
	e := newEnv(t)
	e.friends()
	bob := e.online(1002, "tcp")
	b := newBOSHClient(t, e.boshURL())
	full := b.login("1001", pw(1001), "web")
	if full != jidOf(1001)+"/web" {
		t.Fatalf("bound %q", full)
	}
	b.send(nil, `<presence xmlns='jabber:client'/>`)
	expect(t, bob, xmpptest.Is("presence", "from", full))

	// A request waits; Bob's message answers it.
	waiting := b.sendAsync(nil, "")
	must(t, bob.SendString(`<message to='`+jidOf(1001)+`' type='chat' id='m1'><body>over long polling</body></message>`))
	var got *xmlstream.Element
	for got == nil {
		select {
		case ans := <-waiting:
			if ans == nil || ans.Attr("type") == "terminate" {
				t.Fatalf("the waiting request: %v", ans)
			}
			if m := ans.Child(xmlstream.NSClient, "message"); m != nil {
				got = m
			} else {
				waiting = b.sendAsync(nil, "")
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the waiting request was not answered with the message")
		}
	}
	if got.ChildText(xmlstream.NSClient, "body") != "over long polling" {
		t.Fatalf("message: %s", got)
	}

	// The other way, in a body without xmlns on the stanza (it is in the
	// client namespace all the same).
	// It waits for something to answer; the next request has it answered.
	sent := b.sendAsync(nil, `<message to='`+jidOf(1002)+`' type='chat'><body>from the web</body></message>`)
	m := expect(t, bob, xmpptest.Is("message", "from", full))
	if m.ChildText(xmlstream.NSClient, "body") != "from the web" {
		t.Fatalf("Bob got %s", m)
	}

	// A ping, answered in this request or a later one; the message's
	// request is answered now, as only one may wait.
	ans := b.send(nil, `<iq xmlns='jabber:client' type='get' id='p1' to='`+domain+`'><ping xmlns='urn:xmpp:ping'/></iq>`)
	if iq := ans.Child(xmlstream.NSClient, "iq"); iq == nil || iq.Attr("id") != "p1" {
		b.until(func(el *xmlstream.Element) bool { return el.Is(xmlstream.NSClient, "iq") && el.Attr("id") == "p1" })
	}
	if a := <-sent; a == nil || a.Attr("type") != "" {
		t.Fatalf("the message's request: %v", a)
	}

	// Terminate: the answer says so, and Bob sees Alice go.
	ans = b.send([]string{"type", "terminate"}, `<presence xmlns='jabber:client' type='unavailable'/>`)
	for ans.Attr("type") != "terminate" {
		ans = b.send(nil, "")
	}
	expect(t, bob, xmpptest.Is("presence", "from", full))
	if ans := b.send(nil, ""); ans.Attr("type") != "terminate" || ans.Attr("condition") != "item-not-found" {
		t.Fatalf("a request after the end: %s", ans)
	}
}

// TestBOSHRequestRules covers the rid window, retransmission, unknown
// sessions, polling too fast and bad bodies.
func TestBOSHRequestRules(t *testing.T) {
	e := newEnv(t)
	e.user(1001, "Alice", "")
	t.Run("retransmission", func(t *testing.T) {
		b := newBOSHClient(t, e.boshURL())
		b.create(30)
		_, raw := b.body(nil, `<auth xmlns='`+nsSASL+`' mechanism='NOPE'/>`)
		first := b.post(raw)
		if first.Child(nsSASL, "failure") == nil {
			t.Fatalf("the answer to a bad mechanism: %s", first)
		}
		if again := b.post(raw); again.String() != first.String() { // the same rid: the same answer
			t.Fatalf("retransmission: %s, first %s", again, first)
		}
	})
	t.Run("rid beyond the window", func(t *testing.T) {
		b := newBOSHClient(t, e.boshURL())
		b.create(30)
		b.rid += 5
		if ans := b.send(nil, ""); ans.Attr("type") != "terminate" || ans.Attr("condition") != "item-not-found" {
			t.Fatalf("answer: %s", ans)
		}
	})
	t.Run("unknown session", func(t *testing.T) {
		b := newBOSHClient(t, e.boshURL())
		b.sid = "nope"
		if ans := b.send(nil, ""); ans.Attr("type") != "terminate" || ans.Attr("condition") != "item-not-found" {
			t.Fatalf("answer: %s", ans)
		}
	})
	t.Run("polling too fast", func(t *testing.T) {
		b := newBOSHClient(t, e.boshURL())
		b.create(30)
		first := b.sendAsync(nil, "")  // waits
		second := b.sendAsync(nil, "") // a second empty request, at once
		var answers []*xmlstream.Element
		for range 2 {
			select {
			case a := <-first:
				answers = append(answers, a)
				first = nil
			case a := <-second:
				answers = append(answers, a)
				second = nil
			case <-time.After(20 * time.Second):
				t.Fatal("no answer")
			}
		}
		violated := false
		for _, a := range answers {
			violated = violated || a.Attr("condition") == "policy-violation"
		}
		if !violated {
			t.Fatalf("answers: %v", answers)
		}
	})
	t.Run("bad bodies", func(t *testing.T) {
		for _, raw := range []string{`not xml`, `<body xmlns='` + nsBOSH + `'/>`, `<body xmlns='` + nsBOSH + `' rid='-3'/>`, `<other rid='1'/>`} {
			resp, err := http.Post(e.boshURL(), "text/xml", strings.NewReader(raw))
			must(t, err)
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(data), `condition="bad-request"`) {
				t.Fatalf("%q: %d %s", raw, resp.StatusCode, data)
			}
		}
	})
}

// TestBOSHWait: a request with nothing to answer is answered empty after
// the session's wait.
func TestBOSHWait(t *testing.T) {
	e := newEnv(t)
	b := newBOSHClient(t, e.boshURL())
	b.create(1)
	ans := b.send(nil, "")
	if ans.Attr("type") != "" || len(ans.Elements()) != 0 {
		t.Fatalf("answer: %s", ans)
	}
}

// TestBOSHInactivity: a session whose client stops sending requests ends,
// and its contact sees it go.
func TestBOSHInactivity(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.BOSHInactivity = 2 * time.Second })
	e.friends()
	bob := e.online(1002, "tcp")
	b := newBOSHClient(t, e.boshURL())
	full := b.login("1001", pw(1001), "web")
	b.send(nil, `<presence xmlns='jabber:client'/>`)
	expect(t, bob, xmpptest.Is("presence", "from", full))
	// No more requests.
	p := expect(t, bob, xmpptest.Is("presence", "from", full))
	if p.Attr("type") != "unavailable" {
		t.Fatalf("presence: %s", p)
	}
}

// TestBOSHSessionsPerAddress: an address opens a limited number of
// sessions a minute.
func TestBOSHSessionsPerAddress(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.XMPP.BOSHSessionsPerMinute = 2 })
	for range 2 {
		newBOSHClient(t, e.boshURL()).create(30)
	}
	_, raw := newBOSHClient(t, e.boshURL()).body([]string{"to", domain, "wait", "30", "hold", "1"}, "")
	resp, err := http.Post(e.boshURL(), "text/xml", strings.NewReader(raw))
	must(t, err)
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(data), `condition="policy-violation"`) {
		t.Fatalf("a third session: %d %s", resp.StatusCode, data)
	}
}
