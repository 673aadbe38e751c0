package event

import (
	"errors"
	"fmt"

	"hermod/internal/store"
	"hermod/internal/wire"
)

// The wire form of an event, for the router to carry it to other nodes:
//
//	version   1 byte (wireVersion)
//	requester varint RequesterID, varint RequesterSession
//	payload   1 byte tag, then the payload's fields in declaration order
//	origin    string kind ("" for none), then the origin's codec's bytes
//	          up to the end
//
// Integers are zigzag varints, strings and byte slices are length-prefixed
// (package wire). The origin comes last so that its codec appends straight
// into the buffer, with no length to know beforehand.
//
// Any change to the layout (a field added to a payload or to a record in
// it, a tag reused) must bump wireVersion: the format is not
// self-describing, and nodes of different versions must refuse each
// other's events rather than misread them. Adding a payload type with a
// new tag needs no bump (old nodes refuse the tag).
const wireVersion byte = 1

// Errors of Marshal and Unmarshal, for errors.Is.
var (
	// ErrVersion: the event was encoded by a node of another version.
	ErrVersion = errors.New("event: encoded by an incompatible version")
	// ErrUnsupported: a payload or origin type that has no codec (Marshal),
	// or an unknown payload tag or origin kind (Unmarshal).
	ErrUnsupported = errors.New("event: no codec")
)

// Marshal encodes ev for another node. It fails for a payload or an
// origin of a type without a codec, rather than dropping it: a session
// that relays a request exactly needs its origin. The renders cache is not
// encoded.
func Marshal(ev *Event) ([]byte, error) {
	return MarshalAppend(make([]byte, 0, sizeHint(ev.Payload)), ev)
}

// MarshalAppend is Marshal appending to b, for a caller that reuses a
// buffer. On error it returns b as it was.
func MarshalAppend(b []byte, ev *Event) ([]byte, error) {
	start := len(b)
	b = append(b, wireVersion)
	b = wire.AppendInt(b, ev.RequesterID)
	b = wire.AppendInt(b, ev.RequesterSession)
	b, err := appendPayload(b, ev.Payload)
	if err == nil {
		b, err = appendOrigin(b, ev.Origin)
	}
	if err != nil {
		return b[:start], err
	}
	return b, nil
}

// Unmarshal decodes an event that Marshal encoded. It does not keep b.
// Malformed input of any kind is an error, never a panic.
func Unmarshal(b []byte) (*Event, error) {
	if len(b) == 0 {
		return nil, wire.ErrTruncated
	}
	if b[0] != wireVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrVersion, b[0], wireVersion)
	}
	r := wire.NewReader(b[1:])
	ev := &Event{RequesterID: r.Int(), RequesterSession: r.Int()}
	ev.Payload = readPayload(r)
	origin, err := readOrigin(r)
	if err != nil {
		return nil, err
	}
	ev.Origin = origin
	return ev, nil
}

// sizeHint guesses the encoded size of an event with payload p, so that
// Marshal allocates once for a message and its origin (which carries the
// text again).
func sizeHint(p any) int {
	var m *store.Message
	switch p := p.(type) {
	case *MessageCreated:
		m = &p.Message
	case *MessageUpdated:
		m = &p.Message
	case *ReactionsChanged:
		m = &p.Message
	default:
		return 128
	}
	n := len(m.Text) + len(m.Extensions) + len(m.ClientID)
	for _, r := range m.Records {
		n += len(r) + 2
	}
	return 192 + 2*n
}
