package xmpp

import (
	"errors"

	"hermod/internal/domain/event"
	"hermod/internal/wire"
	"hermod/internal/xmpp/xmlstream"
)

// The XMPP origins of events, encoded for events that cross nodes: a
// stanza on its way between sessions travels as its XML (with its
// namespace declared, as o.bytes() writes it) and is parsed back by the
// stream's own parser; a PEP notice travels field by field.
func init() {
	event.RegisterOrigin("xmpp-stanza", appendStanzaOrigin, decodeStanzaOrigin)
	event.RegisterOrigin("xmpp-pep", appendPEPNotice, decodePEPNotice)
}

// originLimits bound a stanza parsed back from another node. The node that
// sent it parsed it under its own limits (which configuration may raise),
// so these only keep damaged input from nesting without end; the size is
// bounded by the transport.
var originLimits = xmlstream.Limits{MaxDepth: 1024}

var (
	errNoStanza = errors.New("xmpp: a stanza origin without a stanza")
	errBadFlags = errors.New("xmpp: unknown stanza origin flags")
)

const flagNoCopy = 1

// A stanza origin: flags (noCopy), toResource, then the stanza's XML up to
// the end.
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
	return xmlstream.Append(b, o.el, ""), nil
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
	rest := r.Rest()
	lim := originLimits
	lim.MaxStanzaBytes = len(rest)
	el, err := xmlstream.Parse(rest, lim)
	if err != nil {
		return nil, err
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
