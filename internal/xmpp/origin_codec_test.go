package xmpp

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"hermod/internal/domain/event"
	"hermod/internal/domain/event/eventtest"
	"hermod/internal/store"
	"hermod/internal/wire"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// testStanzaOrigins are stanza origins as the session builds them: a
// client's stanza, parsed, with what the server adds.
func testStanzaOrigins(t testing.TB) map[string]*stanzaOrigin {
	parse := func(s string) *xmlstream.Element {
		el, err := xmlstream.Parse([]byte(s), xmlstream.DefaultLimits)
		if err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		el.SetAttr("from", "1001@example.com/phone")
		return el
	}
	chat := parse(`<message xmlns='jabber:client' to='1002@example.com' type='chat' id='m1' xml:lang='en'>` +
		`<body>héllo &amp; &lt;bye&gt;&#xD;
 two lines</body>` +
		`<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'><key rid='31415'>b64==</key><iv>aXY=</iv></header><payload>cGF5</payload></encrypted>` +
		`<origin-id xmlns='urn:xmpp:sid:0' id='o1'/><markable xmlns='urn:xmpp:chat-markers:0'/><active xmlns='http://jabber.org/protocol/chatstates'/></message>`)
	chat.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", "7340032987654321", "by", "1002@example.com"))

	// Deeper than a client stream allows: a node whose limits were raised.
	deep := parse(`<message xmlns='jabber:client' type='chat'><body>deep</body></message>`)
	leaf := deep
	for i := range 40 {
		c := xmlstream.New("urn:example:deep", "d"+strconv.Itoa(i))
		leaf.Add(c)
		leaf = c
	}
	leaf.AddText("bottom")

	return map[string]*stanzaOrigin{
		"chat to a resource": {el: chat, toResource: "laptop"},
		"private": {el: parse(`<message xmlns='jabber:client' to='1002@example.com' type='chat'><body>psst</body>` +
			`<private xmlns='urn:xmpp:carbons:2'/><no-copy xmlns='urn:xmpp:hints'/></message>`), noCopy: true},
		"presence": {el: parse(`<presence xmlns='jabber:client'><show>away</show><status xml:lang='fr'>parti</status>` +
			`<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://gajim.org' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>` +
			`<x xmlns='vcard-temp:x:update'><photo/></x></presence>`)},
		"chat state": {el: parse(`<message xmlns='jabber:client' type='chat' to='1002@example.com'>` +
			`<composing xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/></message>`), toResource: "tab"},
		"groupchat reactions": {el: parse(`<message xmlns='jabber:client' type='groupchat' to='42@conference.example.com'>` +
			`<reactions xmlns='urn:xmpp:reactions:0' id='7340032987654321'><reaction>👍</reaction><reaction>🐢</reaction></reactions>` +
			`<store xmlns='urn:xmpp:hints'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='abc'/>` +
			`<stanza-id xmlns='urn:xmpp:sid:0' id='5' by='42@conference.example.com'/></message>`)},
		"odd XML": {el: parse(`<message xmlns='jabber:client' xmlns:f='urn:foo' f:flag='1&#x9;2&#xA;3' to='a&apos;b@example.com'>` +
			`<body><![CDATA[<not> & markup]]></body>` + "\n  " +
			`<x xmlns=''><y attr='"quoted"'>in no namespace</y></x>` +
			`<z xmlns='urn:z' xml:lang='de'><f:inner xmlns:f='urn:f2'>prefixed</f:inner></z></message>`)},
		"an iq":         {el: parse(`<iq xmlns='jabber:client' type='set' id='push1' to='1002@example.com'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='n'><item><notification xmlns='urn:xmpp:push:0'/></item></publish></pubsub></iq>`)},
		"deep":          {el: deep},
		"built, no ns":  {el: xmlstream.New(xmlstream.NSClient, "message", "type", "chat").Add(xmlstream.New("", "bare").AddText("x"))},
		"empty message": {el: xmlstream.New(xmlstream.NSClient, "message")},
	}
}

func testPEPNotices() map[string]*pepNotice {
	return map[string]*pepNotice{
		"item": {owner: 1001, node: "urn:xmpp:avatar:metadata", access: "presence", items: []pepItem{
			{id: "abc", payload: []byte(`<metadata xmlns='urn:xmpp:avatar:metadata'><info id='abc' bytes='12' type='image/png'/></metadata>`)},
			{id: "empty", payload: []byte{}},
			{id: "none"},
		}},
		"retracted": {owner: 1001, node: "urn:xmpp:omemo:2:bundles", access: "open", retracted: []string{"1", "2"}},
		"deleted":   {owner: 7, node: "n", access: accessWhitelist, deleted: true},
		"purged":    {owner: 7, node: "n", purged: true, items: []pepItem{}, retracted: []string{}},
		"zero":      {},
	}
}

