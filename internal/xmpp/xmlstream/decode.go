package xmlstream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Limits bound what a peer may send.
type Limits struct {
	// MaxStanzaBytes caps one top-level element, in bytes on the wire.
	MaxStanzaBytes int
	// MaxDepth caps element nesting inside a top-level element.
	MaxDepth int
}

// DefaultLimits are the limits of a client stream.
var DefaultLimits = Limits{MaxStanzaBytes: 256 << 10, MaxDepth: 32}

// StreamError is an RFC 6120 stream error condition with optional text.
type StreamError struct {
	Condition string
	Text      string
}

func (e *StreamError) Error() string {
	if e.Text == "" {
		return "stream error: " + e.Condition
	}
	return "stream error: " + e.Condition + ": " + e.Text
}

// Element renders the <stream:error/> element.
func (e *StreamError) Element() *Element {
	el := New(NSStream, "error").Add(New("urn:ietf:params:xml:ns:xmpp-streams", e.Condition))
	if e.Text != "" {
		el.Add(New("urn:ietf:params:xml:ns:xmpp-streams", "text").AddText(e.Text))
	}
	return el
}

// Stream error conditions this package reports.
func errNotWellFormed(err error) *StreamError {
	return &StreamError{Condition: "not-well-formed", Text: err.Error()}
}

var (
	errRestricted    = &StreamError{Condition: "restricted-xml", Text: "comments, processing instructions and DTDs are not allowed"}
	errTooBig        = &StreamError{Condition: "policy-violation", Text: "stanza too large"}
	errTooDeep       = &StreamError{Condition: "policy-violation", Text: "elements nested too deeply"}
	errBadPrefix     = &StreamError{Condition: "bad-namespace-prefix", Text: "undeclared namespace prefix"}
	errTextAtTop     = &StreamError{Condition: "bad-format", Text: "text outside stanzas"}
	errNotStream     = &StreamError{Condition: "invalid-namespace", Text: "expected <stream:stream> in the streams namespace"}
	errClientNS      = &StreamError{Condition: "invalid-namespace", Text: "the default namespace must be jabber:client"}
	errComponentNS   = &StreamError{Condition: "invalid-namespace", Text: "the default namespace must be jabber:component:accept"}
	errTrailingBytes = &StreamError{Condition: "not-well-formed", Text: "more than one element in a frame"}
)

// ErrStanzaTooBig is the error, wrapped in a *StreamError, for an element
// over the byte limit.
var ErrStanzaTooBig = errTooBig

// countingReader counts bytes and fails once a budget is spent, so that an
// oversized stanza is cut off as it arrives instead of being buffered.
type countingReader struct {
	br    *bufio.Reader
	n     int64
	limit int64 // fail beyond this many bytes in total; 0: no limit
}

