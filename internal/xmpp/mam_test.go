package xmpp_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/config"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsMAM = "urn:xmpp:mam:2"
	nsRSM = "http://jabber.org/protocol/rsm"
	nsSID = "urn:xmpp:sid:0"
)

// mamPage is what a MAM query returned: the forwarded messages in the
// order they came, their archive ids, and the <fin/>.
type mamPage struct {
	msgs []*xmlstream.Element // the forwarded <message/>s
	ids  []string             // their result ids
	// stamps are when each was received
	stamps []string
	fin    *xmlstream.Element
	err    *xmlstream.Element // the IQ error, if it failed
}

func (p mamPage) bodies() []string {
	var out []string
	for _, m := range p.msgs {
		out = append(out, m.ChildText(xmlstream.NSClient, "body"))
	}
	return out
}

func (p mamPage) rsm(name string) string { return p.fin.Child(nsRSM, "set").ChildText(nsRSM, name) }

func (p mamPage) complete() bool { return p.fin.Attr("complete") == "true" }

var queryIDs int

// mamQuery sends a MAM query with the given form fields (var, value pairs;
// a var may repeat) and RSM / flip-page XML, and collects the results.
func mamQuery(t *testing.T, c *xmpptest.Client, to string, fields []string, extra string) mamPage {
	t.Helper()
	queryIDs++
	qid := "q" + strconv.Itoa(queryIDs)
	var b strings.Builder
	fmt.Fprintf(&b, `<iq type='set' id='%s'`, qid)
	if to != "" {
		fmt.Fprintf(&b, ` to='%s'`, to)
	}
	fmt.Fprintf(&b, `><query xmlns='urn:xmpp:mam:2' queryid='%s'>`, qid)
	if len(fields) > 0 {
		b.WriteString(`<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>`)
		for i := 0; i+1 < len(fields); i += 2 {
			fmt.Fprintf(&b, `<field var='%s'><value>%s</value></field>`, fields[i], fields[i+1])
		}
		b.WriteString(`</x>`)
	}
	b.WriteString(extra + `</query></iq>`)
	must(t, c.SendString(b.String()))
	var p mamPage
	iq := expect(t, c, func(el *xmlstream.Element) bool {
		if r := el.Child(nsMAM, "result"); el.Local == "message" && r != nil && r.Attr("queryid") == qid {
			if el.Attr("from") != c.JID[:strings.Index(c.JID, "/")] && to == "" {
				t.Errorf("a result from %q", el.Attr("from"))
			}
			fwd := r.Child("urn:xmpp:forward:0", "forwarded")
			stamp := fwd.Child("urn:xmpp:delay", "delay").Attr("stamp")
			if stamp == "" {
				t.Errorf("a result without its time: %s", el)
			}
			p.stamps = append(p.stamps, stamp)
			p.msgs = append(p.msgs, fwd.Child(xmlstream.NSClient, "message"))
			p.ids = append(p.ids, r.Attr("id"))
			return false
		}
		return el.Local == "iq" && el.Attr("id") == qid
	})
	if iq.Attr("type") == "error" {
		p.err = iq.Child(xmlstream.NSClient, "error")
		return p
	}
	p.fin = iq.Child(nsMAM, "fin")
	if p.fin == nil {
		t.Fatalf("no <fin/>: %s", iq)
	}
	return p
}

func (p mamPage) condition() string {
	if p.err == nil {
		return ""
	}
	return p.err.FirstElement().Local
}

func rsmMax(n int, more string) string {
	return `<set xmlns='http://jabber.org/protocol/rsm'><max>` + strconv.Itoa(n) + `</max>` + more + `</set>`
}

func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, prefix+strconv.Itoa(i))
	}
	return out
}

