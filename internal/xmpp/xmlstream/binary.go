package xmlstream

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"hermod/internal/wire"
)

// The binary form of an element tree, for stanzas that travel between
// hermod's nodes inside events. Parsing a stanza's XML again on every node
// costs tens of microseconds and over a hundred allocations in
// encoding/xml; this form is read in one pass that measures and a second
// that builds the tree in a few allocations. It is hermod's own, not a
// standard: whatever carries it versions it (the event envelope names it
// by an origin kind).
//
//	element  := space name count attr* count child*
//	space    := uvarint: 0 no namespace; 1 a new namespace, a string,
//	            follows and joins the table; k >= 2 the table's entry k-2
//	name     := string
//	attr     := space name value (a string)
//	child    := kind byte, then: binElement an element; binText a string;
//	            binRaw the bytes as wire.AppendBytes writes them
//
// Strings and counts are as package wire writes them (uvarint lengths).
// The namespace table spares repeating jabber:client on every <body/> and
// checking each namespace more than once.
//
// The tree is input from another node, which may run damaged or (if the
// envelope's versioning failed) other code: decoding checks what the
// serializer relies on, so that a decoded tree never serializes to
// ill-formed XML. Names must be XML NCNames; namespaces must be valid
// UTF-8 without control characters and not the reserved xmlns one
// (elements not the xml one either); no unqualified attribute is named
// xmlns; no element has the same attribute twice; Raw content must parse
// as XML on its own, and not start so as to end a ]]> begun before it.

// Kinds of child nodes.
const (
	binElement byte = iota
	binText
	binRaw
)

// Namespace references.
const (
	binNoSpace  = 0
	binNewSpace = 1
	binTableRef = 2 // the first table entry
)

// binSearchLimit bounds the encoder's look-up in the namespace table: a
// stanza with more distinct namespaces than this (never in practice)
// repeats the later ones rather than searching a long table per element.
const binSearchLimit = 64

// ErrBinary is the error, wrapped, of every input DecodeBinary refuses.
var ErrBinary = errors.New("xmlstream: bad binary element")

var (
	errBinTruncated = wrapBin("truncated")
	errBinKind      = wrapBin("unknown node kind")
	errBinRef       = wrapBin("unknown namespace reference")
	errBinName      = wrapBin("not an XML name")
	errBinSpace     = wrapBin("not a namespace name")
	errBinXMLNS     = wrapBin("an attribute named xmlns")
	errBinDupAttr   = wrapBin("an attribute given twice")
	errBinDepth     = wrapBin("elements nested too deeply")
	errBinRaw       = wrapBin("raw XML that is not well-formed")
)

type binError struct{ msg string }

func (e *binError) Error() string { return ErrBinary.Error() + ": " + e.msg }
func (e *binError) Unwrap() error { return ErrBinary }

func wrapBin(msg string) error { return &binError{msg} }

// nsXMLNS is the namespace of namespace declarations, which nothing may be
// in (Namespaces in XML 1.0 section 3).
const nsXMLNS = "http://www.w3.org/2000/xmlns/"

// AppendBinary appends el in binary form to b. It does not check el: the
// reader does (DecodeBinary). nil children are left out.
func AppendBinary(b []byte, el *Element) []byte {
	var e binEncoder
	return e.element(b, el)
}

type binEncoder struct{ table nsTable }

// nsTable is the namespace table of one tree, its first entries in an
// array so that coding a stanza allocates nothing for it.
type nsTable struct {
	n    int
	arr  [16]string
	more []string
}

func (t *nsTable) add(ns string) {
	if t.n < len(t.arr) {
		t.arr[t.n] = ns
	} else {
		t.more = append(t.more, ns)
	}
	t.n++
}

func (t *nsTable) get(i int) string {
	if i < len(t.arr) {
		return t.arr[i]
	}
	return t.more[i-len(t.arr)]
}

func (e *binEncoder) element(b []byte, el *Element) []byte {
	b = e.space(b, el.Space)
	b = wire.AppendString(b, el.Local)
	b = wire.AppendUint(b, uint64(len(el.Attrs)))
	for _, a := range el.Attrs {
		b = e.space(b, a.Space)
		b = wire.AppendString(b, a.Local)
		b = wire.AppendString(b, a.Value)
	}
	n := 0
	for _, c := range el.Children {
		if c != nil {
			n++
		}
	}
	b = wire.AppendUint(b, uint64(n))
	for _, c := range el.Children {
		switch c := c.(type) {
		case *Element:
			b = append(b, binElement)
			b = e.element(b, c)
		case Text:
			b = append(b, binText)
			b = wire.AppendString(b, string(c))
		case Raw:
			b = append(b, binRaw)
			b = wire.AppendBytes(b, c)
		}
	}
	return b
}

func (e *binEncoder) space(b []byte, ns string) []byte {
	if ns == "" {
		return append(b, binNoSpace)
	}
	for i := range min(e.table.n, binSearchLimit) {
		if e.table.get(i) == ns {
			return wire.AppendUint(b, uint64(i)+binTableRef)
		}
	}
	e.table.add(ns)
	b = append(b, binNewSpace)
	return wire.AppendString(b, ns)
}

