package pb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The vectors in shared/turms-vectors were made by the reference Turms
// JavaScript client. Each .bin must decode to exactly the values of its
// .json (conventions in the vectors' README), and our encoding must decode
// back to the same values.

func vectorDir(t *testing.T) string {
	dir := filepath.Join("..", "..", "..", "..", "shared", "turms-vectors")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the Turms vectors are missing at %s", dir)
		}
		t.Skipf("the Turms vectors are not at %s (they come with the project's shared/ folder)", dir)
	}
	return dir
}

type vector struct {
	Kind        string          `json:"kind"`
	FieldNumber int             `json:"field_number"`
	Message     json.RawMessage `json:"message"`
}

func TestVectors(t *testing.T) {
	dir := vectorDir(t)
	var identical atomic.Int32
	bins, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	n := 0
	for _, bin := range bins {
		name := strings.TrimSuffix(filepath.Base(bin), ".bin")
		var msg proto.Message
		switch {
		case strings.HasPrefix(name, "req_"):
			msg = &TurmsRequest{}
		case strings.HasPrefix(name, "ntf_"):
			msg = &TurmsNotification{}
		default:
			continue // tcp_stream_example.bin is replayed by the adapter's tests
		}
		n++
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(bin)
			if err != nil {
				t.Fatal(err)
			}
			js, err := os.ReadFile(strings.TrimSuffix(bin, ".bin") + ".json")
			if err != nil {
				t.Fatal(err)
			}
			var v vector
			if err := json.Unmarshal(js, &v); err != nil {
				t.Fatal(err)
			}
			var want map[string]any
			dec := json.NewDecoder(bytes.NewReader(v.Message))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if err := proto.Unmarshal(raw, msg); err != nil {
				t.Fatalf("decoding: %v", err)
			}
			if len(msg.ProtoReflect().GetUnknown()) > 0 {
				t.Errorf("unknown fields left after decoding: our schema lacks a field")
			}
			var diffs []string
			compare(msg.ProtoReflect(), want, "", &diffs)
			for _, d := range diffs {
				t.Error(d)
			}
			if req, ok := msg.(*TurmsRequest); ok {
				fd := req.ProtoReflect().WhichOneof(req.ProtoReflect().Descriptor().Oneofs().ByName("kind"))
				if fd == nil || int(fd.Number()) != v.FieldNumber || string(fd.Name()) != v.Kind {
					t.Errorf("kind %v, want %s = %d", fd, v.Kind, v.FieldNumber)
				}
			}
			// Our encoding decodes back to the same values. (It is not always
			// the reference client's bytes: that encoder also writes empty
			// packed repeated fields, which Go's omits; both decode alike.)
			ours, err := proto.MarshalOptions{Deterministic: true}.Marshal(msg)
			if err != nil {
				t.Fatal(err)
			}
			again := msg.ProtoReflect().New().Interface()
			if err := proto.Unmarshal(ours, again); err != nil || !proto.Equal(again, msg) {
				t.Fatalf("re-encoded message does not decode to the same values (%v)", err)
			}
			if bytes.Equal(ours, raw) {
				identical.Add(1)
			}
		})
	}
	t.Logf("%d of %d vectors re-encode to the reference bytes exactly", identical.Load(), n)
	if n < 60 {
		t.Fatalf("only %d vectors found", n)
	}
}

