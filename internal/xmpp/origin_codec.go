package xmpp

import (
	"errors"

	"hermod/internal/domain/event"
	"hermod/internal/wire"
	"hermod/internal/xmpp/xmlstream"
)

// The XMPP origins of events, encoded for events that cross nodes: a
// stanza on its way between sessions travels as its element tree in
// xmlstream's binary form, which every receiving node reads back in a
// microsecond or two (its XML, parsed again by encoding/xml, cost tens);
// a PEP notice travels field by field.
//
// The kind names the encoding: a stanza travelled as XML under
// "xmpp-stanza" before, which no node reads any more. A node of that
// version refuses "xmpp-stanza-tree" as an unknown kind, as this one
// refuses "xmpp-stanza", instead of misreading it; the envelope's version
// stays (a new kind is like a new payload tag).
func init() {
	event.RegisterOrigin("xmpp-stanza-tree", appendStanzaOrigin, decodeStanzaOrigin)
	event.RegisterOrigin("xmpp-pep", appendPEPNotice, decodePEPNotice)
}

// originMaxDepth bounds the nesting of a stanza read back from another
// node. The node that sent it parsed it under its own limits (which
// configuration may raise), so this only keeps damaged input from nesting
// without end; the size is bounded by the transport.
const originMaxDepth = 1024

var (
	errNoStanza = errors.New("xmpp: a stanza origin without a stanza")
	errBadFlags = errors.New("xmpp: unknown stanza origin flags")
)

const flagNoCopy = 1

// A stanza origin: flags (noCopy), toResource, then the stanza's tree
// (xmlstream.AppendBinary), which ends the input.
func appendStanzaOrigin(b []byte, o *stanzaOrigin) ([]byte, error) {
	if o.el == nil {
		return b, errNoStanza
	}
	var flags byte
	if o.noCopy {
		flags |= flagNoCopy
	}
	b = append(b, flags)
	b = wire.AppendString(b, o.toResource)
	return xmlstream.AppendBinary(b, o.el), nil
}

func decodeStanzaOrigin(b []byte) (*stanzaOrigin, error) {
	r := wire.NewReader(b)
	flags := r.Byte()
	o := &stanzaOrigin{noCopy: flags&flagNoCopy != 0, toResource: r.Str()}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if flags&^flagNoCopy != 0 {
		return nil, errBadFlags
	}
	el, rest, err := xmlstream.DecodeBinary(r.Rest(), originMaxDepth)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, wire.ErrTrailing
	}
	o.el = el
	return o, nil
}

// A PEP notice: its fields in declaration order.
func appendPEPNotice(b []byte, n *pepNotice) ([]byte, error) {
	b = wire.AppendInt(b, n.owner)
	b = wire.AppendString(b, n.node)
	b = wire.AppendString(b, n.access)
	b = wire.AppendLen(b, len(n.items), n.items == nil)
	for _, it := range n.items {
		b = wire.AppendString(b, it.id)
		b = wire.AppendBytes(b, it.payload)
	}
	b = wire.AppendLen(b, len(n.retracted), n.retracted == nil)
	for _, id := range n.retracted {
		b = wire.AppendString(b, id)
	}
	b = wire.AppendBool(b, n.deleted)
	return wire.AppendBool(b, n.purged), nil
}

func decodePEPNotice(b []byte) (*pepNotice, error) {
	r := wire.NewReader(b)
	n := &pepNotice{owner: r.Int(), node: r.Str(), access: r.Str()}
	if k, isNil := r.Len(2); !isNil { // an id and a payload, a byte each at least
		n.items = make([]pepItem, k)
		for i := range n.items {
			n.items[i] = pepItem{id: r.Str(), payload: r.Bytes()}
		}
	}
	if k, isNil := r.Len(1); !isNil {
		n.retracted = make([]string, k)
		for i := range n.retracted {
			n.retracted[i] = r.Str()
		}
	}
	n.deleted, n.purged = r.Bool(), r.Bool()
	if err := r.Done(); err != nil {
		return nil, err
	}
	return n, nil
}