func (c *countingReader) ReadByte() (byte, error) {
	if c.limit > 0 && c.n >= c.limit {
		return 0, errTooBig
	}
	b, err := c.br.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// run returns the buffered bytes before the first for which stops is
// set, within the byte limit, without reading them (skip does), and
// whether it found such a byte: if not, the caller reads on with
// ReadByte, which fills the buffer.
func (c *countingReader) run(stops *[256]bool) ([]byte, bool) {
	n := c.br.Buffered()
	if c.limit > 0 {
		n = int(min(int64(n), c.limit-c.n))
	}
	if n <= 0 {
		return nil, false
	}
	b, _ := c.br.Peek(n)
	for i, x := range b {
		if stops[x] {
			return b[:i], true
		}
	}
	return b, false
}

// skip reads k bytes that run returned.
func (c *countingReader) skip(k int) {
	if k > 0 {
		c.br.Discard(k)
		c.n += int64(k)
	}
}

// unreadByte gives the last byte read back.
func (c *countingReader) unreadByte() {
	c.br.UnreadByte()
	c.n--
}

func (c *countingReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := c.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}

// Decoder reads one XML stream: its header, then top-level elements.
//
// It is XMPP's XML only (RFC 6120 section 11): elements, attributes,
// character data with the five predefined entities and character
// references, CDATA sections and namespaces; an XML declaration before
// the stream header; no comments, processing instructions or DTDs. It
// reads from the connection's buffer byte by byte and builds the elements
// as it goes: encoding/xml, which it replaces, made a token of every
// piece first, at about 40 allocations per ordinary stanza.
type Decoder struct {
	cr  countingReader
	lim Limits
	// ns holds the namespace declarations in scope, innermost last: the
	// stream header's, then those of the open elements.
	ns []binding
	// stream is the header's name as written, which the stream's end tag
	// must repeat; closed is set when the header closed itself (<.../>).
	stream string
	closed bool
	// scratch is where the children of the elements being read gather;
	// buf collects the bytes of a name, a value or a text.
	scratch []Node
	buf     []byte
	attrs   []pendingAttr
	alloc   slab
}

// slab hands out elements, attribute lists and child lists from chunks
// of a few instead of one by one: an ordinary stanza takes one chunk of
// each. A chunk lives as long as anything carved from it, and what is
// carved from one belongs to one stanza or a few consecutive ones, which
// die together; an idle decoder drops its chunks (Idle).
type slab struct {
	elements []Element
	attrList []Attr
	nodeList []Node
}

// Chunk sizes: an ordinary chat message's (a body, a chat state, an
// origin id).
const (
	slabElements = 4
	slabAttrs    = 4
	slabNodes    = 4
)

func (s *slab) element() *Element {
	if len(s.elements) == 0 {
		s.elements = make([]Element, slabElements)
	}
	e := &s.elements[0]
	s.elements = s.elements[1:]
	return e
}

// attrs returns n attributes, with no room to append into a neighbour's.
func (s *slab) attrs(n int) []Attr {
	if n > slabAttrs {
		return make([]Attr, n)
	}
	if len(s.attrList) < n {
		s.attrList = make([]Attr, slabAttrs)
	}
	a := s.attrList[:n:n]
	s.attrList = s.attrList[n:]
	return a
}

// nodes returns n child slots, with no room to append into a neighbour's.
func (s *slab) nodes(n int) []Node {
	if n > slabNodes {
		return make([]Node, n)
	}
	if len(s.nodeList) < n {
		s.nodeList = make([]Node, slabNodes)
	}
	c := s.nodeList[:n:n]
	s.nodeList = s.nodeList[n:]
	return c
}

// binding is a namespace declaration: prefix "" is the default namespace.
type binding struct{ prefix, uri string }

// pendingAttr is an attribute of the start tag being read, before its
// prefix is resolved.
type pendingAttr struct{ prefix, local, value string }

// NewDecoder reads a stream from br. A stream restart (after STARTTLS or
// SASL) takes a new Decoder.
func NewDecoder(br *bufio.Reader, lim Limits) *Decoder {
	return &Decoder{cr: countingReader{br: br}, lim: lim}
}

// Idle discards whitespace (keepalives) buffered between stanzas and
// reports whether nothing else is buffered, so that the caller may stop
// reading until the connection has more to say. Call it only between
// elements returned by Next. An idle decoder lets go of its spare
// memory: most connections are idle most of the time.
func (d *Decoder) Idle() bool {
	br := d.cr.br
	for br.Buffered() > 0 {
		b, _ := br.Peek(1)
		if c := b[0]; c != ' ' && c != '\n' && c != '\r' && c != '\t' {
			return false
		}
		br.Discard(1)
	}
	d.alloc = slab{}
	if cap(d.buf) > 512 {
		d.buf = nil
	}
	if cap(d.scratch) > 32 {
		d.scratch = nil
	}
	return true
}

// Fill waits until at least one byte is buffered.
func (d *Decoder) Fill() error {
	_, err := d.cr.br.Peek(1)
	return err
}

// SetSource makes the decoder read from br, which continues the stream
// where the previous reader stopped: a connection that went idle gives its
// buffer back and takes another when it has input again.
func (d *Decoder) SetSource(br *bufio.Reader) { d.cr.br = br }

// Header is what a stream header says.
type Header struct {
	To, From, Version, Lang, ID string
}

// ReadHeader reads up to and including the <stream:stream> start tag of a
// client stream, whose default namespace must be jabber:client. The XML
// declaration is allowed before it; nothing else is.
func (d *Decoder) ReadHeader() (Header, error) { return d.readHeader(NSClient, errClientNS, false) }

// ReadComponentHeader is ReadHeader for an external component's stream
// (XEP-0114), whose default namespace must be jabber:component:accept: a
// separate entry point, so that a client stream never passes with the
// component namespace nor a component stream with the client's.
func (d *Decoder) ReadComponentHeader() (Header, error) {
	return d.readHeader(NSComponent, errComponentNS, true)
}

// readHeader reads a header whose default namespace, if declared, is
// defaultNS; required makes the declaration mandatory (client streams have
// always been let through without one).
func (d *Decoder) readHeader(defaultNS string, errNS *StreamError, required bool) (Header, error) {
	d.cr.limit = d.cr.n + int64(d.lim.MaxStanzaBytes)
	defer func() { d.cr.limit = 0 }()
	sawDecl := false
	for {
		c, err := d.afterSpace()
		if err != nil {
			return Header{}, err
		}
		switch c {
		case '?':
			if sawDecl {
				return Header{}, errRestricted
			}
			if err := d.declaration(); err != nil {
				return Header{}, err
			}
			sawDecl = true
			continue
		case '!':
			return Header{}, errRestricted
		case '/':
			return Header{}, syntaxError("an end tag before the stream header")
		}
		d.cr.unreadByte()
		el, raw, empty, err := d.startTag()
		if err != nil {
			return Header{}, need(err)
		}
		if el.Space != NSStream || el.Local != "stream" {
			return Header{}, errNotStream
		}
		sawNS := false
		for _, b := range d.ns {
			if b.prefix == "" {
				if b.uri != defaultNS {
					return Header{}, errNS
				}
				sawNS = true
			}
		}
		if required && !sawNS {
			return Header{}, errNS
		}
		var h Header
		for _, a := range el.Attrs {
			switch {
			case a.Space == "" && a.Local == "to":
				h.To = a.Value
			case a.Space == "" && a.Local == "from":
				h.From = a.Value
			case a.Space == "" && a.Local == "version":
				h.Version = a.Value
			case a.Space == "" && a.Local == "id":
				h.ID = a.Value
			case a.Space == NSXML && a.Local == "lang":
				h.Lang = a.Value
			}
		}
		d.stream, d.closed = raw, empty
		return h, nil
	}
}

// afterSpace reads past whitespace up to a '<' and returns the byte after
// it. It returns io.EOF if the input ends before anything but whitespace,
// and errTextAtTop for anything else.
func (d *Decoder) afterSpace() (byte, error) {
	for {
		b, err := d.cr.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '<':
			b, err := d.cr.ReadByte()
			return b, need(err)
		}
		return 0, errTextAtTop
	}
}

