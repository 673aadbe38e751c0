// Package xmlstream reads and writes XMPP's XML: elements as a small tree,
// a serializer that writes namespaces as XMPP wants them (encoding/xml's
// encoder does not), and a decoder for streams and single elements with
// the limits and restrictions of RFC 6120 section 11.
package xmlstream

import "strings"

// Namespaces the stream layer itself uses.
const (
	NSClient = "jabber:client"
	// NSComponent is the default namespace of an external component's
	// stream (XEP-0114).
	NSComponent = "jabber:component:accept"
	NSStream    = "http://etherx.jabber.org/streams"
	NSFraming   = "urn:ietf:params:xml:ns:xmpp-framing"
	NSXML       = "http://www.w3.org/XML/1998/namespace"
)

// Element is an XML element with its namespace resolved. Children holds
// its content in order: *Element and Text values.
type Element struct {
	Space    string // namespace URI
	Local    string
	Attrs    []Attr
	Children []Node
}

// Attr is an attribute. Space is empty for unqualified names and NSXML for
// xml:lang.
type Attr struct {
	Space, Local, Value string
}

// Node is an *Element, a Text or Raw.
type Node interface{ node() }

// Text is character data.
type Text string

// Raw is serialized XML written as it is: elements kept in the archive are
// spliced into outgoing stanzas without being parsed again. It must be
// well-formed and declare its own namespaces.
type Raw []byte

func (*Element) node() {}
func (Text) node()     {}
func (Raw) node()      {}

// New returns an element with attributes given as name, value pairs.
func New(space, local string, attrs ...string) *Element {
	e := &Element{Space: space, Local: local}
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			e.Attrs = append(e.Attrs, Attr{Local: attrs[i], Value: attrs[i+1]})
		}
	}
	return e
}

// Is reports whether e has the given namespace and local name.
func (e *Element) Is(space, local string) bool {
	return e != nil && e.Local == local && e.Space == space
}

// Attr returns the value of the unqualified attribute name, or "" (also
// for a nil element, as Child and Text do, so that lookups chain).
func (e *Element) Attr(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Local == name && a.Space == "" {
			return a.Value
		}
	}
	return ""
}

// Lang returns xml:lang, or "".
func (e *Element) Lang() string {
	for _, a := range e.Attrs {
		if a.Local == "lang" && a.Space == NSXML {
			return a.Value
		}
	}
	return ""
}

// SetAttr sets (or with value "" removes) an unqualified attribute.
func (e *Element) SetAttr(name, value string) *Element {
	for i, a := range e.Attrs {
		if a.Local == name && a.Space == "" {
			if value == "" {
				e.Attrs = append(e.Attrs[:i], e.Attrs[i+1:]...)
			} else {
				e.Attrs[i].Value = value
			}
			return e
		}
	}
	if value != "" {
		e.Attrs = append(e.Attrs, Attr{Local: name, Value: value})
	}
	return e
}

// Add appends child elements and returns e.
func (e *Element) Add(children ...*Element) *Element {
	for _, c := range children {
		if c != nil {
			e.Children = append(e.Children, c)
		}
	}
	return e
}

// AddText appends character data and returns e.
func (e *Element) AddText(s string) *Element {
	if s != "" {
		e.Children = append(e.Children, Text(s))
	}
	return e
}

// Child returns the first child element with the namespace and name, or
// nil. An empty local matches any name in space.
func (e *Element) Child(space, local string) *Element {
	if e == nil {
		return nil
	}
	for _, n := range e.Children {
		if c, ok := n.(*Element); ok && c.Space == space && (local == "" || c.Local == local) {
			return c
		}
	}
	return nil
}

// Elements returns the child elements.
func (e *Element) Elements() []*Element {
	var out []*Element
	for _, n := range e.Children {
		if c, ok := n.(*Element); ok {
			out = append(out, c)
		}
	}
	return out
}

// FirstElement returns the first child element, or nil.
func (e *Element) FirstElement() *Element {
	for _, n := range e.Children {
		if c, ok := n.(*Element); ok {
			return c
		}
	}
	return nil
}

// Text returns the element's own character data.
func (e *Element) Text() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	for _, n := range e.Children {
		if t, ok := n.(Text); ok {
			b.WriteString(string(t))
		}
	}
	return b.String()
}

// ChildText returns the text of the first child with the given name.
func (e *Element) ChildText(space, local string) string {
	return e.Child(space, local).Text()
}

// Copy returns a deep copy of e.
func (e *Element) Copy() *Element {
	c := &Element{Space: e.Space, Local: e.Local, Attrs: append([]Attr(nil), e.Attrs...)}
	if len(e.Children) > 0 {
		c.Children = make([]Node, len(e.Children))
		for i, n := range e.Children {
			if ce, ok := n.(*Element); ok {
				c.Children[i] = ce.Copy()
			} else {
				c.Children[i] = n
			}
		}
	}
	return c
}

// String serializes e with its namespace declared.
func (e *Element) String() string { return string(Append(nil, e, "")) }

// Renamespace returns e with the namespace from replaced by to on e and on
// the descendants that inherit it from e through elements in from (a
// stanza's <body/>, <error/>, ...). Stanzas move so between client and
// component streams (XEP-0114); a payload in its own namespace, and a
// stanza forwarded inside it that declares jabber:client, stay as they
// are. e is not changed; the subtrees left alone are shared.
func Renamespace(e *Element, from, to string) *Element {
	if e == nil || e.Space != from {
		return e
	}
	c := &Element{Space: to, Local: e.Local, Attrs: append([]Attr(nil), e.Attrs...)}
	if len(e.Children) > 0 {
		c.Children = make([]Node, len(e.Children))
		for i, n := range e.Children {
			if ce, ok := n.(*Element); ok {
				n = Renamespace(ce, from, to)
			}
			c.Children[i] = n
		}
	}
	return c
}
