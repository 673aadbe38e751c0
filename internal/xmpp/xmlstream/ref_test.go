package xmlstream

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"strings"
)

// refDecoder is the decoder on encoding/xml that Decoder replaced, kept
// to check Decoder against (FuzzDecoderMatchesEncodingXML).
type refDecoder struct {
	cr  countingReader
	d   *xml.Decoder
	lim Limits
	// known holds the namespace names declared in the stream header and
	// the stanza being read; base those of the header alone.
	known, base map[string]struct{}
	// scratch is where the children of the elements being read gather.
	scratch []Node
}

// NewDecoder reads a stream from br. A stream restart (after STARTTLS or
// SASL) takes a new Decoder.
func newRefDecoder(br *bufio.Reader, lim Limits) *refDecoder {
	d := &refDecoder{cr: countingReader{br: br}, lim: lim}
	d.d = xml.NewDecoder(&d.cr)
	d.d.Strict = true
	return d
}

// Idle discards whitespace (keepalives) buffered between stanzas and
// reports whether nothing else is buffered, so that the caller may stop
// reading until the connection has more to say. Call it only between
// elements returned by Next.
func (d *refDecoder) Idle() bool {
	br := d.cr.br
	for br.Buffered() > 0 {
		b, _ := br.Peek(1)
		if c := b[0]; c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
		br.Discard(1)
	}
	return true
}

// Fill waits until at least one byte is buffered.
func (d *refDecoder) Fill() error {
	_, err := d.cr.br.Peek(1)
	return err
}

// SetSource makes the decoder read from br, which continues the stream
// where the previous reader stopped: a connection that went idle gives its
// buffer back and takes another when it has input again.
func (d *refDecoder) SetSource(br *bufio.Reader) { d.cr.br = br }

// ReadHeader reads up to and including the <stream:stream> start tag of a
// client stream, whose default namespace must be jabber:client. The XML
// declaration is allowed before it; nothing else is.
func (d *refDecoder) ReadHeader() (Header, error) { return d.readHeader(NSClient, errClientNS, false) }

// ReadComponentHeader is ReadHeader for an external component's stream
// (XEP-0114), whose default namespace must be jabber:component:accept: a
// separate entry point, so that a client stream never passes with the
// component namespace nor a component stream with the client's.
func (d *refDecoder) ReadComponentHeader() (Header, error) {
	return d.readHeader(NSComponent, errComponentNS, true)
}

// readHeader reads a header whose default namespace, if declared, is
// defaultNS; required makes the declaration mandatory (client streams have
// always been let through without one).
func (d *refDecoder) readHeader(defaultNS string, errNS *StreamError, required bool) (Header, error) {
	d.cr.limit = d.cr.n + int64(d.lim.MaxStanzaBytes)
	defer func() { d.cr.limit = 0 }()
	sawDecl := false
	for {
		tok, err := d.token()
		if err != nil {
			return Header{}, err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target != "xml" || sawDecl {
				return Header{}, errRestricted
			}
			sawDecl = true
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return Header{}, errTextAtTop
			}
		case xml.StartElement:
			if t.Name.Space != NSStream || t.Name.Local != "stream" {
				return Header{}, errNotStream
			}
			var h Header
			sawNS := false
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					if a.Value != defaultNS {
						return Header{}, errNS
					}
					sawNS = true
				case a.Name.Space == "" && a.Name.Local == "to":
					h.To = a.Value
				case a.Name.Space == "" && a.Name.Local == "from":
					h.From = a.Value
				case a.Name.Space == "" && a.Name.Local == "version":
					h.Version = a.Value
				case a.Name.Space == "" && a.Name.Local == "id":
					h.ID = a.Value
				case a.Name.Space == NSXML && a.Name.Local == "lang":
					h.Lang = a.Value
				}
			}
			if required && !sawNS {
				return Header{}, errNS
			}
			d.base = maps.Clone(d.known)
			return h, nil
		default:
			return Header{}, errRestricted
		}
	}
}

// Next returns the next top-level element, skipping whitespace keepalives.
// It returns io.EOF when the peer closes the stream with </stream:stream>.
func (d *refDecoder) Next() (*Element, error) {
	for {
		d.cr.limit = d.cr.n + int64(d.lim.MaxStanzaBytes)
		tok, err := d.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, errTextAtTop
			}
		case xml.EndElement:
			return nil, ErrClosed
		case xml.StartElement:
			el, err := d.element(t, 1)
			d.cr.limit = 0
			if len(d.known) > len(d.base) { // forget the stanza's declarations
				clear(d.known)
				maps.Copy(d.known, d.base)
			}
			return el, err
		default:
			return nil, errRestricted
		}
	}
}