// sendTurms sends a private message from a Turms session and returns its
// id.
func sendTurms(t *testing.T, c *turmstest.Client, to int64, text string) int64 {
	t.Helper()
	resp, err := c.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
		RecipientId: proto.Int64(to), Text: proto.String(text),
	}}})
	if err != nil || resp.GetCode() != 1000 {
		t.Fatalf("Turms send: %v %v", resp, err)
	}
	return resp.GetData().GetLong()
}

// chatVia sends a chat message from an XMPP client and waits until the
// recipient's client has it, so that messages are archived in order.
func chatVia(t *testing.T, from, to *xmpptest.Client, text string) string {
	t.Helper()
	must(t, from.Send(xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "to", strings.Split(to.JID, "/")[0]).
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText(text))))
	m := expect(t, to, func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.ChildText(xmlstream.NSClient, "body") == text
	})
	return m.Child(nsSID, "stanza-id").Attr("id")
}

// TestMAMPagesForwardAndBackward pages through a conversation of XMPP and
// Turms messages both ways, with flipped pages and counts.
func TestMAMPagesForwardAndBackward(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a, b := e.online(1001, "laptop"), e.online(1002, "phone")
	tb := e.turms(1002)
	var want []string
	for i := 1; i <= 7; i++ {
		text := "m" + strconv.Itoa(i)
		switch i % 3 {
		case 0:
			sendTurms(t, tb, 1001, text)
			expect(t, a, func(el *xmlstream.Element) bool { return el.ChildText(xmlstream.NSClient, "body") == text })
		case 1:
			chatVia(t, a, b, text)
		case 2:
			chatVia(t, b, a, text)
		}
		want = append(want, text)
	}

	// Forwards in pages of 3: m1-m3, m4-m6, m7.
	var got []string
	after := ""
	for page := 0; page < 4; page++ {
		p := mamQuery(t, a, "", nil, rsmMax(3, after))
		if len(p.ids) == 0 {
			t.Fatalf("page %d is empty: %s", page, p.fin)
		}
		got = append(got, p.bodies()...)
		if p.rsm("first") != p.ids[0] || p.rsm("last") != p.ids[len(p.ids)-1] {
			t.Fatalf("page %d: first/last %s, ids %v", page, p.fin, p.ids)
		}
		if page == 0 && p.fin.Child(nsRSM, "set").Child(nsRSM, "first").Attr("index") != "0" {
			t.Fatalf("the first page has no index 0: %s", p.fin)
		}
		if p.complete() != (page == 2) {
			t.Fatalf("page %d: complete=%v (%s)", page, p.complete(), p.fin)
		}
		if p.complete() {
			break
		}
		after = `<after>` + p.rsm("last") + `</after>`
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward pages: %v, want %v", got, want)
	}

	// Backwards from the end: m5-m7, m2-m4, m1; each page in order.
	var pages [][]string
	before := `<before/>`
	for len(pages) < 4 {
		p := mamQuery(t, a, "", nil, rsmMax(3, before))
		pages = append(pages, p.bodies())
		if p.complete() {
			break
		}
		before = `<before>` + p.rsm("first") + `</before>`
	}
	wantPages := [][]string{{"m5", "m6", "m7"}, {"m2", "m3", "m4"}, {"m1"}}
	if !slices.EqualFunc(pages, wantPages, slices.Equal) {
		t.Fatalf("backward pages: %v, want %v", pages, wantPages)
	}

	// A flipped page holds the same messages, newest first.
	p := mamQuery(t, a, "", nil, rsmMax(3, `<before/>`)+`<flip-page/>`)
	if !slices.Equal(p.bodies(), []string{"m7", "m6", "m5"}) {
		t.Fatalf("flipped: %v", p.bodies())
	}

	// <max>0</max> asks for the count only; a whole result has its count.
	p = mamQuery(t, a, "", nil, rsmMax(0, ""))
	if len(p.msgs) != 0 || p.rsm("count") != "7" {
		t.Fatalf("count: %d messages, %s", len(p.msgs), p.fin)
	}
	p = mamQuery(t, a, "", nil, "")
	if !slices.Equal(p.bodies(), want) || !p.complete() || p.rsm("count") != "7" {
		t.Fatalf("no RSM: %v %s", p.bodies(), p.fin)
	}

	// Bob's archive holds the same conversation, with his stanza-ids.
	pb := mamQuery(t, b, "", nil, "")
	if !slices.Equal(pb.bodies(), want) || !slices.Equal(pb.ids, mamQuery(t, a, "", nil, "").ids) {
		t.Fatalf("Bob's archive: %v %v", pb.bodies(), pb.ids)
	}
	for i, m := range pb.msgs {
		if sid := m.Child(nsSID, "stanza-id"); sid.Attr("by") != jidOf(1002) || sid.Attr("id") != pb.ids[i] {
			t.Fatalf("Bob's archived message %s", m)
		}
	}
}

