package xmlstream

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// binaryTrees are trees as sessions parse and build them, and the odd
// shapes the binary form must keep as they are.
func binaryTrees(t testing.TB) map[string]*Element {
	parse := func(s string) *Element {
		el, err := Parse([]byte(s), Limits{MaxStanzaBytes: 1 << 16, MaxDepth: 64})
		if err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		return el
	}
	deep := New("urn:deep", "d0")
	leaf := deep
	for range 63 {
		c := New("urn:deep", "d")
		leaf.Add(c)
		leaf = c
	}
	manyNS := New(NSClient, "message")
	for i := range 100 { // past the table's array and the encoder's search
		manyNS.Add(New("urn:ns:"+strings.Repeat("x", i%70)+string(rune('a'+i%26)), "x"))
	}
	manyAttrs := New("", "a")
	for i := range 40 {
		manyAttrs.Attrs = append(manyAttrs.Attrs, Attr{Local: "a" + strings.Repeat("b", i), Value: "v"})
	}
	return map[string]*Element{
		"chat":  parse(chatStanza),
		"empty": New(NSClient, "message"),
		"odd XML": parse(`<message xmlns='jabber:client' xmlns:f='urn:foo' f:flag='1&#x9;2&#xA;3' to='a&apos;b@example.com'>` +
			`<body><![CDATA[<not> & markup]]></body>` + "\n  " +
			`<x xmlns=''><y attr='"quoted"'>in no namespace</y></x>` +
			`<z xmlns='urn:z' xml:lang='de'><f:inner xmlns:f='urn:f2' f:a='1' xmlns:g='urn:f2' g:b='2'>prefixed</f:inner></z></message>`),
		"non-ASCII names": parse(`<nachricht xmlns='urn:über' größe='1'><élément/><日本語>text</日本語></nachricht>`),
		"stream namespace": New(NSStream, "features").Add(New("urn:ietf:params:xml:ns:xmpp-tls", "starttls").
			Add(New("urn:ietf:params:xml:ns:xmpp-tls", "required"))),
		"texts as built": {Space: NSClient, Local: "message", Children: []Node{
			Text(""), Text("a"), Text("b"), New(NSClient, "body"), Text("\x00 not XML \xff"),
		}},
		"raw": {Space: NSClient, Local: "message", Children: []Node{
			Raw(`<x xmlns='urn:x'>kept <y/>as it is</x>`), Text("between"), Raw(`text &amp; <b xmlns="urn:b"/>`),
			Raw{}, Raw(nil),
		}},
		"attribute values": New(NSClient, "message", "to", "<&>\"'\x00\xff", "id", ""),
		"qualified attrs": {Space: "urn:a", Local: "a", Attrs: []Attr{
			{Space: "urn:a", Local: "x", Value: "1"}, {Local: "x", Value: "2"}, {Space: NSXML, Local: "lang", Value: "en"},
			{Space: "urn:b", Local: "x", Value: "3"}, {Space: NSStream, Local: "x", Value: "4"},
		}},
		"deep":       deep,
		"namespaces": manyNS,
		"attributes": manyAttrs,
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	for name, el := range binaryTrees(t) {
		t.Run(name, func(t *testing.T) {
			b := AppendBinary([]byte("prefix"), el)
			if !bytes.HasPrefix(b, []byte("prefix")) {
				t.Fatal("AppendBinary did not append")
			}
			b = append(b, "rest"...)
			got, rest, err := DecodeBinary(b[len("prefix"):], 64)
			if err != nil {
				t.Fatal(err)
			}
			if string(rest) != "rest" {
				t.Errorf("rest %q", rest)
			}
			if !reflect.DeepEqual(el, got) {
				t.Errorf("tree:\n sent     %#v\n received %#v", el, got)
			}
			for _, parent := range []string{"", NSClient} {
				if want, have := Append(nil, el, parent), Append(nil, got, parent); !bytes.Equal(want, have) {
					t.Errorf("in %q:\n sent     %s\n received %s", parent, want, have)
				}
			}
			for i := range b {
				b[i] = 0xAA // the tree keeps nothing of the input
			}
			if !reflect.DeepEqual(el, got) {
				t.Error("the tree changed with its input")
			}
		})
	}
}

// TestBinaryShared: the decoded tree's slices come from shared arrays;
// growing one must not write into its neighbours.
func TestBinaryShared(t *testing.T) {
	sent := binaryTrees(t)["odd XML"]
	el, _, err := DecodeBinary(AppendBinary(nil, sent), 8)
	if err != nil {
		t.Fatal(err)
	}
	var grow, shrink func(e *Element)
	grow = func(e *Element) {
		for _, c := range e.Elements() {
			grow(c)
		}
		e.Attrs = append(e.Attrs, Attr{Local: "new", Value: "1"})
		e.Children = append(e.Children, Text("more"))
	}
	shrink = func(e *Element) {
		e.Attrs = e.Attrs[:len(e.Attrs)-1]
		e.Children = e.Children[:len(e.Children)-1]
		for _, c := range e.Elements() {
			shrink(c)
		}
	}
	grow(el)
	shrink(el)
	if want, have := sent.String(), el.String(); want != have {
		t.Errorf("grown and shrunk again:\n %s\nwas\n %s", have, want)
	}
}

// TestDecodeBinaryRefuses: trees the serializer would write as ill-formed
// XML, or with namespaces no parser gives, are refused, as is input that
// is not a tree.
func TestDecodeBinaryRefuses(t *testing.T) {
	el := func(space, local string, attrs ...Attr) *Element {
		return &Element{Space: space, Local: local, Attrs: attrs}
	}
	msg := func(children ...Node) *Element {
		return &Element{Space: NSClient, Local: "message", Children: children}
	}
	trees := map[string]*Element{
		"empty name":              el(NSClient, ""),
		"prefixed name":           el(NSClient, "p:message"),
		"name with a space":       el(NSClient, "a b"),
		"name from a digit":       el(NSClient, "1a"),
		"name from a dash":        el(NSClient, "-a"),
		"name with markup":        msg(el("urn:x", "a><script")),
		"name not UTF-8":          el(NSClient, "a\xff"),
		"name with a symbol":      el(NSClient, "a×b"),
		"name from a combining":   el(NSClient, "\u0300a"),
		"attribute name":          el(NSClient, "message", Attr{Local: "a=\"x\" b"}),
		"attribute prefixed":      el(NSClient, "message", Attr{Local: "xml:lang", Value: "en"}),
		"xmlns attribute":         el(NSClient, "message", Attr{Local: "xmlns", Value: "urn:evil"}),
		"attribute twice":         el(NSClient, "message", Attr{Local: "to", Value: "a"}, Attr{Local: "id"}, Attr{Local: "to", Value: "b"}),
		"qualified twice":         el(NSClient, "message", Attr{Space: NSXML, Local: "lang"}, Attr{Space: NSXML, Local: "lang"}),
		"xmlns namespace":         el(nsXMLNS, "a"),
		"xmlns attr namespace":    el(NSClient, "message", Attr{Space: nsXMLNS, Local: "p", Value: "urn:x"}),
		"xml namespace":           el(NSXML, "lang"),
		"namespace with newline":  el("urn:a\nb", "a"),
		"namespace with NUL":      el("urn:\x00", "a"),
		"namespace not UTF-8":     el("urn:\xc3", "a"),
		"namespace not XML":       el("urn:\uFFFE", "a"),
		"raw not XML":             msg(Raw("<a>")),
		"raw closing the parent":  msg(Raw("</message><message>")),
		"raw with a comment":      msg(Raw("<!-- x -->")),
		"raw with an entity":      msg(Raw("&nbsp;")),
		"raw with a prefix":       msg(Raw("<p:a/>")),
		"raw with a bad char":     msg(Raw("\x01")),
		"raw ending a ]]>":        msg(Text("a]]"), Raw(">b")),
		"raw ending a ]]> in two": msg(Raw("a]"), Raw("]>b")),
		"deep inside a raw":       msg(Raw(strings.Repeat("<a>", 8) + strings.Repeat("</a>", 8))),
		"bad name deep in a tree": msg(msg(msg(el("", "a", Attr{Local: "b c"})))),
	}
	deep := msg(el("", "a")) // 9 deep, for 8 allowed
	for range 7 {
		deep = msg(deep)
	}
	trees["too deep"] = deep
	many := el(NSClient, "message")
	for i := range 30 {
		many.Attrs = append(many.Attrs, Attr{Local: "a" + strings.Repeat("b", i%20)})
	}
	trees["many attributes, one twice"] = many

	for name, tree := range trees {
		t.Run(name, func(t *testing.T) {
			if got, _, err := DecodeBinary(AppendBinary(nil, tree), 8); !errors.Is(err, ErrBinary) {
				t.Errorf("decoded %s, %v; want an error", got, err)
			}
		})
	}

	// Input no encoder writes.
	valid := AppendBinary(nil, New(NSClient, "message", "to", "a").AddText("x"))
	for name, b := range map[string][]byte{
		"empty":                {},
		"unknown kind":         {binNoSpace, 1, 'a', 0, 1, 3},
		"unknown reference":    {binTableRef, 1, 'a', 0, 0},
		"empty new namespace":  {binNewSpace, 0, 1, 'a', 0, 0},
		"huge attribute count": {binNoSpace, 1, 'a', 0xff, 0xff, 0xff, 0xff, 0x0f, 0},
		"huge child count":     {binNoSpace, 1, 'a', 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
		"huge string":          {binNoSpace, 0xff, 0xff, 0xff, 0xff, 0x0f, 'a'},
		"huge raw":             {binNoSpace, 1, 'a', 0, 1, binRaw, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"varint overflow":      {binNoSpace, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"depth 0":              nil, // below
	} {
		t.Run(name, func(t *testing.T) {
			maxDepth := 8
			if b == nil {
				b, maxDepth = valid, 0
			}
			if got, _, err := DecodeBinary(b, maxDepth); !errors.Is(err, ErrBinary) {
				t.Errorf("decoded %s, %v; want an error", got, err)
			}
		})
	}
	for i := range valid {
		if got, _, err := DecodeBinary(valid[:i], 8); !errors.Is(err, ErrBinary) {
			t.Errorf("%d of %d bytes: decoded %s, %v; want an error", i, len(valid), got, err)
		}
	}
}

// TestDecodeBinaryAccepts: what Parse accepts the binary form keeps, at
// the edges of names and namespaces.
func TestDecodeBinaryAccepts(t *testing.T) {
	for _, s := range []string{
		`<a_b.c-d9 xmlns='eu.siacs.conversations.axolotl'/>`,
		`<_ xmlns='a b'/>`,
		`<a xmlns='urn:&#x80;&#x7F;&#x1F600;&#xFFFD;'/>`,
		`<À·̀ xmlns='urn:x'/>`,
		`<a xmlns:s='http://etherx.jabber.org/streams' s:b='1'><s:c/></a>`,
	} {
		el, err := Parse([]byte(s), DefaultLimits)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		got, _, err := DecodeBinary(AppendBinary(nil, el), 8)
		if err != nil || !reflect.DeepEqual(el, got) {
			t.Errorf("%s: decoded %s, %v", s, got, err)
		}
	}
}

func TestIsNCName(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_": true, "a1": true, "a-b.c_d": true, "À": true, "a·": true, "a\u0300": true, "a\u203f": true,
		"\u2070": true, "\U00010000": true, "\uFFFD": true, "日本語": true,
		"": false, "1": false, "-": false, ".a": false, "a:b": false, "a b": false, "·": false, "\u0300": false,
		"\u203f": false, "a×": false, "a÷": false, "a\u037e": false, "a\u2000": false, "a\uFFFE": false, "a\xff": false,
		"a\xed\xa0\x80": false, "\U000F0000": false,
	} {
		if got := isNCName(s); got != want {
			t.Errorf("isNCName(%q) = %v", s, got)
		}
	}
}

// FuzzDecodeBinary: no input makes decoding panic; whatever decodes
// serializes to XML that parses, and encodes again to the same tree.
func FuzzDecodeBinary(f *testing.F) {
	for _, el := range binaryTrees(f) {
		f.Add(AppendBinary(nil, el))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		el, _, err := DecodeBinary(b, 64)
		if err != nil {
			return
		}
		again, rest, err := DecodeBinary(AppendBinary(nil, el), 64)
		if err != nil || len(rest) != 0 || !reflect.DeepEqual(el, again) {
			t.Fatalf("%q decoded to %s, which encodes to %s (%v)", b, el, again, err)
		}
		out := Append(nil, el, "")
		if _, err := Parse(out, Limits{MaxStanzaBytes: len(out), MaxDepth: 1 << 10}); err != nil && !hasNonASCIIName(el) {
			t.Fatalf("%q decoded to a tree that serializes to %q, which does not parse: %v", b, out, err)
		}
	})
}

// hasNonASCIIName reports whether a name in the tree has characters
// beyond ASCII: encoding/xml (which Parse uses) knows names by the tables
// of XML 1.0's first editions, narrower than the fifth's that DecodeBinary
// follows, so such a tree may be well-formed yet not parse.
func hasNonASCIIName(e *Element) bool {
	nonASCII := func(s string) bool { return strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 }) >= 0 }
	if nonASCII(e.Local) {
		return true
	}
	for _, a := range e.Attrs {
		if nonASCII(a.Local) {
			return true
		}
	}
	for _, n := range e.Children {
		if c, ok := n.(*Element); ok && hasNonASCIIName(c) {
			return true
		}
	}
	return false
}
