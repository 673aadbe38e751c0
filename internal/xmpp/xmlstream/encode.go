package xmlstream

import (
	"strconv"
	"unicode/utf8"
)

// Append appends e serialized to b. parentNS is the default namespace in
// scope where e is written: e declares its own namespace only when it
// differs, so a stanza on a TCP stream (whose default is jabber:client)
// carries no xmlns, and one in a WebSocket frame (parentNS "") does.
// Elements of the streams namespace use the "stream" prefix, declared on
// the element itself unless the surrounding stream header declares it
// (streamPrefix).
func Append(b []byte, e *Element, parentNS string) []byte {
	return appendElement(b, e, parentNS, parentNS == NSClient || parentNS == NSComponent)
}

func appendElement(b []byte, e *Element, parentNS string, streamPrefix bool) []byte {
	b = append(b, '<')
	ns := parentNS
	if e.Space == NSStream {
		b = append(b, "stream:"...)
		b = append(b, e.Local...)
		if !streamPrefix {
			b = append(b, ` xmlns:stream="`...)
			b = append(b, NSStream...)
			b = append(b, '"')
			streamPrefix = true
		}
	} else {
		b = append(b, e.Local...)
		if e.Space != parentNS {
			b = append(b, ` xmlns="`...)
			b = appendEscaped(b, e.Space, true)
			b = append(b, '"')
			ns = e.Space
		}
	}
	prefixes := 0
	for _, a := range e.Attrs {
		b = append(b, ' ')
		switch a.Space {
		case "":
		case NSXML:
			b = append(b, "xml:"...)
		default: // rare: declare a prefix for it
			p := "a" + strconv.Itoa(prefixes)
			prefixes++
			b = append(b, "xmlns:"...)
			b = append(b, p...)
			b = append(b, `="`...)
			b = appendEscaped(b, a.Space, true)
			b = append(b, `" `...)
			b = append(b, p...)
			b = append(b, ':')
		}
		b = append(b, a.Local...)
		b = append(b, `="`...)
		b = appendEscaped(b, a.Value, true)
		b = append(b, '"')
	}
	if len(e.Children) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, '>')
	for _, n := range e.Children {
		switch c := n.(type) {
		case *Element:
			b = appendElement(b, c, ns, streamPrefix)
		case Text:
			b = appendEscaped(b, string(c), false)
		case Raw:
			b = append(b, c...)
		}
	}
	b = append(b, "</"...)
	if e.Space == NSStream {
		b = append(b, "stream:"...)
	}
	b = append(b, e.Local...)
	return append(b, '>')
}

// appendEscaped appends s with the characters XML reserves escaped, and
// characters XML cannot carry replaced by U+FFFD.
func appendEscaped(b []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '&':
			esc = "&amp;"
		case c == '"' && attr:
			esc = "&quot;"
		case c == '\'' && attr:
			esc = "&apos;"
		case c == '\r':
			esc = "&#xD;"
		case (c == '\n' || c == '\t') && attr:
			esc = "&#x" + strconv.FormatInt(int64(c), 16) + ";"
		case c < 0x20 && c != '\n' && c != '\t':
			esc = "\uFFFD"
		case c >= utf8.RuneSelf:
			r, w := utf8.DecodeRuneInString(s[i:])
			width = w
			if (r == utf8.RuneError && w == 1) || !isXMLChar(r) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			b = append(b, s[last:i]...)
			b = append(b, esc...)
			last = i + width
		}
		i += width
	}
	return append(b, s[last:]...)
}

func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// AppendStreamHeader appends an opening <stream:stream> for a TCP stream.
func AppendStreamHeader(b []byte, from, to, id, lang string) []byte {
	b = append(b, `<?xml version='1.0'?><stream:stream xmlns="jabber:client" xmlns:stream="http://etherx.jabber.org/streams" version="1.0"`...)
	for _, a := range [...][2]string{{"from", from}, {"to", to}, {"id", id}} {
		if a[1] != "" {
			b = append(b, ' ')
			b = append(b, a[0]...)
			b = append(b, `="`...)
			b = appendEscaped(b, a[1], true)
			b = append(b, '"')
		}
	}
	if lang != "" {
		b = append(b, ` xml:lang="`...)
		b = appendEscaped(b, lang, true)
		b = append(b, '"')
	}
	return append(b, '>')
}

// AppendComponentHeader appends the server's answer to an external
// component's stream header (XEP-0114): from names the component's domain,
// id is the stream id its handshake hashes.
func AppendComponentHeader(b []byte, from, id string) []byte {
	b = append(b, `<?xml version='1.0'?><stream:stream xmlns="jabber:component:accept" xmlns:stream="http://etherx.jabber.org/streams"`...)
	for _, a := range [...][2]string{{"from", from}, {"id", id}} {
		if a[1] != "" {
			b = append(b, ' ')
			b = append(b, a[0]...)
			b = append(b, `="`...)
			b = appendEscaped(b, a[1], true)
			b = append(b, '"')
		}
	}
	return append(b, '>')
}

// StreamClose ends a TCP stream.
const StreamClose = "</stream:stream>"