// TestMAMFilters covers with, start, end, after-id, before-id and ids, and
// the errors for ids the archive does not hold and fields it does not
// know.
func TestMAMFilters(t *testing.T) {
	e := newEnv(t, func(c *config.Config) { c.Messages.AllowToSelf = true })
	e.friends()
	e.user(1003, "Carol", "carol")
	a, b, c := e.online(1001, "laptop"), e.online(1002, "phone"), e.online(1003, "pc")
	a2 := e.online(1001, "tablet") // receives Alice's message to herself
	ids := map[string]string{}
	for _, m := range []struct {
		from, to *xmpptest.Client
		text     string
	}{{a, b, "ab1"}, {b, a, "ba1"}, {a, c, "ac1"}, {c, a, "ca1"}, {a, a, "aa1"}, {b, c, "bc1"}, {a, b, "ab2"}} {
		if m.from == m.to {
			must(t, a.SendString(`<message type='chat' to='1001@`+domain+`'><body>aa1</body></message>`))
			el := expect(t, a2, func(el *xmlstream.Element) bool { return el.ChildText(xmlstream.NSClient, "body") == "aa1" })
			ids[m.text] = el.Child(nsSID, "stanza-id").Attr("id")
			continue
		}
		ids[m.text] = chatVia(t, m.from, m.to, m.text)
	}
	all := mamQuery(t, a, "", nil, "")
	if !slices.Equal(all.bodies(), []string{"ab1", "ba1", "ac1", "ca1", "aa1", "ab2"}) {
		t.Fatalf("Alice's archive: %v", all.bodies())
	}
	for i, m := range all.msgs {
		if all.ids[i] != ids[all.bodies()[i]] {
			t.Fatalf("archive id %s of %s, live stanza-id %s", all.ids[i], m, ids[all.bodies()[i]])
		}
	}
	first := all.msgs[0]
	if first.Attr("from") != jidOf(1001) || first.Attr("to") != jidOf(1002) || first.Attr("type") != "chat" {
		t.Fatalf("archived message addresses: %s", first)
	}
	// Messages a round trip apart may share a millisecond: the dates a
	// query names select by the archive's own stamps.
	stamp := func(i int) string { return all.stamps[i] }
	dated := func(from, to string, with string) []string {
		var out []string
		for i, m := range all.msgs {
			peer := m.Attr("to")
			if peer == jidOf(1001) {
				peer = m.Attr("from")
			}
			if (from == "" || all.stamps[i] >= from) && (to == "" || all.stamps[i] <= to) && (with == "" || peer == with) {
				out = append(out, all.bodies()[i])
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		fields []string
		want   []string
	}{
		{"with a login name", []string{"with", "carol@" + domain}, []string{"ac1", "ca1"}},
		{"with a full JID", []string{"with", jidOf(1002) + "/phone"}, []string{"ab1", "ba1", "ab2"}},
		{"with oneself", []string{"with", jidOf(1001)}, []string{"aa1"}},
		{"with a stranger", []string{"with", "9999@" + domain}, nil},
		{"with another domain", []string{"with", "1002@elsewhere.test"}, nil},
		{"after-id", []string{"after-id", ids["ca1"]}, []string{"aa1", "ab2"}},
		{"before-id", []string{"before-id", ids["ac1"]}, []string{"ab1", "ba1"}},
		{"between ids", []string{"after-id", ids["ab1"], "before-id", ids["ab2"], "with", jidOf(1002)}, []string{"ba1"}},
		{"ids", []string{"ids", ids["ab2"], "ids", ids["ba1"]}, []string{"ba1", "ab2"}},
		{"start", []string{"start", stamp(4)}, dated(stamp(4), "", "")},
		{"end", []string{"end", stamp(1)}, dated("", stamp(1), "")},
		{"start and end", []string{"start", stamp(1), "end", stamp(5), "with", jidOf(1002)}, dated(stamp(1), stamp(5), jidOf(1002))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mamQuery(t, a, "", tc.fields, "")
			if p.err != nil {
				t.Fatalf("error %s", p.err)
			}
			if !slices.Equal(p.bodies(), tc.want) || !p.complete() {
				t.Fatalf("got %v (%s), want %v", p.bodies(), p.fin, tc.want)
			}
		})
	}
	for _, tc := range []struct {
		name, cond string
		fields     []string
		extra      string
	}{
		{"an id of another archive", "item-not-found", []string{"after-id", ids["bc1"]}, ""},
		{"an id that is no number", "item-not-found", []string{"ids", "abc"}, ""},
		{"an RSM id of another archive", "item-not-found", nil, rsmMax(5, "<after>"+ids["bc1"]+"</after>")},
		{"an unknown field", "feature-not-implemented", []string{"{urn:example}search", "x"}, ""},
		{"a bad date", "bad-request", []string{"start", "yesterday"}, ""},
		{"a field without a var", "bad-request", []string{"", "x"}, ""},
		{"a bad JID", "jid-malformed", []string{"with", "@@"}, ""},
		{"a negative max", "bad-request", nil, rsmMax(-1, "")},
		{"an index", "feature-not-implemented", nil, `<set xmlns='http://jabber.org/protocol/rsm'><index>3</index></set>`},
		{"before and after", "bad-request", nil, rsmMax(5, "<after>"+ids["ab1"]+"</after><before/>")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if p := mamQuery(t, a, "", tc.fields, tc.extra); p.condition() != tc.cond {
				t.Fatalf("got %v / %s, want %s", p.bodies(), p.err, tc.cond)
			}
		})
	}
	// Another user's archive is not open to Alice.
	if p := mamQuery(t, a, jidOf(1002), nil, ""); p.condition() != "service-unavailable" {
		t.Fatalf("Bob's archive: %v %s", p.bodies(), p.err)
	}
	// The form a client can fetch lists the fields.
	r, err := a.IQ("get", "", xmlstream.New(nsMAM, "query"))
	must(t, err)
	var vars []string
	for _, f := range r.Child(nsMAM, "query").Child("jabber:x:data", "x").Elements() {
		vars = append(vars, f.Attr("var"))
	}
	if !slices.Equal(vars, []string{"FORM_TYPE", "with", "start", "end", "before-id", "after-id", "ids"}) {
		t.Fatalf("form fields %v", vars)
	}
}

