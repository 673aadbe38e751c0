package xmlstream

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const header = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' xml:lang='en'>`

func decoder(s string, lim Limits) *Decoder {
	return NewDecoder(bufio.NewReader(strings.NewReader(s)), lim)
}

func TestStream(t *testing.T) {
	d := decoder(header+"\n <message to='a@b' type='chat'><body>hi &amp; bye</body><x xmlns='urn:x'><y/></x></message> \n</stream:stream>", DefaultLimits)
	h, err := d.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	if h != (Header{To: "example.com", Version: "1.0", Lang: "en"}) {
		t.Fatalf("header = %+v", h)
	}
	el, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !el.Is(NSClient, "message") || el.Attr("to") != "a@b" || el.ChildText(NSClient, "body") != "hi & bye" {
		t.Fatalf("element = %s", el)
	}
	if el.Child("urn:x", "x").Child("urn:x", "y") == nil {
		t.Fatalf("nested namespace lost: %s", el)
	}
	if got, want := string(Append(nil, el, NSClient)), `<message to="a@b" type="chat"><body>hi &amp; bye</body><x xmlns="urn:x"><y/></x></message>`; got != want {
		t.Fatalf("serialized\n%s\nwant\n%s", got, want)
	}
	if _, err := d.Next(); err != ErrClosed || !errors.Is(err, io.EOF) {
		t.Fatalf("after </stream:stream>: %v, want ErrClosed (an EOF)", err)
	}
}

func TestStreamErrors(t *testing.T) {
	tests := []struct {
		name, in, cond string
		lim            Limits
	}{
		{"doctype", `<?xml version='1.0'?><!DOCTYPE foo><stream:stream/>`, "restricted-xml", DefaultLimits},
		{"comment", header + `<!-- hi -->`, "restricted-xml", DefaultLimits},
		{"pi", header + `<?php x?>`, "restricted-xml", DefaultLimits},
		{"comment in stanza", header + `<message><!-- x --></message>`, "restricted-xml", DefaultLimits},
		{"not well formed", header + `<message><body></message>`, "not-well-formed", DefaultLimits},
		{"bad attr", header + `<message to=a/>`, "not-well-formed", DefaultLimits},
		{"entity", header + `<message>&foo;</message>`, "not-well-formed", DefaultLimits},
		{"undeclared prefix", header + `<foo:message/>`, "bad-namespace-prefix", DefaultLimits},
		{"text at top", header + `hello`, "bad-format", DefaultLimits},
		{"too big", header + `<message><body>` + strings.Repeat("a", 2000) + `</body></message>`, "policy-violation", Limits{MaxStanzaBytes: 1000, MaxDepth: 8}},
		{"too deep", header + strings.Repeat("<a>", 10) + strings.Repeat("</a>", 10), "policy-violation", Limits{MaxStanzaBytes: 1000, MaxDepth: 8}},
		{"wrong stream ns", `<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>`, "invalid-namespace", DefaultLimits},
		{"wrong default ns", `<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server'>`, "invalid-namespace", DefaultLimits},
		{"not a stream", `<message/>`, "invalid-namespace", DefaultLimits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(tt.in, tt.lim)
			_, err := d.ReadHeader()
			if err == nil {
				_, err = d.Next()
			}
			var se *StreamError
			if !errors.As(err, &se) || se.Condition != tt.cond {
				t.Fatalf("error %v, want stream error %s", err, tt.cond)
			}
		})
	}
}

// Namespace names need not be URIs: OMEMO's is eu.siacs.conversations.axolotl.
func TestNamespaceWithoutColon(t *testing.T) {
	d := decoder(header+`<message><encrypted xmlns='eu.siacs.conversations.axolotl'><payload>x</payload></encrypted></message><a xmlns:p='q'><p:b/></a><p:c/>`, DefaultLimits)
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	el, err := d.Next()
	if err != nil || el.Child("eu.siacs.conversations.axolotl", "encrypted") == nil {
		t.Fatalf("%v %v", el, err)
	}
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	// The prefix p was declared in the previous stanza only.
	var se *StreamError
	if _, err := d.Next(); !errors.As(err, &se) || se.Condition != "bad-namespace-prefix" {
		t.Fatalf("a prefix out of scope: %v", err)
	}
}

