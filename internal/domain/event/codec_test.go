package event_test

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"hermod/internal/domain/event"
	"hermod/internal/domain/event/eventtest"
	"hermod/internal/store"
	"hermod/internal/wire"
)

var payloads = eventtest.Payloads()

// notOnTheWire are the fields the codec leaves out on purpose.
var notOnTheWire = cmpopts.IgnoreFields(store.User{}, "Credentials")

// testOrigin stands for an adapter's origin; its codec is strict, so that
// a truncated event fails in it too.
type testOrigin struct {
	ID   int64
	Note string
}

// failingOrigin's codec always fails to encode.
type failingOrigin struct{}

// unregisteredOrigin has no codec.
type unregisteredOrigin struct{}

var errFailing = errors.New("cannot encode")

func init() {
	event.RegisterOrigin("test", func(b []byte, o *testOrigin) ([]byte, error) {
		return wire.AppendString(wire.AppendInt(b, o.ID), o.Note), nil
	}, func(b []byte) (*testOrigin, error) {
		r := wire.NewReader(b)
		o := &testOrigin{ID: r.Int(), Note: r.Str()}
		return o, r.Done()
	})
	event.RegisterOrigin("failing", func(b []byte, o failingOrigin) ([]byte, error) {
		return append(b, "junk"...), errFailing
	}, func(b []byte) (failingOrigin, error) { return failingOrigin{}, nil })
}

func typeName(p any) string { return eventtest.Name(p) }

var modes = []struct {
	name string
	fill eventtest.Fill
}{{"full", eventtest.Full}, {"zero", eventtest.Zero}, {"empty lists", eventtest.EmptyLists}}

// TestRoundTrip encodes and decodes every payload type with every field
// set (and zero, and with empty but non-nil lists, which differ from nil),
// with and without an origin.
func TestRoundTrip(t *testing.T) {
	for _, p := range payloads {
		for _, mode := range modes {
			t.Run(typeName(p)+"/"+mode.name, func(t *testing.T) {
				ev := &event.Event{Payload: eventtest.New(t, p, mode.fill)}
				if mode.fill == eventtest.Full {
					ev.RequesterID, ev.RequesterSession = 1<<62+3, -7
					ev.Origin = &testOrigin{ID: 42, Note: "why"}
				}
				b, err := event.Marshal(ev)
				if err != nil {
					t.Fatal(err)
				}
				got, err := event.Unmarshal(b)
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(ev, got, cmpopts.IgnoreUnexported(event.Event{}), notOnTheWire); d != "" {
					t.Errorf("round trip (-sent +received):\n%s", d)
				}
				if u, ok := got.Payload.(*event.UserInfoUpdated); ok && !reflect.ValueOf(u.User.Credentials).IsZero() {
					t.Error("a user's credentials crossed the wire")
				}
				again, err := event.Marshal(got)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, again) {
					t.Error("the decoded event encodes differently")
				}
			})
		}
	}
}

// TestEveryPayloadTypeIsListed fails when a payload type is added to the
// package but not to eventtest.Payloads, and so not to TestRoundTrip (which
// fails until the codec handles it).
func TestEveryPayloadTypeIsListed(t *testing.T) {
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	fset := token.NewFileSet()
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if _, isStruct := ts.Type.(*ast.StructType); isStruct && ts.Name.IsExported() && ts.Name.Name != "Event" {
				declared = append(declared, ts.Name.Name)
			}
			return false
		})
	}
	var listed []string
	for _, p := range payloads {
		listed = append(listed, typeName(p))
	}
	slices.Sort(declared)
	slices.Sort(listed)
	if len(declared) < 20 {
		t.Fatalf("found only %d payload types in the package's files: %v", len(declared), declared)
	}
	if d := cmp.Diff(declared, listed); d != "" {
		t.Errorf("payload types (-declared +listed in the test); add new ones to eventtest.Payloads and to the codec (codec_payload.go):\n%s", d)
	}
}

func TestMarshalRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		ev   *event.Event
		want error
	}{
		{"no payload", &event.Event{}, event.ErrUnsupported},
		{"a payload that is not a pointer", &event.Event{Payload: event.Relayed{}}, event.ErrUnsupported},
		{"a payload of another package", &event.Event{Payload: &store.Message{}}, event.ErrUnsupported},
		{"an origin without a codec", &event.Event{Payload: &event.Relayed{}, Origin: &unregisteredOrigin{}}, event.ErrUnsupported},
		{"an origin of the wrong pointerness", &event.Event{Payload: &event.Relayed{}, Origin: testOrigin{}}, event.ErrUnsupported},
		{"an origin that fails", &event.Event{Payload: &event.Relayed{}, Origin: failingOrigin{}}, errFailing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := []byte("kept")
			b, err := event.MarshalAppend(buf, tc.ev)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if string(b) != "kept" {
				t.Errorf("MarshalAppend left %q", b)
			}
		})
	}
}