// TestMAMHasTurmsMessages: messages a Turms client sent and received are in
// the XMPP user's archive with the right addresses, and their archive ids
// and stanza-ids are the Turms message ids.
func TestMAMHasTurmsMessages(t *testing.T) {
	e := newEnv(t)
	e.friends()
	a := e.online(1001, "laptop")
	tb := e.turms(1002)
	id1 := sendTurms(t, tb, 1001, "from Turms")
	expect(t, a, func(el *xmlstream.Element) bool { return el.ChildText(xmlstream.NSClient, "body") == "from Turms" })
	must(t, a.SendString(`<message type='chat' to='1002@`+domain+`'><body>to Turms</body><origin-id xmlns='urn:xmpp:sid:0' id='o-1'/></message>`))
	n, err := tb.NextPush(func(n *pb.TurmsNotification) bool { return n.GetRelayedRequest().GetCreateMessageRequest() != nil })
	must(t, err)
	id2 := n.GetRelayedRequest().GetCreateMessageRequest().GetMessageId()

	p := mamQuery(t, a, "", []string{"with", jidOf(1002)}, "")
	if !slices.Equal(p.bodies(), []string{"from Turms", "to Turms"}) {
		t.Fatalf("archive: %v", p.bodies())
	}
	for i, w := range []struct {
		id       int64
		from, to string
	}{{id1, jidOf(1002), jidOf(1001)}, {id2, jidOf(1001), jidOf(1002)}} {
		m, id := p.msgs[i], strconv.FormatInt(w.id, 10)
		if p.ids[i] != id || m.Attr("from") != w.from || m.Attr("to") != w.to ||
			m.Child(nsSID, "stanza-id").Attr("id") != id || m.Child(nsSID, "stanza-id").Attr("by") != jidOf(1001) {
			t.Fatalf("archived %s, want id %s from %s to %s", m, id, w.from, w.to)
		}
	}
	if p.msgs[1].Child(nsSID, "origin-id").Attr("id") != "o-1" {
		t.Fatalf("the sender's origin-id was not kept: %s", p.msgs[1])
	}

	// The Turms client's own query finds the XMPP message under the same id.
	q, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryMessagesRequest{QueryMessagesRequest: &pb.QueryMessagesRequest{
		Ids: []int64{id2}, AreGroupMessages: proto.Bool(false),
	}}})
	must(t, err)
	if ms := q.GetData().GetMessages().GetMessages(); len(ms) != 1 || ms[0].GetText() != "to Turms" {
		t.Fatalf("Turms query of %d: %v", id2, q)
	}

	// Metadata: the first and last messages.
	r, err := a.IQ("get", "", xmlstream.New(nsMAM, "metadata"))
	must(t, err)
	md := r.Child(nsMAM, "metadata")
	if md.Child(nsMAM, "start").Attr("id") != strconv.FormatInt(id1, 10) || md.Child(nsMAM, "end").Attr("id") != strconv.FormatInt(id2, 10) {
		t.Fatalf("metadata %s", r)
	}
	if _, err := time.Parse(time.RFC3339, md.Child(nsMAM, "end").Attr("timestamp")); err != nil {
		t.Fatalf("metadata timestamp: %v", err)
	}
}