func roundTrip(t testing.TB, ev *event.Event) *event.Event {
	t.Helper()
	b, err := event.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := event.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStanzaOriginRoundTrip(t *testing.T) {
	for name, o := range testStanzaOrigins(t) {
		t.Run(name, func(t *testing.T) {
			got, ok := roundTrip(t, &event.Event{Payload: &event.Relayed{FromID: 1, ToID: 2}, Origin: o}).Origin.(*stanzaOrigin)
			if !ok {
				t.Fatal("not a stanza origin")
			}
			if got.toResource != o.toResource || got.noCopy != o.noCopy {
				t.Errorf("toResource %q noCopy %v, want %q %v", got.toResource, got.noCopy, o.toResource, o.noCopy)
			}
			// (cmp.Diff takes exponential time on deep trees that differ.)
			if !reflect.DeepEqual(o.el, got.el) {
				t.Errorf("stanza:\n sent     %#v\n received %#v", o.el, got.el)
			}
			for _, parent := range []string{"", xmlstream.NSClient} {
				if want, have := xmlstream.Append(nil, o.el, parent), xmlstream.Append(nil, got.el, parent); !bytes.Equal(want, have) {
					t.Errorf("in %q:\n sent     %s\n received %s", parent, want, have)
				}
			}
		})
	}
}

func TestPEPNoticeRoundTrip(t *testing.T) {
	for name, n := range testPEPNotices() {
		t.Run(name, func(t *testing.T) {
			got := roundTrip(t, &event.Event{RequesterID: n.owner, Payload: &event.Relayed{FromID: n.owner}, Origin: n}).Origin
			if d := cmp.Diff(n, got, cmp.AllowUnexported(pepNotice{}, pepItem{})); d != "" {
				t.Errorf("(-sent +received):\n%s", d)
			}
		})
	}
}

func TestStanzaOriginRefused(t *testing.T) {
	if _, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: &stanzaOrigin{}}); err == nil {
		t.Error("a stanza origin without a stanza encoded")
	}
	good, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: testStanzaOrigins(t)["private"]})
	if err != nil {
		t.Fatal(err)
	}
	for i := range len(good) {
		if _, err := event.Unmarshal(good[:i]); err == nil {
			t.Errorf("%d of %d bytes decoded", i, len(good))
		}
	}
	bad, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: &stanzaOrigin{
		el: xmlstream.New(xmlstream.NSClient, "message").Add(xmlstream.New("urn:x", "a><b")),
	}})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"trailing bytes":   append(bytes.Clone(good), "junk"...),
		"a second element": xmlstream.AppendBinary(bytes.Clone(good), xmlstream.New("", "x")),
		"a bad count":      append(bytes.Clone(good[:len(good)-1]), 38),
		"a bad name":       bad,
	} {
		if _, err := event.Unmarshal(b); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

// TestStanzaOriginOldKind: an event from a node that sent stanzas as XML
// (kind "xmpp-stanza") is refused as of an unknown kind, not misread.
func TestStanzaOriginOldKind(t *testing.T) {
	o := testStanzaOrigins(t)["private"]
	b, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: o})
	if err != nil {
		t.Fatal(err)
	}
	kind := wire.AppendString(nil, "xmpp-stanza-tree")
	i := bytes.Index(b, kind)
	if i < 0 {
		t.Fatalf("no kind in %q", b)
	}
	old := wire.AppendString(bytes.Clone(b[:i]), "xmpp-stanza")
	old = append(old, flagNoCopy)
	old = wire.AppendString(old, o.toResource)
	old = xmlstream.Append(old, o.el, "")
	if _, err := event.Unmarshal(old); !errors.Is(err, event.ErrUnsupported) {
		t.Errorf("an event of the previous version: %v, want ErrUnsupported", err)
	}
}

// TestRenderAfterRoundTrip: an event renders for an XMPP session on
// another node as it does here, through the renderers that read the
// origin (the relayed stanza, carbons of it, its room form, PEP
// notifications) and those that rebuild a stanza from the payload.
func TestRenderAfterRoundTrip(t *testing.T) {
	s := New(Options{Domain: "example.com"}, Services{}, slog.New(slog.DiscardHandler))
	sess := &session{srv: s, userID: 1002, bare: "1002@example.com"}
	sess.jid, _ = jid.Parse("1002@example.com/laptop")

	origins := map[string]any{"none": nil}
	for name, o := range testStanzaOrigins(t) {
		origins["stanza "+name] = o
	}
	for name, n := range testPEPNotices() {
		origins["pep "+name] = n
	}
	rendered := 0
	for _, p := range eventtest.Payloads() {
		for name, origin := range origins {
			t.Run(eventtest.Name(p)+"/"+name, func(t *testing.T) {
				ev := &event.Event{RequesterID: 1001, RequesterSession: 3, Payload: eventtest.New(t, p, eventtest.Full), Origin: origin}
				want, have := renders(s, sess, ev), renders(s, sess, roundTrip(t, ev))
				if d := cmp.Diff(want, have); d != "" {
					t.Errorf("rendered differently (-here +there):\n%s", d)
				}
				rendered += len(want)
			})
		}
	}
	if rendered < 200 {
		t.Errorf("only %d renders compared", rendered)
	}
}