// declaration reads an XML declaration after its "<?": <?xml ...?> with
// version 1.0 and encoding UTF-8 if they are given.
func (d *Decoder) declaration() error {
	name, err := d.name()
	if err != nil {
		return need(err)
	}
	if string(name) != "xml" {
		return errRestricted
	}
	d.buf = d.buf[:0]
	for {
		b, err := d.cr.ReadByte()
		if err != nil {
			return need(err)
		}
		if b == '>' && len(d.buf) > 0 && d.buf[len(d.buf)-1] == '?' {
			break
		}
		d.buf = append(d.buf, b)
	}
	body := d.buf[:len(d.buf)-1]
	if v, ok := pseudoAttr(body, "version"); ok && v != "1.0" {
		return syntaxError("unsupported XML version " + v)
	}
	if e, ok := pseudoAttr(body, "encoding"); ok && !bytes.EqualFold([]byte(e), []byte("utf-8")) {
		return syntaxError("unsupported encoding " + e)
	}
	return nil
}

// pseudoAttr finds name='value' (or "value") in an XML declaration.
func pseudoAttr(body []byte, name string) (string, bool) {
	i := bytes.Index(body, []byte(name))
	if i < 0 {
		return "", false
	}
	rest := bytes.TrimLeft(body[i+len(name):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return "", false
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '\'' && rest[0] != '"') {
		return "", false
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	if end < 0 {
		return "", false
	}
	return string(rest[1 : 1+end]), true
}

// ErrClosed is io.EOF as Next returns it when the peer closed the stream
// with </stream:stream>, unlike a connection that just ended.
var ErrClosed = fmt.Errorf("the stream was closed: %w", io.EOF)

// Next returns the next top-level element, skipping whitespace keepalives.
// It returns io.EOF when the peer closes the stream with </stream:stream>.
func (d *Decoder) Next() (*Element, error) {
	if d.closed {
		return nil, ErrClosed
	}
	d.cr.limit = d.cr.n + int64(d.lim.MaxStanzaBytes)
	defer func() { d.cr.limit = 0 }()
	c, err := d.afterSpace()
	if err != nil {
		return nil, need(err) // the stream's element is open
	}
	switch c {
	case '/':
		name, err := d.name()
		if err != nil {
			return nil, need(err)
		}
		if string(name) != d.stream {
			return nil, syntaxError("the stream ended by </" + string(name) + ">")
		}
		if err := d.tagEnd(); err != nil {
			return nil, err
		}
		d.closed = true
		return nil, ErrClosed
	case '?', '!':
		return nil, errRestricted
	}
	d.cr.unreadByte()
	el, err := d.element(1)
	return el, need(err)
}

// element reads an element whose '<' was read, and everything in it.
func (d *Decoder) element(depth int) (*Element, error) {
	mark := len(d.ns)
	defer func() {
		clear(d.ns[mark:])
		d.ns = d.ns[:mark]
	}()
	el, raw, empty, err := d.startTag()
	switch {
	case err != nil:
		return nil, err
	case depth > d.lim.MaxDepth:
		return nil, errTooDeep
	case empty:
		return el, nil
	}
	// Children gather on the decoder's scratch stack and are copied out
	// once, at their exact number, when the element ends.
	base := len(d.scratch)
	defer func() {
		clear(d.scratch[base:])
		d.scratch = d.scratch[:base]
	}()
	d.buf = d.buf[:0]
	for {
		b, err := d.cr.ReadByte()
		if err != nil {
			return nil, err
		}
		if b != '<' {
			d.cr.unreadByte()
			if err := d.text(); err != nil {
				return nil, err
			}
			continue
		}
		c, err := d.cr.ReadByte()
		if err != nil {
			return nil, err
		}
		switch c {
		case '/':
			d.flushText()
			name, err := d.name()
			if err != nil {
				return nil, err
			}
			if string(name) != raw {
				return nil, syntaxError("element <" + raw + "> closed by </" + string(name) + ">")
			}
			if err := d.tagEnd(); err != nil {
				return nil, err
			}
			if len(d.scratch) > base {
				el.Children = d.alloc.nodes(len(d.scratch) - base)
				copy(el.Children, d.scratch[base:])
			}
			return el, nil
		case '!':
			if err := d.cdata(); err != nil {
				return nil, err
			}
		case '?':
			return nil, errRestricted
		default:
			d.cr.unreadByte()
			d.flushText()
			child, err := d.element(depth + 1)
			if err != nil {
				return nil, err
			}
			d.scratch = append(d.scratch, child)
			d.buf = d.buf[:0]
		}
	}
}

// flushText makes the character data collected in buf a child.
func (d *Decoder) flushText() {
	if len(d.buf) > 0 {
		d.scratch = append(d.scratch, Text(d.buf))
		d.buf = d.buf[:0]
	}
}

// startTag reads a start tag after its '<': the element with its
// namespace and attributes resolved, its name as written, and whether it
// closed itself. Its namespace declarations are pushed on d.ns.
func (d *Decoder) startTag() (el *Element, raw string, empty bool, err error) {
	name, err := d.name()
	if err != nil {
		return nil, "", false, err
	}
	raw = intern(name)
	prefix, local := splitName(raw)
	d.attrs = d.attrs[:0]
	for {
		// (No space is required between attributes, as encoding/xml,
		// which this replaces, required none.)
		if _, err := d.space(); err != nil {
			return nil, "", false, err
		}
		b, err := d.cr.ReadByte()
		if err != nil {
			return nil, "", false, err
		}
		if b == '>' {
			break
		}
		if b == '/' {
			if b, err = d.cr.ReadByte(); err != nil {
				return nil, "", false, err
			}
			if b != '>' {
				return nil, "", false, syntaxError("expected /> in element")
			}
			empty = true
			break
		}
		d.cr.unreadByte()
		name, err := d.name()
		if err != nil {
			return nil, "", false, err
		}
		aname := intern(name)
		if _, err := d.space(); err != nil {
			return nil, "", false, err
		}
		if b, err = d.cr.ReadByte(); err != nil {
			return nil, "", false, err
		}
		if b != '=' {
			return nil, "", false, syntaxError("attribute name without = in element")
		}
		if _, err := d.space(); err != nil {
			return nil, "", false, err
		}
		value, err := d.attrValue()
		if err != nil {
			return nil, "", false, err
		}
		ap, al := splitName(aname)
		switch {
		case ap == "" && al == "xmlns":
			d.ns = append(d.ns, binding{"", value})
		case ap == "xmlns":
			d.ns = append(d.ns, binding{al, value})
		default:
			d.attrs = append(d.attrs, pendingAttr{ap, al, value})
		}
	}
	space, ok := d.lookup(prefix)
	if !ok {
		return nil, "", false, errBadPrefix
	}
	el = d.alloc.element()
	el.Space, el.Local = space, local
	if len(d.attrs) > 0 {
		el.Attrs = d.alloc.attrs(len(d.attrs))
		for i, a := range d.attrs {
			space := ""
			if a.prefix != "" {
				if space, ok = d.lookup(a.prefix); !ok {
					return nil, "", false, errBadPrefix
				}
			}
			el.Attrs[i] = Attr{Space: space, Local: a.local, Value: a.value}
		}
	}
	return el, raw, empty, nil
}

// lookup resolves a prefix ("" for the default namespace) in scope.
func (d *Decoder) lookup(prefix string) (string, bool) {
	if prefix == "xml" {
		return NSXML, true
	}
	for i := len(d.ns) - 1; i >= 0; i-- {
		if d.ns[i].prefix == prefix {
			return d.ns[i].uri, true
		}
	}
	return "", prefix == ""
}

// splitName splits prefix:local; a name with the colon at either end has
// no prefix.
func splitName(s string) (prefix, local string) {
	for i := 1; i < len(s)-1; i++ {
		if s[i] == ':' {
			return s[:i], s[i+1:]
		}
	}
	return "", s
}

// tagEnd reads optional whitespace and the '>' that ends an end tag.
func (d *Decoder) tagEnd() error {
	if _, err := d.space(); err != nil {
		return need(err)
	}
	b, err := d.cr.ReadByte()
	if err != nil {
		return need(err)
	}
	if b != '>' {
		return syntaxError("invalid characters between </ and >")
	}
	return nil
}

// space reads whitespace and reports whether there was any.
func (d *Decoder) space() (bool, error) {
	some := false
	for {
		b, err := d.cr.ReadByte()
		if err != nil {
			return some, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			some = true
		default:
			d.cr.unreadByte()
			return some, nil
		}
	}
}

// name reads an XML name into buf (reset first) and returns it: valid
// until buf is used again. A name has at most one colon (namespaces).
func (d *Decoder) name() ([]byte, error) {
	d.buf = d.buf[:0]
	for {
		run, stopped := d.cr.run(&nameStops)
		d.buf = append(d.buf, run...)
		d.cr.skip(len(run))
		if stopped {
			break
		}
		b, err := d.cr.ReadByte() // the buffer ran out: fill it
		if err != nil {
			return nil, err
		}
		if nameStops[b] {
			d.cr.unreadByte()
			break
		}
		d.buf = append(d.buf, b)
	}
	colons, ascii := 0, true
	for _, b := range d.buf {
		if b == ':' {
			colons++
		} else if b >= utf8.RuneSelf {
			ascii = false
		}
	}
	if len(d.buf) == 0 || colons > 1 || !validName(d.buf, ascii) {
		return nil, syntaxError("invalid XML name " + fmt.Sprintf("%q", d.buf))
	}
	return d.buf, nil
}

// Bytes that end a run of plain bytes: of a name (any byte that cannot be
// in one), of text (markup, references, carriage returns, the end of a
// "]]>", control characters) and of an attribute value (markup,
// references, quotes, carriage returns, control characters).
var nameStops, textStops, valueStops [256]bool

func init() {
	for c := range 256 {
		b := byte(c)
		nameStops[c] = b < utf8.RuneSelf && !isNameByte(b)
		control := b < 0x20 && b != '\t' && b != '\n'
		textStops[c] = control || b == '<' || b == '&' || b == '\r' || b == '>'
		valueStops[c] = control || b == '<' || b == '&' || b == '\r' || b == '\'' || b == '"'
	}
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

// validName checks the Name production of XML 1.0 (fifth edition).
func validName(b []byte, ascii bool) bool {
	if ascii {
		c := b[0]
		return !('0' <= c && c <= '9' || c == '.' || c == '-')
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return false
		}
		if i == 0 && !nameStart(r) || i > 0 && !nameStart(r) && !nameRest(r) {
			return false
		}
		i += n
	}
	return true
}

func nameStart(r rune) bool {
	return r == ':' || 'A' <= r && r <= 'Z' || r == '_' || 'a' <= r && r <= 'z' ||
		0xC0 <= r && r <= 0xD6 || 0xD8 <= r && r <= 0xF6 || 0xF8 <= r && r <= 0x2FF ||
		0x370 <= r && r <= 0x37D || 0x37F <= r && r <= 0x1FFF || 0x200C <= r && r <= 0x200D ||
		0x2070 <= r && r <= 0x218F || 0x2C00 <= r && r <= 0x2FEF || 0x3001 <= r && r <= 0xD7FF ||
		0xF900 <= r && r <= 0xFDCF || 0xFDF0 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0xEFFFF
}

func nameRest(r rune) bool {
	return r == '-' || r == '.' || '0' <= r && r <= '9' || r == 0xB7 ||
		0x300 <= r && r <= 0x36F || 0x203F <= r && r <= 0x2040
}

// attrValue reads a quoted attribute value, its references replaced.
func (d *Decoder) attrValue() (string, error) {
	q, err := d.cr.ReadByte()
	if err != nil {
		return "", err
	}
	if q != '\'' && q != '"' {
		return "", syntaxError("unquoted or missing attribute value in element")
	}
	d.buf = d.buf[:0]
	for {
		run, _ := d.cr.run(&valueStops)
		d.buf = append(d.buf, run...)
		d.cr.skip(len(run))
		b, err := d.cr.ReadByte()
		if err != nil {
			return "", err
		}
		switch {
		case b == q:
			if !validChars(d.buf) {
				return "", syntaxError("invalid character in an attribute value")
			}
			if len(d.buf) <= maxInternedValue {
				return intern(d.buf), nil
			}
			return string(d.buf), nil
		case b == '<':
			return "", syntaxError("unescaped < inside quoted string")
		case b == '&':
			if err := d.reference(); err != nil {
				return "", err
			}
		case b == '\r':
			d.buf = append(d.buf, '\n')
			if err := d.skipNewline(); err != nil {
				return "", err
			}
		case b < 0x20 && b != '\t' && b != '\n':
			return "", syntaxError("illegal character code " + fmt.Sprintf("%U", rune(b)))
		default:
			d.buf = append(d.buf, b)
		}
	}
}

// maxInternedValue is the longest attribute value looked up in the
// interned strings (the values there are short).
const maxInternedValue = 12

// skipNewline reads a '\n' that follows a '\r' (a line ends in either or
// both; each ending becomes one '\n').
func (d *Decoder) skipNewline() error {
	b, err := d.cr.ReadByte()
	if err != nil {
		return err
	}
	if b != '\n' {
		d.cr.unreadByte()
	}
	return nil
}

// text reads character data up to the next '<', appending it to buf.
func (d *Decoder) text() error {
	start := len(d.buf)
	plain := start // buf[plain:] came as it was, not from a reference
	for {
		run, _ := d.cr.run(&textStops)
		d.buf = append(d.buf, run...)
		d.cr.skip(len(run))
		b, err := d.cr.ReadByte()
		if err != nil {
			return err
		}
		switch {
		case b == '<':
			d.cr.unreadByte()
			if !validChars(d.buf[start:]) {
				return syntaxError("invalid character in text")
			}
			return nil
		case b == '&':
			if err := d.reference(); err != nil {
				return err
			}
			plain = len(d.buf)
		case b == '>':
			// "]]>" ends a CDATA section and nothing else (a ']' written
			// as a reference does not count).
			if n := len(d.buf); n-plain >= 2 && d.buf[n-1] == ']' && d.buf[n-2] == ']' {
				return syntaxError("unescaped ]]> not in CDATA section")
			}
			d.buf = append(d.buf, b)
		case b == '\r':
			d.buf = append(d.buf, '\n')
			if err := d.skipNewline(); err != nil {
				return err
			}
		case b < 0x20 && b != '\t' && b != '\n':
			return syntaxError("illegal character code " + fmt.Sprintf("%U", rune(b)))
		default:
			d.buf = append(d.buf, b)
		}
	}
}

// cdata reads a CDATA section after its "<!", appending its text to buf.
// Nothing else may start with "<!" in a stanza.
func (d *Decoder) cdata() error {
	for _, want := range []byte("[CDATA[") {
		b, err := d.cr.ReadByte()
		if err != nil {
			return err
		}
		if b != want {
			return errRestricted
		}
	}
	start := len(d.buf)
	var b0, b1 byte
	wide := false
	for {
		b, err := d.cr.ReadByte()
		if err != nil {
			return err
		}
		switch {
		case b == '>' && b0 == ']' && b1 == ']':
			d.buf = d.buf[:len(d.buf)-2]
			if wide && !validChars(d.buf[start:]) {
				return syntaxError("invalid character in a CDATA section")
			}
			return nil
		case b == '\r':
			d.buf = append(d.buf, '\n')
		case b == '\n' && b1 == '\r':
		case b < 0x20 && b != '\t' && b != '\n':
			return syntaxError("illegal character code " + fmt.Sprintf("%U", rune(b)))
		default:
			if b >= utf8.RuneSelf {
				wide = true
			}
			d.buf = append(d.buf, b)
		}
		b0, b1 = b1, b
	}
}

// reference reads a reference after its '&' and appends its character to
// buf: one of the five predefined entities, or a character reference.
func (d *Decoder) reference() error {
	var name [12]byte
	n := 0
	for {
		b, err := d.cr.ReadByte()
		if err != nil {
			return err
		}
		if b == ';' {
			break
		}
		if n == len(name) {
			return syntaxError("invalid character entity")
		}
		name[n] = b
		n++
	}
	ref := name[:n]
	switch string(ref) {
	case "lt":
		d.buf = append(d.buf, '<')
	case "gt":
		d.buf = append(d.buf, '>')
	case "amp":
		d.buf = append(d.buf, '&')
	case "apos":
		d.buf = append(d.buf, '\'')
	case "quot":
		d.buf = append(d.buf, '"')
	default:
		r, ok := charRef(ref)
		if !ok {
			return syntaxError("invalid character entity &" + string(ref) + ";")
		}
		d.buf = utf8.AppendRune(d.buf, r)
	}
	return nil
}

// charRef decodes "#123" or "#x1F" to a character XML allows.
func charRef(ref []byte) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	digits, base := ref[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, false
	}
	var r rune
	for _, c := range digits {
		var v rune
		switch {
		case '0' <= c && c <= '9':
			v = rune(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			v = rune(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			v = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*base + v
		if r > utf8.MaxRune {
			return 0, false
		}
	}
	return r, isChar(r)
}

// isChar is XML's Char production.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || 0x20 <= r && r <= 0xD7FF ||
		0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF
}

// validChars checks that b is UTF-8 of characters XML allows (the bytes
// below 0x80 were checked as they came).
func validChars(b []byte) bool {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || !isChar(r) {
			return false
		}
		i += n
	}
	return true
}

// syntaxError is a not-well-formed stream error.
func syntaxError(msg string) error { return errNotWellFormed(errors.New(msg)) }

// need turns the end of input inside a construct into an unexpected one.
func need(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Parse reads exactly one element from b (a WebSocket frame), which may
// have an XML declaration before it and whitespace around it.
func Parse(b []byte, lim Limits) (*Element, error) {
	if len(b) > lim.MaxStanzaBytes {
		return nil, errTooBig
	}
	d := NewDecoder(bufio.NewReaderSize(bytes.NewReader(b), 512), Limits{MaxStanzaBytes: len(b) + 1, MaxDepth: lim.MaxDepth})
	var el *Element
	for el == nil {
		c, err := d.afterSpace()
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				err = errNotWellFormed(io.ErrUnexpectedEOF)
			}
			return nil, err
		}
		switch c {
		case '?':
			if err := d.declaration(); err != nil {
				return nil, parseErr(err)
			}
			continue
		case '!':
			return nil, errRestricted
		case '/':
			return nil, syntaxError("unexpected end element")
		}
		d.cr.unreadByte()
		if el, err = d.element(1); err != nil {
			return nil, parseErr(err)
		}
	}
	if _, err := d.space(); err != nil && err != io.EOF {
		return nil, err
	}
	if _, err := d.cr.ReadByte(); err != io.EOF {
		return nil, errTrailingBytes
	}
	return el, nil
}

func parseErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errNotWellFormed(io.ErrUnexpectedEOF)
	}
	return err
}