// TestMAMPreferences: XEP-0441 preferences decide what the user's archive
// shows, not what the peer's shows.
func TestMAMPreferences(t *testing.T) {
	e := newEnv(t)
	e.friends()
	e.user(1003, "Carol", "carol")
	a, b, c := e.online(1001, "laptop"), e.online(1002, "phone"), e.online(1003, "pc")
	chatVia(t, a, b, "to Bob")
	chatVia(t, c, a, "from Carol, a stranger")

	prefs := func(xml string) *xmlstream.Element {
		t.Helper()
		typ := "set"
		if xml == "" {
			typ, xml = "get", `<prefs xmlns='urn:xmpp:mam:2'/>`
		}
		r, err := a.IQ(typ, "", q(t, xml))
		must(t, err)
		return r
	}
	listed := func(p *xmlstream.Element, list string) []string {
		var out []string
		for _, j := range p.Child(nsMAM, list).Elements() {
			out = append(out, j.Text())
		}
		return out
	}
	if p := prefs("").Child(nsMAM, "prefs"); p.Attr("default") != "always" || len(listed(p, "always"))+len(listed(p, "never")) != 0 {
		t.Fatalf("initial prefs %s", p)
	}
	for _, tc := range []struct {
		name, xml     string
		always, never []string
		shows         []string
	}{
		{"roster: friends only", `<prefs xmlns='urn:xmpp:mam:2' default='roster'/>`, nil, nil, []string{"to Bob"}},
		{"never Bob", `<prefs xmlns='urn:xmpp:mam:2' default='always'><always/><never><jid>1002@` + domain + `</jid><jid>1002@elsewhere.test</jid></never></prefs>`,
			nil, []string{jidOf(1002)}, []string{"from Carol, a stranger"}},
		{"never, but always Carol by login name", `<prefs xmlns='urn:xmpp:mam:2' default='never'><always><jid>carol@` + domain + `</jid></always></prefs>`,
			[]string{jidOf(1003)}, nil, []string{"from Carol, a stranger"}},
		{"never", `<prefs xmlns='urn:xmpp:mam:2' default='never'/>`, nil, nil, nil},
		{"always", `<prefs xmlns='urn:xmpp:mam:2' default='always'/>`, nil, nil, []string{"to Bob", "from Carol, a stranger"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := prefs(tc.xml)
			for _, got := range []*xmlstream.Element{r.Child(nsMAM, "prefs"), prefs("").Child(nsMAM, "prefs")} {
				if got == nil || !slices.Equal(listed(got, "always"), tc.always) || !slices.Equal(listed(got, "never"), tc.never) {
					t.Fatalf("prefs %s", r)
				}
			}
			if p := mamQuery(t, a, "", nil, ""); !slices.Equal(p.bodies(), tc.shows) {
				t.Fatalf("archive shows %v, want %v", p.bodies(), tc.shows)
			}
		})
	}
	// Alice's preferences are hers: Bob's archive still has their chat.
	prefs(`<prefs xmlns='urn:xmpp:mam:2' default='never'/>`)
	if p := mamQuery(t, b, "", nil, ""); !slices.Equal(p.bodies(), []string{"to Bob"}) {
		t.Fatalf("Bob's archive: %v", p.bodies())
	}
	r, err := a.IQ("set", "", q(t, `<prefs xmlns='urn:xmpp:mam:2' default='sometimes'/>`))
	must(t, err)
	if r.Attr("type") != "error" || r.Child(xmlstream.NSClient, "error").Child("urn:ietf:params:xml:ns:xmpp-stanzas", "bad-request") == nil {
		t.Fatalf("a bad default: %s", r)
	}
}