// renders is what the session-independent renderers make of ev.
func renders(s *Server, sess *session, ev *event.Event) []string {
	var out []string
	add := func(b []byte) { out = append(out, string(b)) }
	switch p := ev.Payload.(type) {
	case *event.MessageCreated:
		add(s.renderMessage(&p.Message, ev.Origin, false))
		add(s.renderMessage(&p.Message, ev.Origin, true))
	case *event.MessageUpdated:
		add(s.renderUpdate(p, ev.Origin))
	case *event.TypingStatus:
		add(s.renderTyping(p, ev.Origin))
	case *event.ReactionsChanged:
		if _, ok := ev.Origin.(*stanzaOrigin); ok { // else with a random id
			add(s.renderReactions(p, ev.Origin))
		}
	case *event.OnlineStatusUpdated:
		if _, ok := ev.Origin.(*stanzaOrigin); ok { // else from the router
			add(s.renderStatus(p, ev.Origin, 0))
		}
	}
	switch o := ev.Origin.(type) {
	case *stanzaOrigin:
		add(o.bytes())
		add(sess.carbon("received", o.el))
		add(sess.carbon("sent", s.withStanzaID(o.el, &store.Message{ID: 99}, sess.userID)))
		add(xmlstream.Append(nil, reAddressed(o.el, "42", "room", s), ""))
		out = append(out, fmt.Sprint(o.toResource, o.noCopy, carbonEligible(o.el), noCopy(o.el), sess.csiKey(ev)))
	case *pepNotice:
		for _, delayed := range []bool{false, true} {
			el := s.pepEvent(o, sess.jid.String(), delayed)
			el.SetAttr("id", "random")
			add(xmlstream.Append(nil, el, ""))
		}
	}
	return out
}

// FuzzUnmarshalOrigins: no input makes decoding an event with an XMPP
// origin panic, and what decodes encodes again to the same stanza.
func FuzzUnmarshalOrigins(f *testing.F) {
	for _, o := range testStanzaOrigins(f) {
		b, err := event.Marshal(&event.Event{Payload: &event.Relayed{FromID: 1, ToID: 2}, Origin: o})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, n := range testPEPNotices() {
		b, err := event.Marshal(&event.Event{Payload: &event.Relayed{FromID: 1}, Origin: n})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := event.Unmarshal(b)
		if err != nil {
			return
		}
		again := roundTrip(t, ev)
		switch o := ev.Origin.(type) {
		case *stanzaOrigin:
			if want, have := o.bytes(), again.Origin.(*stanzaOrigin).bytes(); !bytes.Equal(want, have) {
				t.Fatalf("the stanza changed:\n %s\n %s", want, have)
			}
		case *pepNotice:
			if d := cmp.Diff(o, again.Origin, cmp.AllowUnexported(pepNotice{}, pepItem{})); d != "" {
				t.Fatal(d)
			}
		}
	})
}

// BenchmarkStanzaEvent: a chat message with its XMPP origin, encoded and
// decoded (the stanza's tree is read back on the receiving node).
func BenchmarkStanzaEvent(b *testing.B) {
	o := testStanzaOrigins(b)["chat to a resource"]
	ev := &event.Event{RequesterID: 1001, RequesterSession: 5, Origin: o, Payload: &event.MessageCreated{Message: store.Message{
		ID: 7340032987654321, SenderID: 1001, RecipientID: 1002, Text: "héllo", DeliveryDate: 1_760_000_000_000,
		Extensions: []byte(`<encrypted xmlns='eu.siacs.conversations.axolotl'/>`), ClientID: "o1",
	}}}
	buf, err := event.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := event.Marshal(ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := event.Unmarshal(buf); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(buf)), "bytes/event") // after the loop, which resets metrics
	})
}

// TestEveryOriginHasACodec: each type the renderers take an origin to be
// is one this test knows, and it encodes.
func TestEveryOriginHasACodec(t *testing.T) {
	known := map[string]any{
		"*stanzaOrigin": testStanzaOrigins(t)["private"],
		"*pepNotice":    testPEPNotices()["item"],
	}
	types := eventtest.OriginTypes(t, ".")
	if len(types) == 0 {
		t.Fatal("found no origin type assertions")
	}
	for _, typ := range types {
		o, ok := known[typ]
		if !ok {
			t.Errorf("origin type %s: register its codec (origin_codec.go) and add it to this test", typ)
			continue
		}
		if _, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: o}); err != nil {
			t.Errorf("origin type %s: %v", typ, err)
		}
	}
}