// DecodeBinary reads an element that AppendBinary wrote at the start of b
// and returns it with the bytes after it. Elements may nest maxDepth deep
// (the element itself is at depth 1). The tree does not alias b: its
// strings are slices of one copy of the element's bytes (so a string kept
// from it keeps that copy alive, a few hundred bytes for a message), its
// elements, attributes and children share one array each, sliced with
// their capacity cut to their length so that appending to one never
// writes into another. Malformed input of any kind is an error that wraps
// ErrBinary, never a panic; nothing is allocated before the input has
// been measured.
func DecodeBinary(b []byte, maxDepth int) (*Element, []byte, error) {
	m := newBinCursor(b)
	var n binCounts
	m.measure(1, maxDepth, &n)
	if m.Err() != nil {
		return nil, nil, binErr(m.Err())
	}
	end := m.off()
	d := binBuilder{
		binCursor: newBinCursor(b[:end]),
		s:         string(b[:end]),
		els:       make([]Element, n.elems),
		maxDepth:  maxDepth,
	}
	if n.attrs > 0 {
		d.attrs = make([]Attr, n.attrs)
	}
	if n.nodes > 0 {
		d.nodes = make([]Node, n.nodes)
	}
	el := d.element(1)
	if d.Err() == nil && d.Remaining() != 0 {
		d.Fail(errBinTruncated) // the passes disagree: a bug, but no panic
	}
	if d.Err() != nil {
		return nil, nil, binErr(d.Err())
	}
	return el, b[end:], nil
}

// binErr makes err, one of the binary decoder's or of wire.Reader's, an
// error that wraps ErrBinary.
func binErr(err error) error {
	if errors.Is(err, ErrBinary) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrBinary, err)
}

// binCursor reads an input of size bytes with wire.Reader, and tells
// where the strings it reads lie: the builder slices its strings from one
// copy of the whole element, so it needs offsets.
type binCursor struct {
	wire.Reader
	size int
}

func newBinCursor(b []byte) binCursor { return binCursor{Reader: *wire.NewReader(b), size: len(b)} }

// off is the offset of the unread input.
func (c *binCursor) off() int { return c.size - c.Remaining() }

// count reads a count of things that take at least one byte each, and
// refuses one the rest of the input cannot hold.
func (c *binCursor) count() int {
	v := c.Uint()
	if v > uint64(c.Remaining()) {
		c.Fail(wire.ErrTruncated)
		return 0
	}
	return int(v)
}

// str reads a length-prefixed string and returns where it lies.
func (c *binCursor) str() (start, end int) {
	s := c.StrView()
	end = c.off()
	return end - len(s), end
}

// bytesField reads what wire.AppendBytes wrote: isNil for nil.
func (c *binCursor) bytesField() (start, end int, isNil bool) {
	p := c.BytesView()
	end = c.off()
	return end - len(p), end, p == nil
}

func (c *binCursor) skipSpace() {
	if c.Uint() == binNewSpace {
		c.str()
	}
}

// binCounts is what the tree needs allocated.
type binCounts struct{ elems, attrs, nodes int }

// measure walks an element without building it: it checks the structure
// and the depth, counts, and leaves off at the element's end.
func (c *binCursor) measure(depth, maxDepth int, n *binCounts) {
	if depth > maxDepth {
		c.Fail(errBinDepth)
		return
	}
	n.elems++
	c.skipSpace()
	c.str()
	k := c.count()
	n.attrs += k
	for range k {
		if c.Err() != nil {
			return
		}
		c.skipSpace()
		c.str()
		c.str()
	}
	k = c.count()
	n.nodes += k
	for range k {
		if c.Err() != nil {
			return
		}
		switch c.Byte() {
		case binElement:
			c.measure(depth+1, maxDepth, n)
		case binText:
			c.str()
		case binRaw:
			c.bytesField()
		default:
			c.Fail(errBinKind)
		}
	}
}

// binBuilder builds the tree that measure measured, checking names and
// namespaces as it goes.
type binBuilder struct {
	binCursor
	s        string // the element's bytes, which strings are sliced from
	els      []Element
	attrs    []Attr
	nodes    []Node
	table    nsTable
	maxDepth int
}

func (d *binBuilder) text() string {
	start, end := d.str()
	return d.s[start:end]
}

// name reads an element or attribute name.
func (d *binBuilder) name() string {
	s := d.text()
	if d.Err() == nil && !isNCName(s) {
		d.Fail(errBinName)
	}
	return s
}

// space reads a namespace reference.
func (d *binBuilder) space() string {
	switch v := d.Uint(); {
	case v == binNoSpace:
		return ""
	case v == binNewSpace:
		s := d.text()
		if d.Err() == nil && !plausibleNamespace(s) {
			d.Fail(errBinSpace)
		}
		d.table.add(s)
		return s
	case v-binTableRef < uint64(d.table.n):
		return d.table.get(int(v - binTableRef))
	default:
		d.Fail(errBinRef)
		return ""
	}
}

