package event

import (
	"fmt"
	"maps"
	"reflect"
	"sync"
	"sync/atomic"

	"hermod/internal/wire"
)

// Origins belong to the protocol adapters, which the domain must not
// import, so each adapter registers a codec for the origin types it puts
// in events, from an init function. An event whose origin has no codec
// fails to marshal: a session relays a request of its own protocol exactly,
// which it could not do from an event whose origin was silently dropped.

// originCodec is one registered origin type.
type originCodec struct {
	kind   string
	append func(b []byte, origin any) ([]byte, error)
	decode func(b []byte) (any, error)
}

// origins is the registry, replaced whole on each registration (all of
// which happen at start-up) so that Marshal and Unmarshal read it without
// a lock.
type originRegistry struct {
	byType map[reflect.Type]*originCodec
	byKind map[string]*originCodec
}

var (
	origins    atomic.Pointer[originRegistry]
	registerMu sync.Mutex
)

// RegisterOrigin registers the codec of the origin type T under kind, the
// name that travels with each encoded origin. appendTo appends an origin's
// encoding to b; decode reads it back from b, which holds exactly what
// appendTo appended and must not be kept (copy what you keep). It is safe
// to call from init functions and concurrently. It panics on an empty kind
// or one longer than 64 bytes, and on a kind or a type registered twice:
// those are programming errors.
func RegisterOrigin[T any](kind string, appendTo func(b []byte, origin T) ([]byte, error), decode func(b []byte) (T, error)) {
	if kind == "" || len(kind) > 64 {
		panic(fmt.Sprintf("event: origin kind %q must be 1 to 64 bytes", kind))
	}
	typ := reflect.TypeFor[T]()
	c := &originCodec{
		kind:   kind,
		append: func(b []byte, o any) ([]byte, error) { return appendTo(b, o.(T)) },
		decode: func(b []byte) (any, error) { return decode(b) },
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	next := &originRegistry{byType: map[reflect.Type]*originCodec{}, byKind: map[string]*originCodec{}}
	if cur := origins.Load(); cur != nil {
		maps.Copy(next.byType, cur.byType)
		maps.Copy(next.byKind, cur.byKind)
	}
	if _, dup := next.byKind[kind]; dup {
		panic("event: origin kind " + kind + " registered twice")
	}
	if _, dup := next.byType[typ]; dup {
		panic("event: origin type " + typ.String() + " registered twice")
	}
	next.byType[typ], next.byKind[kind] = c, c
	origins.Store(next)
}

// appendOrigin appends the origin's kind and encoding, or an empty kind for
// no origin.
func appendOrigin(b []byte, origin any) ([]byte, error) {
	if origin == nil {
		return wire.AppendString(b, ""), nil
	}
	var c *originCodec
	if reg := origins.Load(); reg != nil {
		c = reg.byType[reflect.TypeOf(origin)]
	}
	if c == nil {
		return b, fmt.Errorf("%w for origin %T", ErrUnsupported, origin)
	}
	b = wire.AppendString(b, c.kind)
	b, err := c.append(b, origin)
	if err != nil {
		return b, fmt.Errorf("event: encoding origin %s: %w", c.kind, err)
	}
	return b, nil
}

// readOrigin reads what appendOrigin wrote, up to the end of the input.
func readOrigin(r *wire.Reader) (any, error) {
	kind := r.StrView()
	if err := r.Err(); err != nil {
		return nil, err
	}
	if len(kind) == 0 {
		return nil, r.Done()
	}
	var c *originCodec
	if reg := origins.Load(); reg != nil {
		c = reg.byKind[string(kind)]
	}
	if c == nil {
		return nil, fmt.Errorf("%w for origin kind %q", ErrUnsupported, kind)
	}
	o, err := c.decode(r.Rest())
	if err != nil {
		return nil, fmt.Errorf("event: decoding origin %s: %w", c.kind, err)
	}
	return o, nil
}
