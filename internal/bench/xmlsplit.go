package bench

import (
	"bytes"
	"errors"
	"io"
)

// The XMPP client does not build trees: after negotiation it only needs
// each top-level stanza's name, a few attributes and the body text, so a
// byte scanner finds stanza boundaries in a reused buffer and the hot path
// allocates nothing per stanza.

// unit is what the splitter found.
type unit int

const (
	unitElement unit = iota // a whole top-level element
	unitHeader              // a stream header (<stream:stream> or <open/>)
	unitEnd                 // the end of the stream (</stream:stream> or <close/>)
	unitSkip                // whitespace, an XML declaration or a comment
)

// maxElement bounds one top-level element the client accepts.
const maxElement = 1 << 20

var errElementTooLarge = errors.New("bench: server sent an element over 1 MiB")

// splitter reads top-level elements of an XML stream.
type splitter struct {
	r          io.Reader
	buf        []byte
	start, end int // unread bytes are buf[start:end]
}

func newSplitter(r io.Reader, size int) *splitter {
	return &splitter{r: r, buf: make([]byte, size)}
}

// next returns the next unit; the bytes stay valid until the next call.
func (s *splitter) next() ([]byte, unit, error) {
	for {
		if s.start < s.end {
			el, u, n := scanUnit(s.buf[s.start:s.end])
			if n > 0 {
				s.start += n
				if u == unitSkip {
					continue
				}
				return el, u, nil
			}
		}
		if s.start == s.end {
			s.start, s.end = 0, 0
		} else if s.start > 0 && s.end == len(s.buf) {
			s.end = copy(s.buf, s.buf[s.start:s.end])
			s.start = 0
		}
		if s.end == len(s.buf) {
			if len(s.buf) >= maxElement {
				return nil, 0, errElementTooLarge
			}
			nb := make([]byte, 2*len(s.buf))
			copy(nb, s.buf[:s.end])
			s.buf = nb
		}
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if n == 0 && err != nil {
			return nil, 0, err
		}
	}
}

// scanUnit finds the first complete unit in b and returns it and the
// bytes it used; n == 0 means b holds no complete unit yet.
func scanUnit(b []byte) (el []byte, u unit, n int) {
	i := 0
	for i < len(b) && b[i] != '<' {
		i++
	}
	if i > 0 {
		return nil, unitSkip, i
	}
	depth := 0
	for i < len(b) {
		if i+1 >= len(b) {
			return nil, 0, 0
		}
		switch b[i+1] {
		case '?':
			j := bytes.Index(b[i:], []byte("?>"))
			if j < 0 {
				return nil, 0, 0
			}
			i += j + 2
			if depth == 0 {
				return nil, unitSkip, i
			}
		case '!':
			end := []byte("-->")
			if bytes.HasPrefix(b[i:], []byte("<![")) {
				end = []byte("]]>")
			}
			j := bytes.Index(b[i+2:], end)
			if j < 0 {
				return nil, 0, 0
			}
			i += 2 + j + len(end)
			if depth == 0 {
				return nil, unitSkip, i
			}
		case '/':
			j := bytes.IndexByte(b[i:], '>')
			if j < 0 {
				return nil, 0, 0
			}
			i += j + 1
			depth--
			if depth < 0 {
				return b[:i], unitEnd, i
			}
			if depth == 0 {
				return b[:i], unitElement, i
			}
		default:
			j := tagEnd(b[i:])
			if j < 0 {
				return nil, 0, 0
			}
			end := i + j + 1
			selfClosing := b[end-2] == '/'
			if depth == 0 && isStreamHeader(b[i:end]) {
				return b[:end], unitHeader, end
			}
			i = end
			if !selfClosing {
				depth++
			} else if depth == 0 {
				return b[:end], unitElement, end
			}
		}
		for i < len(b) && b[i] != '<' {
			i++
		}
	}
	return nil, 0, 0
}

// tagEnd returns the index of the '>' that ends the tag at the start of b,
// skipping quoted attribute values, or -1.
func tagEnd(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

func isStreamHeader(tag []byte) bool {
	name := tagName(tag)
	return bytes.Equal(name, []byte("stream:stream")) || bytes.HasSuffix(name, []byte(":stream"))
}

// tagName is the qualified name of the tag at the start of el.
func tagName(el []byte) []byte {
	if len(el) < 2 || el[0] != '<' {
		return nil
	}
	i := 1
	if el[i] == '/' {
		i++
	}
	j := i
	for j < len(el) {
		switch el[j] {
		case ' ', '\t', '\r', '\n', '/', '>':
			return el[i:j]
		}
		j++
	}
	return el[i:j]
}

// localName is tagName without its prefix.
func localName(el []byte) []byte {
	n := tagName(el)
	if k := bytes.IndexByte(n, ':'); k >= 0 {
		return n[k+1:]
	}
	return n
}

// attr returns the value of the attribute name on the start tag of el.
func attr(el []byte, name string) []byte {
	end := tagEnd(el)
	if end < 0 {
		return nil
	}
	tag := el[:end]
	for i := 0; i+len(name)+2 < len(tag); i++ {
		c := tag[i]
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			continue
		}
		rest := tag[i+1:]
		if len(rest) < len(name)+2 || string(rest[:len(name)]) != name {
			continue
		}
		rest = bytes.TrimLeft(rest[len(name):], " \t\r\n")
		if len(rest) < 2 || rest[0] != '=' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '\'' && rest[0] != '"') {
			continue
		}
		if k := bytes.IndexByte(rest[1:], rest[0]); k >= 0 {
			return rest[1 : 1+k]
		}
		return nil
	}
	return nil
}

// innerText is the text between the start tag of el and its first child
// or end tag: enough for <challenge>, <success> and <body>.
func innerText(el []byte) []byte {
	end := tagEnd(el)
	if end < 0 || el[end-1] == '/' {
		return nil
	}
	rest := el[end+1:]
	if k := bytes.IndexByte(rest, '<'); k >= 0 {
		return rest[:k]
	}
	return rest
}

// childText returns the text of the first child element named local
// (with or without a prefix), e.g. the <body> of a message.
func childText(el []byte, local string) ([]byte, bool) {
	for i := 1; i < len(el); i++ {
		k := bytes.IndexByte(el[i:], '<')
		if k < 0 {
			return nil, false
		}
		i += k
		if i+1 < len(el) && el[i+1] != '/' && bytes.Equal(localName(el[i:]), []byte(local)) {
			return innerText(el[i:]), true
		}
	}
	return nil, false
}
