package xmlstream

import (
	"bufio"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// outcome is what a decoder made of a stream or a frame: the header, the
// elements, and how it ended.
type outcome struct {
	Header   Header
	Elements []*Element
	End      string
}

// endOf names how reading ended: the stream closed, the input ended
// (cleanly or not), a stream error's condition, or another error.
func endOf(err error) string {
	var se *StreamError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrClosed):
		return "closed"
	case err == io.EOF:
		return "eof"
	case err == io.ErrUnexpectedEOF:
		return "unexpected eof"
	case errors.As(err, &se):
		return se.Condition
	}
	return "other: " + err.Error()
}

// streamDecoder is what both decoders offer a stream's reader.
type streamDecoder interface {
	ReadHeader() (Header, error)
	Next() (*Element, error)
}

// decodeStream reads in with the decoder newDecoder makes (over a small
// buffer, so that tokens straddle its refills).
func decodeStream[D streamDecoder](newDecoder func(*bufio.Reader, Limits) D, in string, lim Limits) outcome {
	var o outcome
	d := newDecoder(bufio.NewReaderSize(strings.NewReader(in), 16), lim)
	h, err := d.ReadHeader()
	o.Header = h
	for err == nil && len(o.Elements) < 100 {
		var el *Element
		if el, err = d.Next(); err == nil {
			o.Elements = append(o.Elements, el)
		}
	}
	o.End = endOf(err)
	return o
}

// conditions that mean "not XMPP's XML", which the two decoders may tell
// apart differently: encoding/xml read a whole token (a comment, text at
// the top level) before the checks saw it, and called some inputs syntax
// errors that are restricted XML here or the other way round.
var malformed = map[string]bool{
	"not-well-formed": true, "restricted-xml": true, "bad-format": true,
	"bad-namespace-prefix": true, "unexpected eof": true,
}

// prefixUse finds prefixes in element and attribute names.
var prefixUse = regexp.MustCompile(`[<\s/]([A-Za-z_][\w.-]*):[\w.-]`)

// undeclaredPrefix reports whether in uses a prefix that no xmlns:prefix
// declares anywhere in it. encoding/xml left such a prefix in place of the
// namespace, and the decoder on it took it for a namespace when a
// declaration had that namespace name (xmlns:p='q' made q:x pass, in
// namespace "q"); Decoder refuses it.
func undeclaredPrefix(in string) bool {
	for _, m := range prefixUse.FindAllStringSubmatch(in, -1) {
		p := m[1]
		if p != "xml" && p != "xmlns" && !strings.Contains(in, "xmlns:"+p+"=") {
			return true
		}
	}
	return false
}

// wideName finds a name with a character beyond ASCII: Decoder checks
// names by XML 1.0's fifth edition, encoding/xml by the fourth, which
// allowed fewer characters.
var wideName = regexp.MustCompile(`<[^\s>/=]*[\x{80}-\x{10FFFF}\x{FFFD}]|\s[^\s>/=<'"]*[\x{80}-\x{10FFFF}\x{FFFD}][^\s>/=<'"]*\s*=`)

// compareOutcomes fails unless the decoders agree: the same header and
// elements, and the same end, except that two ways of refusing malformed
// input are the same, and Decoder may refuse what encoding/xml let through
// only for the reason undeclaredPrefix describes, and names beyond ASCII
// may be told apart (wideName).
func compareOutcomes(t *testing.T, in string, got, want outcome) {
	t.Helper()
	n := min(len(got.Elements), len(want.Elements))
	if diff := cmp.Diff(want.Elements[:n], got.Elements[:n]); n > 0 && diff != "" {
		t.Fatalf("%q: elements differ (-encoding/xml +Decoder):\n%s", in, diff)
	}
	if got.Header != want.Header && want.End != "invalid-namespace" && got.End != "invalid-namespace" {
		t.Fatalf("%q: header %+v, encoding/xml %+v", in, got.Header, want.Header)
	}
	if len(got.Elements) == len(want.Elements) && (got.End == want.End || malformed[got.End] && malformed[want.End]) {
		return
	}
	if len(got.Elements) < len(want.Elements) && malformed[got.End] && undeclaredPrefix(in) {
		return
	}
	if wideName.MatchString(in) {
		return
	}
	t.Fatalf("%q: Decoder read %d elements and ended %q; encoding/xml %d and %q",
		in, len(got.Elements), got.End, len(want.Elements), want.End)
}

// FuzzDecoderMatchesEncodingXML reads streams with Decoder and with the
// decoder on encoding/xml it replaced: they must agree.
func FuzzDecoderMatchesEncodingXML(f *testing.F) {
	for _, s := range []string{
		`<message to='a@b' type='chat'><body>hi &amp; bye</body><x xmlns='urn:x'><y/></x></message>`,
		chatStanza,
		`<iq type='get' id='1'><query xmlns='jabber:iq:roster'/></iq></stream:stream>`,
		`<a xmlns:p='q'><p:b p:c='d'/></a><p:c/>`,
		`<a xmlns:p='q'><q:b/></a>`,
		`<message><body>&#65;&#x42;&#0;&lt;&gt;&apos;&quot;&foo;</body></message>`,
		"<message><body>a\r\nb\rc]]>d</body></message>",
		`<message><body><![CDATA[<x>&amp;]]]]><![CDATA[>]]></body></message>`,
		`<message><!-- c --></message>`, `<?php x?>`, `<!DOCTYPE x>`, `hello`,
		`<a x='1'y="2" z = '&lt;'/>`, `<a:b:c xmlns:a='x'/>`, `<a><b></a></b>`, `<a>`,
		`<message xml:lang='de'><body xmlns=''>x</body></message>`,
		"<message><body>\x00</body></message>", "<message><body>\xff</body></message>",
		`<message><body>` + "\U0001F44D\uFFFE" + `</body></message>`,
		`<é xmlns='ü'><ë/></é>`, `<a b='<'/>`, `<a>]]></a>`, `</stream:stream>`, `</stream>`,
		strings.Repeat("<a>", 40) + strings.Repeat("</a>", 40),
	} {
		f.Add(s)
	}
	lim := Limits{MaxStanzaBytes: 4096, MaxDepth: 16}
	f.Fuzz(func(t *testing.T, s string) {
		in := header + s
		compareOutcomes(t, in, decodeStream(NewDecoder, in, lim), decodeStream(newRefDecoder, in, lim))
		for _, hdr := range []string{"", "<?xml version='1.0' encoding='UTF-8'?>", `<stream:stream xmlns:stream='` + NSStream + `'/>`} {
			compareOutcomes(t, hdr+s, decodeStream(NewDecoder, hdr+s, lim), decodeStream(newRefDecoder, hdr+s, lim))
		}
		got, gerr := Parse([]byte(s), lim)
		want, werr := refParse([]byte(s), lim)
		g := outcome{End: endOf(gerr)}
		w := outcome{End: endOf(werr)}
		if got != nil {
			g.Elements = []*Element{got}
		}
		if want != nil {
			w.Elements = []*Element{want}
		}
		if w.End == "trailing" {
			w.End = "not-well-formed"
		}
		compareOutcomes(t, s, g, w)
	})
}