func (d *binBuilder) element(depth int) *Element {
	if len(d.els) == 0 {
		d.Fail(errBinTruncated)
		return nil
	}
	el := &d.els[0]
	d.els = d.els[1:]
	el.Space = d.space()
	if el.Space == NSXML {
		d.Fail(errBinSpace)
	}
	el.Local = d.name()
	if k := d.count(); k > 0 && d.Err() == nil {
		if k > len(d.attrs) {
			d.Fail(errBinTruncated)
			return nil
		}
		el.Attrs, d.attrs = d.attrs[:k:k], d.attrs[k:]
		for i := range el.Attrs {
			a := &el.Attrs[i]
			a.Space = d.space()
			a.Local = d.name()
			a.Value = d.text()
			if a.Space == "" && a.Local == "xmlns" {
				d.Fail(errBinXMLNS)
			}
		}
		if d.Err() == nil && hasDuplicateAttr(el.Attrs) {
			d.Fail(errBinDupAttr)
		}
	}
	if k := d.count(); k > 0 && d.Err() == nil {
		if k > len(d.nodes) {
			d.Fail(errBinTruncated)
			return nil
		}
		el.Children, d.nodes = d.nodes[:k:k], d.nodes[k:]
		for i := range el.Children {
			switch d.Byte() {
			case binElement:
				if c := d.element(depth + 1); c != nil {
					el.Children[i] = c
				}
			case binText:
				el.Children[i] = Text(d.text())
			case binRaw:
				el.Children[i] = d.raw(depth)
			default:
				d.Fail(errBinKind)
			}
			if d.Err() != nil {
				return nil
			}
		}
	}
	if d.Err() != nil {
		return nil
	}
	return el
}

// raw reads Raw content of an element at depth and checks that it is
// well-formed on its own: the serializer writes it as it is. It must not
// start with > or ]> either, which could end a ]]> with the text before
// it. Raw does not occur in stanzas as sessions receive them, so parsing
// it costs nothing in practice.
func (d *binBuilder) raw(depth int) Node {
	start, end, isNil := d.bytesField()
	if d.Err() != nil {
		return nil
	}
	if isNil {
		return Raw(nil)
	}
	r := Raw(append(make([]byte, 0, end-start), d.s[start:end]...))
	if len(r) > 0 && (r[0] == '>' || r[0] == ']' && len(r) > 1 && r[1] == '>') {
		d.Fail(errBinRaw)
		return nil
	}
	wrapped := make([]byte, 0, len(r)+7)
	wrapped = append(append(append(wrapped, "<r>"...), r...), "</r>"...)
	if _, err := Parse(wrapped, Limits{MaxStanzaBytes: len(wrapped), MaxDepth: d.maxDepth - depth + 1}); err != nil {
		d.Fail(errBinRaw)
		return nil
	}
	return r
}

// hasDuplicateAttr reports whether two attributes have the same name and
// namespace.
func hasDuplicateAttr(attrs []Attr) bool {
	if len(attrs) > 16 {
		seen := make(map[Attr]struct{}, len(attrs))
		for _, a := range attrs {
			k := Attr{Space: a.Space, Local: a.Local}
			if _, dup := seen[k]; dup {
				return true
			}
			seen[k] = struct{}{}
		}
		return false
	}
	for i := 1; i < len(attrs); i++ {
		for _, b := range attrs[:i] {
			if attrs[i].Local == b.Local && attrs[i].Space == b.Space {
				return true
			}
		}
	}
	return false
}

// plausibleNamespace reports whether ns may be written as a namespace name
// as it is: not empty, valid UTF-8 of XML characters without control
// characters (which the serializer would replace or escape), and not the
// namespace that xmlns declarations are in.
func plausibleNamespace(ns string) bool {
	if ns == "" || ns == nsXMLNS {
		return false
	}
	for i := 0; i < len(ns); {
		c := ns[i]
		if c < utf8.RuneSelf {
			if c < 0x20 {
				return false
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(ns[i:])
		if (r == utf8.RuneError && w == 1) || !isXMLChar(r) {
			return false
		}
		i += w
	}
	return true
}

// isNCName reports whether s is a name without a colon by the productions
// of XML 1.0 (fifth edition) section 2.3 and Namespaces in XML 1.0 section
// 3 (NCName). Names are ASCII nearly always; other characters take a few
// range comparisons.
func isNCName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
			case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
			default:
				return false
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && w == 1 {
			return false
		}
		if !isNameStartRune(r) && (i == 0 || !isNameRune(r)) {
			return false
		}
		i += w
	}
	return true
}

// isNameStartRune is NameStartChar beyond ASCII.
func isNameStartRune(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF,
		r >= 0x370 && r <= 0x37D, r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D,
		r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF, r >= 0x3001 && r <= 0xD7FF,
		r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return false
}

// isNameRune is what NameChar adds to NameStartChar beyond ASCII.
func isNameRune(r rune) bool {
	return r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040
}