func TestTruncatedStream(t *testing.T) {
	d := decoder(header+`<message><body>hi`, DefaultLimits)
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("got %v, want unexpected EOF", err)
	}
}

func TestParseFrame(t *testing.T) {
	el, err := Parse([]byte(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="example.com" version="1.0"/>`), DefaultLimits)
	if err != nil || !el.Is(NSFraming, "open") || el.Attr("to") != "example.com" {
		t.Fatalf("Parse = %v, %v", el, err)
	}
	for _, bad := range []string{``, `<a/><b/>`, `<a>`, `<a/>text`, `<!-- c --><a/>`, `text`} {
		if el, err := Parse([]byte(bad), DefaultLimits); err == nil {
			t.Errorf("Parse(%q) = %s, want an error", bad, el)
		}
	}
}

func TestSerialize(t *testing.T) {
	el := New(NSClient, "message", "to", `a"<b>'&`, "type", "chat").
		Add(New(NSClient, "body").AddText("x < y & \x01 z\r")).
		Add(New("urn:xmpp:sid:0", "stanza-id", "id", "1"))
	el.Attrs = append(el.Attrs, Attr{Space: NSXML, Local: "lang", Value: "en"})
	got := el.String()
	want := `<message xmlns="jabber:client" to="a&quot;&lt;b&gt;&apos;&amp;" type="chat" xml:lang="en"><body>x &lt; y &amp; ` + "\uFFFD" + ` z&#xD;</body><stanza-id xmlns="urn:xmpp:sid:0" id="1"/></message>`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	back, err := Parse([]byte(got), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if back.Lang() != "en" || back.Attr("to") != `a"<b>'&` {
		t.Fatalf("reparsed %s", back)
	}
	features := New(NSStream, "features").Add(New("urn:ietf:params:xml:ns:xmpp-tls", "starttls"))
	if got := string(Append(nil, features, NSClient)); got != `<stream:features><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/></stream:features>` {
		t.Fatalf("features on a stream: %s", got)
	}
	if got := string(Append(nil, features, "")); got != `<stream:features xmlns:stream="http://etherx.jabber.org/streams"><starttls xmlns="urn:ietf:params:xml:ns:xmpp-tls"/></stream:features>` {
		t.Fatalf("features in a frame: %s", got)
	}
}

// FuzzParse checks that whatever parses serializes to something that
// parses back to the same tree.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<message xmlns='jabber:client' to='a@b'><body>hi</body></message>`,
		`<a xmlns='u:a'><b xmlns='u:b' xml:lang='en'>t<c/>u</b></a>`,
		`<a xmlns:p='u:p' p:x='1'/>`, `<iq><query xmlns='jabber:iq:roster'/></iq>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		el, err := Parse(b, Limits{MaxStanzaBytes: 4096, MaxDepth: 16})
		if err != nil {
			return
		}
		out := Append(nil, el, "")
		again, err := Parse(out, Limits{MaxStanzaBytes: 1 << 20, MaxDepth: 16})
		if err != nil {
			t.Fatalf("%q parsed, but its serialization %q does not: %v", b, out, err)
		}
		if diff := cmp.Diff(el, again); diff != "" && !hasInvalidChars(el) {
			t.Fatalf("round trip of %q changed it (-first +second):\n%s", b, diff)
		}
	})
}

// hasInvalidChars reports whether the tree holds characters the
// serializer must replace (encoding/xml lets some through).
func hasInvalidChars(e *Element) bool {
	for _, a := range e.Attrs {
		if strings.ContainsRune(a.Value, '\uFFFD') || strings.ContainsAny(a.Value, "\r") {
			return true
		}
	}
	for _, n := range e.Children {
		switch c := n.(type) {
		case *Element:
			if hasInvalidChars(c) {
				return true
			}
		case Text:
			if strings.ContainsRune(string(c), '\uFFFD') {
				return true
			}
		}
	}
	return false
}

// FuzzStream feeds arbitrary bytes after a valid header: the decoder must
// return elements or an error, never panic or loop.
func FuzzStream(f *testing.F) {
	f.Add([]byte(`<message><body>x</body></message> <iq type='get'/></stream:stream>`))
	f.Add([]byte(`<a><b><c></a>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d := decoder(header+string(b), Limits{MaxStanzaBytes: 2048, MaxDepth: 8})
		if _, err := d.ReadHeader(); err != nil {
			t.Fatal(err)
		}
		for range 1000 {
			if _, err := d.Next(); err != nil {
				return
			}
		}
	})
}