// compare checks m against want (the vectors' JSON conventions) and appends
// a description of every difference to diffs.
func compare(m protoreflect.Message, want map[string]any, path string, diffs *[]string) {
	fields := m.Descriptor().Fields()
	seen := map[string]bool{}
	for i := range fields.Len() {
		fd := fields.Get(i)
		key := fd.JSONName()
		seen[key] = true
		p := path + "." + key
		w, present := want[key]
		switch {
		case fd.IsList():
			list := m.Get(fd).List()
			wl, _ := w.([]any)
			if present && w != nil && wl == nil {
				*diffs = append(*diffs, fmt.Sprintf("%s: want %v, a list in the schema", p, w))
				continue
			}
			if list.Len() != len(wl) {
				*diffs = append(*diffs, fmt.Sprintf("%s: %d elements, want %d", p, list.Len(), len(wl)))
				continue
			}
			for j := range wl {
				compareValue(fd, list.Get(j), wl[j], fmt.Sprintf("%s[%d]", p, j), diffs)
			}
		case fd.IsMap():
			mp := m.Get(fd).Map()
			wm, _ := w.(map[string]any)
			if mp.Len() != len(wm) {
				*diffs = append(*diffs, fmt.Sprintf("%s: %d entries, want %d", p, mp.Len(), len(wm)))
				continue
			}
			mp.Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
				ks := k.String()
				wv, ok := wm[ks]
				if !ok {
					*diffs = append(*diffs, fmt.Sprintf("%s[%s]: unexpected entry", p, ks))
					return true
				}
				compareValue(fd.MapValue(), v, wv, p+"["+ks+"]", diffs)
				return true
			})
		default:
			has := m.Has(fd)
			if !fd.HasPresence() {
				// Implicit presence: the reference client writes defaults
				// into the JSON that are not on the wire, and an absent
				// value is the default.
				if present {
					compareValue(fd, m.Get(fd), w, p, diffs)
				} else if has {
					*diffs = append(*diffs, fmt.Sprintf("%s: set to %v, absent in the JSON", p, m.Get(fd)))
				}
				continue
			}
			if has != present {
				*diffs = append(*diffs, fmt.Sprintf("%s: set on the wire %v, present in the JSON %v", p, has, present))
				continue
			}
			if has {
				compareValue(fd, m.Get(fd), w, p, diffs)
			}
		}
	}
	var extra []string
	for k := range want {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		*diffs = append(*diffs, fmt.Sprintf("%s.%s: in the JSON but not in our schema", path, k))
	}
}

func compareValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, w any, p string, diffs *[]string) {
	bad := func(got any) { *diffs = append(*diffs, fmt.Sprintf("%s: %v, want %v", p, got, w)) }
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		wm, ok := w.(map[string]any)
		if !ok {
			bad("a message")
			return
		}
		compare(v.Message(), wm, p, diffs)
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if s, ok := w.(string); !ok || s != strconv.FormatInt(v.Int(), 10) {
			bad(v.Int())
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if s, ok := w.(string); !ok || s != strconv.FormatUint(v.Uint(), 10) {
			bad(v.Uint())
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if n, ok := w.(json.Number); !ok || n.String() != strconv.FormatInt(v.Int(), 10) {
			bad(v.Int())
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if n, ok := w.(json.Number); !ok || n.String() != strconv.FormatUint(v.Uint(), 10) {
			bad(v.Uint())
		}
	case protoreflect.EnumKind:
		if n, ok := w.(json.Number); !ok || n.String() != strconv.Itoa(int(v.Enum())) {
			bad(v.Enum())
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		n, ok := w.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil || (fd.Kind() == protoreflect.FloatKind && float32(f) != float32(v.Float())) ||
			(fd.Kind() == protoreflect.DoubleKind && f != v.Float()) {
			bad(v.Float())
		}
	case protoreflect.BoolKind:
		if b, ok := w.(bool); !ok || b != v.Bool() {
			bad(v.Bool())
		}
	case protoreflect.StringKind:
		if s, ok := w.(string); !ok || s != v.String() {
			bad(v.String())
		}
	case protoreflect.BytesKind:
		wm, _ := w.(map[string]any)
		s, _ := wm["base64"].(string)
		if want, err := base64.StdEncoding.DecodeString(s); err != nil || !bytes.Equal(want, v.Bytes()) {
			bad(v.Bytes())
		}
	default:
		bad(fmt.Sprintf("unhandled kind %v", fd.Kind()))
	}
}