func TestUnmarshalRefuses(t *testing.T) {
	good, err := event.Marshal(&event.Event{RequesterID: 1, Payload: &event.Relayed{FromID: 1, ToID: 2}})
	if err != nil {
		t.Fatal(err)
	}
	withKind := func(kind string) []byte {
		return wire.AppendString(good[:len(good)-1:len(good)-1], kind)
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"nothing", nil, wire.ErrTruncated},
		{"another version", append([]byte{2}, good[1:]...), event.ErrVersion},
		{"version zero", append([]byte{0}, good[1:]...), event.ErrVersion},
		{"an unknown payload tag", []byte{1, 2, 0, 200}, event.ErrUnsupported},
		{"payload tag zero", []byte{1, 2, 0, 0}, event.ErrUnsupported},
		{"an unknown origin kind", withKind("nats"), event.ErrUnsupported},
		{"trailing bytes", append(slices.Clip(good), 0), wire.ErrTrailing},
		{"a bad bool", []byte{1, 2, 0, 3, 2, 4, 7, 0}, wire.ErrBadBool},
		{"an int32 out of range", append([]byte{1, 2, 0, 10, 2}, binary64(math.MaxInt32+1)...), wire.ErrOverflow},
		{"a list longer than the input", []byte{1, 2, 0, 18, 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 1}, wire.ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := event.Unmarshal(tc.b)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if ev != nil {
				t.Errorf("returned an event with the error: %+v", ev)
			}
		})
	}
}

func binary64(v int64) []byte { return wire.AppendInt(nil, v) }

// TestUnmarshalTruncated: every strict prefix of an event is refused.
func TestUnmarshalTruncated(t *testing.T) {
	for _, p := range payloads {
		b, err := event.Marshal(&event.Event{RequesterID: 9, Payload: eventtest.New(t, p, eventtest.Full), Origin: &testOrigin{ID: 1, Note: "n"}})
		if err != nil {
			t.Fatal(err)
		}
		for i := range len(b) {
			if _, err := event.Unmarshal(b[:i]); err == nil {
				t.Errorf("%s: %d of %d bytes decoded", typeName(p), i, len(b))
			}
		}
	}
}

// TestUnmarshalKeepsNothing: the decoded event does not alias the input,
// which the router's transport may reuse.
func TestUnmarshalKeepsNothing(t *testing.T) {
	ev := &event.Event{Payload: eventtest.New(t, &event.MessageCreated{}, eventtest.Full)}
	b, err := event.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	got, err := event.Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	if d := cmp.Diff(ev, got, cmpopts.IgnoreUnexported(event.Event{})); d != "" {
		t.Errorf("the event changed with its input (-want +got):\n%s", d)
	}
}

func TestRegisterOriginPanics(t *testing.T) {
	type fresh struct{}
	enc := func(b []byte, _ fresh) ([]byte, error) { return b, nil }
	dec := func([]byte) (fresh, error) { return fresh{}, nil }
	for _, tc := range []struct {
		name string
		reg  func()
	}{
		{"an empty kind", func() { event.RegisterOrigin("", enc, dec) }},
		{"a long kind", func() { event.RegisterOrigin(strings.Repeat("k", 65), enc, dec) }},
		{"a kind twice", func() { event.RegisterOrigin("test", enc, dec) }},
		{"a type twice", func() {
			event.RegisterOrigin("test-again", func(b []byte, _ *testOrigin) ([]byte, error) { return b, nil },
				func([]byte) (*testOrigin, error) { return nil, nil })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.reg()
		})
	}
	// None of them registered anything.
	if _, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: fresh{}}); !errors.Is(err, event.ErrUnsupported) {
		t.Errorf("fresh has a codec: %v", err)
	}
}

// FuzzUnmarshal: no input makes Unmarshal panic, and what it accepts
// encodes again to an event that decodes the same.
func FuzzUnmarshal(f *testing.F) {
	for _, p := range payloads {
		for _, mode := range modes {
			ev := &event.Event{RequesterID: 5, RequesterSession: 6, Payload: eventtest.New(f, p, mode.fill)}
			if mode.fill == eventtest.Full {
				ev.Origin = &testOrigin{ID: 3, Note: "x"}
			}
			b, err := event.Marshal(ev)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := event.Unmarshal(b)
		if err != nil {
			if ev != nil {
				t.Fatal("an event with an error")
			}
			return
		}
		again, err := event.Marshal(ev)
		if err != nil {
			t.Fatalf("a decoded event does not encode: %v", err)
		}
		ev2, err := event.Unmarshal(again)
		if err != nil {
			t.Fatalf("a re-encoded event does not decode: %v", err)
		}
		if d := cmp.Diff(ev, ev2, cmpopts.IgnoreUnexported(event.Event{})); d != "" {
			t.Fatalf("decoded differently after re-encoding:\n%s", d)
		}
	})
}

// BenchmarkMarshal and BenchmarkUnmarshal: a chat message without an
// origin (internal/turms benchmarks one with its Turms origin).
func BenchmarkMarshal(b *testing.B) {
	ev := benchEvent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := event.Marshal(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	buf, err := event.Marshal(benchEvent())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := event.Unmarshal(buf); err != nil {
			b.Fatal(err)
		}
	}
}

func benchEvent() *event.Event {
	return &event.Event{
		RequesterID: 1001, RequesterSession: 7_340_032_123_456_789,
		Payload: &event.MessageCreated{Message: store.Message{
			ID: 7_340_032_987_654_321, SenderID: 1001, RecipientID: 1002,
			Text: "Hello, how are you doing today? Lunch at noon?", DeliveryDate: 1_760_000_000_000,
		}},
	}
}
