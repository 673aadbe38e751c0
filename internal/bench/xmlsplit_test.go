package bench

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestSplitter cuts a stream into top-level units, whatever the reads'
// boundaries are.
func TestSplitter(t *testing.T) {
	stream := `<?xml version='1.0'?>` + "\n" +
		`<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x>y' version='1.0'>` +
		`<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>` +
		"  \n" +
		`<message from='a@b/c' type="chat"><!-- a comment --><body>hb1 2 3 &lt;4</body><x a='/>'/></message>` +
		`<presence/>` +
		`<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>` +
		`<message><body><![CDATA[<not a tag>]]></body></message>` +
		`</stream:stream>`
	want := []struct {
		u    unit
		name string
	}{
		{unitHeader, "stream:stream"}, {unitElement, "stream:features"}, {unitElement, "message"},
		{unitElement, "presence"}, {unitElement, "iq"}, {unitElement, "message"}, {unitEnd, "stream:stream"},
	}
	for _, tc := range []struct {
		name string
		r    func() io.Reader
		size int
	}{
		{"whole", func() io.Reader { return strings.NewReader(stream) }, 4096},
		{"one byte a read", func() io.Reader { return iotest.OneByteReader(strings.NewReader(stream)) }, 4096},
		{"small buffer that grows", func() io.Reader { return iotest.HalfReader(strings.NewReader(stream)) }, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sp := newSplitter(tc.r(), tc.size)
			for i, w := range want {
				el, u, err := sp.next()
				if err != nil {
					t.Fatalf("unit %d: %v", i, err)
				}
				if u != w.u || string(tagName(el)) != w.name {
					t.Fatalf("unit %d: %v %q, want %v %s", i, u, el, w.u, w.name)
				}
				if i == 2 {
					if body, ok := childText(el, "body"); !ok || string(body) != "hb1 2 3 &lt;4" {
						t.Fatalf("body %q %v", body, ok)
					}
					if string(attr(el, "type")) != "chat" || string(attr(el, "from")) != "a@b/c" || attr(el, "id") != nil {
						t.Fatalf("attributes of %s", el)
					}
				}
			}
			if _, _, err := sp.next(); err != io.EOF {
				t.Fatalf("after the stream: %v", err)
			}
		})
	}
}

func TestSplitterBounds(t *testing.T) {
	huge := "<message><body>" + strings.Repeat("x", maxElement) + "</body></message>"
	if _, _, err := newSplitter(strings.NewReader(huge), 1024).next(); err != errElementTooLarge {
		t.Fatalf("an element over the limit: %v", err)
	}
	if _, _, err := newSplitter(strings.NewReader("<message><bo"), 1024).next(); err != io.EOF {
		t.Fatalf("a cut element: %v", err)
	}
}

func TestBody(t *testing.T) {
	marker := []byte("hbfeed ")
	for _, tc := range []struct {
		flow, slot int
		sent       time.Duration
		size       int
	}{
		{0, 0, 0, 0}, {7, 3, 123456789, 0}, {1 << 20, 99, time.Hour, 200},
	} {
		b := appendBody(nil, marker, tc.flow, tc.slot, tc.sent, tc.size)
		if len(b) < tc.size {
			t.Fatalf("body of %d bytes, want %d", len(b), tc.size)
		}
		f, s, sent, ok := parseBody(b, marker)
		if !ok || f != tc.flow || s != tc.slot || sent != tc.sent {
			t.Fatalf("%q: %d %d %v %v", b, f, s, sent, ok)
		}
	}
	for _, bad := range []string{"", "hbfeed", "hbdead 1 2 3", "hbfeed 1 2", "hbfeed 1  2 3", "hbfeed a 2 3", "hello"} {
		if _, _, _, ok := parseBody([]byte(bad), marker); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	// Appending allocates nothing once the buffer is large enough.
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = appendBody(buf[:0], marker, 5, 1, time.Second, 0) }); n != 0 {
		t.Fatalf("%v allocations per body", n)
	}
}

func TestParseAddrRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		last string
		bad  bool
	}{
		{"127.0.0.1-127.0.0.40", 40, "127.0.0.40", false},
		{"127.0.0.1", 1, "127.0.0.1", false},
		{"127.0.0.1, 127.0.0.5-127.0.0.6", 3, "127.0.0.6", false},
		{"127.0.0.9-127.0.0.1", 0, "", true},
		{"nonsense", 0, "", true},
	} {
		got, err := ParseAddrRange(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("%q accepted", tc.in)
			}
			continue
		}
		if err != nil || len(got) != tc.n || got[len(got)-1].String() != tc.last {
			t.Errorf("%q: %v %v", tc.in, got, err)
		}
	}
}