func (d *refDecoder) token() (xml.Token, error) {
	tok, err := d.d.Token()
	if err != nil {
		var se *StreamError
		switch {
		case errors.As(err, &se):
			return nil, se
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		}
		var syn *xml.SyntaxError
		if errors.As(err, &syn) {
			if strings.Contains(syn.Msg, "unexpected EOF") {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, errNotWellFormed(err)
		}
		return nil, err // the connection's own error
	}
	switch t := tok.(type) {
	case xml.Comment, xml.Directive:
		return nil, errRestricted
	case xml.ProcInst:
		if t.Target != "xml" {
			return nil, errRestricted
		}
	case xml.StartElement:
		// encoding/xml leaves an undeclared prefix in place of the
		// namespace name; a name no declaration gave is such a prefix.
		for _, a := range t.Attr {
			if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
				d.declare(a.Value)
			}
		}
		if !d.declared(t.Name.Space) {
			return nil, errBadPrefix
		}
		for _, a := range t.Attr {
			if a.Name.Space != "xmlns" && !d.declared(a.Name.Space) {
				return nil, errBadPrefix
			}
		}
	}
	return tok, nil
}

// declare records a namespace name declared in the stream; declared
// reports whether space is one (or none at all).
func (d *refDecoder) declare(ns string) {
	if d.known == nil {
		d.known = make(map[string]struct{})
	}
	d.known[ns] = struct{}{} // bounded by the stanza size limit
}

func (d *refDecoder) declared(space string) bool {
	if space == "" || space == NSXML {
		return true
	}
	_, ok := d.known[space]
	return ok
}

// element reads the rest of the element that start opened.
func (d *refDecoder) element(start xml.StartElement, depth int) (*Element, error) {
	if depth > d.lim.MaxDepth {
		return nil, errTooDeep
	}
	el := &Element{Space: start.Name.Space, Local: start.Name.Local}
	n := 0
	for _, a := range start.Attr {
		if !refIsXMLNS(a.Name) {
			n++
		}
	}
	if n > 0 {
		el.Attrs = make([]Attr, 0, n)
		for _, a := range start.Attr {
			if !refIsXMLNS(a.Name) {
				el.Attrs = append(el.Attrs, Attr{Space: a.Name.Space, Local: a.Name.Local, Value: a.Value})
			}
		}
	}
	// Children gather on the decoder's scratch stack and are copied out
	// once, at their exact number, when the element ends.
	base := len(d.scratch)
	defer func() {
		clear(d.scratch[base:])
		d.scratch = d.scratch[:base]
	}()
	for {
		tok, err := d.token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			c, err := d.element(t, depth+1)
			if err != nil {
				return nil, err
			}
			d.scratch = append(d.scratch, c)
		case xml.CharData:
			if n := len(d.scratch); n > base {
				if prev, ok := d.scratch[n-1].(Text); ok {
					d.scratch[n-1] = prev + Text(t)
					continue
				}
			}
			d.scratch = append(d.scratch, Text(t))
		case xml.EndElement:
			if len(d.scratch) > base {
				el.Children = append(make([]Node, 0, len(d.scratch)-base), d.scratch[base:]...)
			}
			return el, nil
		default:
			return nil, errRestricted
		}
	}
}

func refIsXMLNS(n xml.Name) bool { return n.Space == "xmlns" || (n.Space == "" && n.Local == "xmlns") }

// Parse reads exactly one element from b (a WebSocket frame). Elements
// without a namespace get defaultNS.
func refParse(b []byte, lim Limits) (*Element, error) {
	if len(b) > lim.MaxStanzaBytes {
		return nil, errTooBig
	}
	d := newRefDecoder(bufio.NewReaderSize(bytes.NewReader(b), 512), Limits{MaxStanzaBytes: len(b) + 1, MaxDepth: lim.MaxDepth})
	var el *Element
	for el == nil {
		tok, err := d.token()
		if err != nil {
			if err == io.EOF {
				err = errNotWellFormed(io.ErrUnexpectedEOF)
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.ProcInst:
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, errTextAtTop
			}
		case xml.StartElement:
			if el, err = d.element(t, 1); err != nil {
				if err == io.ErrUnexpectedEOF {
					err = errNotWellFormed(err)
				}
				return nil, err
			}
		default:
			return nil, errNotWellFormed(errors.New("unexpected token"))
		}
	}
	for {
		tok, err := d.token()
		if err == io.EOF {
			return el, nil
		}
		if err != nil {
			return nil, err
		}
		if t, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(t)) != 0 {
			return nil, errTrailingBytes
		}
	}
}