// BenchmarkMAMPage measures one MAM query for the last page (50) of a
// conversation of 500 messages, end to end over a socket: query, 50
// result stanzas, fin.
func BenchmarkMAMPage(b *testing.B) {
	e := newEnv(b, func(c *config.Config) {
		c.XMPP.RequireTLS = false
		c.XMPP.StanzasPerSecond = 0
	})
	e.friends()
	tb := e.turms(1002)
	for i := range 500 {
		if _, err := tb.Send(&pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			RecipientId: proto.Int64(1001), Text: proto.String("message " + strconv.Itoa(i)),
		}}}); err != nil {
			b.Fatal(err)
		}
	}
	c, err := xmpptest.DialTCP(e.addr("tcp"), domain, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	must(b, c.Login("1001", pw(1001), "bench"))
	b.ResetTimer()
	for i := range b.N {
		id := "b" + strconv.Itoa(i)
		must(b, c.SendString(`<iq type='set' id='`+id+`'><query xmlns='urn:xmpp:mam:2' queryid='`+id+`'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field><field var='with'><value>1002@`+domain+`</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><max>50</max><before/></set></query></iq>`))
		// Each stanza is taken as it comes, so that the client's backlog
		// stays empty and only the server is measured.
		for n := 0; ; n++ {
			el, err := c.Expect(func(*xmlstream.Element) bool { return true })
			if err != nil {
				b.Fatal(err)
			}
			if el.Local == "iq" {
				if el.Attr("id") != id || n != 50 {
					b.Fatalf("%d results, then %s", n, el)
				}
				break
			}
		}
	}
}