// The XML a stream may carry, read by Decoder itself: references, CDATA,
// line ends, characters XML forbids, and prefixes resolved by their
// declarations only.
func TestDecodeXML(t *testing.T) {
	tests := []struct {
		name, in string
		body     string // the text of <message><body>, when it parses
		cond     string // else the stream error's condition
	}{
		{"references", `<message><body>&lt;&gt;&amp;&apos;&quot;&#65;&#x1F44D;</body></message>`, `<>&'"A` + "\U0001F44D", ""},
		{"CDATA", `<message><body>a<![CDATA[<b>&amp;]]>c</body></message>`, "a<b>&amp;c", ""},
		{"line ends", "<message><body>a\r\nb\rc\nd</body></message>", "a\nb\nc\nd", ""},
		{"]]> as a reference", `<message><body>]]&gt;&#93;&#93;></body></message>`, "]]>]]>", ""},
		{"attributes without spaces", `<message to='a'type="b"><body>x</body></message>`, "x", ""},
		{"wide characters", "<message><body>é👍</body></message>", "é👍", ""},
		{"]]> in text", `<message><body>a]]>b</body></message>`, "", "not-well-formed"},
		{"unknown entity", `<message><body>&nbsp;</body></message>`, "", "not-well-formed"},
		{"reference to NUL", `<message><body>&#0;</body></message>`, "", "not-well-formed"},
		{"control character", "<message><body>\x01</body></message>", "", "not-well-formed"},
		{"not UTF-8", "<message><body>\xff</body></message>", "", "not-well-formed"},
		{"U+FFFE", "<message><body>\uFFFE</body></message>", "", "not-well-formed"},
		{"< in an attribute", `<message to='<'/>`, "", "not-well-formed"},
		{"two colons", `<a:b:c xmlns:a='x'/>`, "", "not-well-formed"},
		{"mismatched end", `<message><body></message></body>`, "", "not-well-formed"},
		{"a prefix named like a namespace", `<message xmlns:p='q'><q:body/></message>`, "", "bad-namespace-prefix"},
		{"a prefix of another stanza", `<message xmlns:p='q'/><p:body/>`, "", "bad-namespace-prefix"},
		{"a comment", `<message><!--x--></message>`, "", "restricted-xml"},
		{"a processing instruction", `<message><?xml version='1.0'?></message>`, "", "restricted-xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decoder(header+tt.in, DefaultLimits)
			if _, err := d.ReadHeader(); err != nil {
				t.Fatal(err)
			}
			el, err := d.Next()
			if tt.cond == "" {
				if err != nil || el.ChildText(NSClient, "body") != tt.body {
					t.Fatalf("got %v, %v; want a body %q", el, err, tt.body)
				}
				return
			}
			for i := 0; err == nil && i < 3; i++ { // the error may be in a later stanza
				el, err = d.Next()
			}
			var se *StreamError
			if !errors.As(err, &se) || se.Condition != tt.cond {
				t.Fatalf("got %v, %v; want %s", el, err, tt.cond)
			}
		})
	}
}

// A header that closes itself is a stream that ended; a connection that
// ends without closing the stream ended unexpectedly.
func TestStreamEnds(t *testing.T) {
	d := decoder(`<stream:stream xmlns='jabber:client' xmlns:stream='`+NSStream+`'/>`, DefaultLimits)
	if _, err := d.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != ErrClosed {
		t.Fatalf("after <stream:stream/>: %v", err)
	}
	d = decoder(header+`<message/> `, DefaultLimits)
	d.ReadHeader()
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Next(); err != io.ErrUnexpectedEOF {
		t.Fatalf("a connection ended in an open stream: %v, want unexpected EOF", err)
	}
	d = decoder(header+`</stream:other>`, DefaultLimits)
	d.ReadHeader()
	var se *StreamError
	if _, err := d.Next(); !errors.As(err, &se) || se.Condition != "not-well-formed" {
		t.Fatalf("the stream closed by another name: %v", err)
	}
}
