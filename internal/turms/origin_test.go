package turms

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"hermod/internal/domain/event"
	"hermod/internal/domain/event/eventtest"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

// origins are Turms requests as the handlers relay them.
func origins() map[string]*pb.TurmsRequest {
	withUnknown := &pb.TurmsRequest{RequestId: proto.Int64(9), Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{
		UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{ToId: 1002},
	}}
	// A field of a newer client, which a relay passes on.
	withUnknown.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 999, protowire.VarintType), 7))
	return map[string]*pb.TurmsRequest{
		"create message": {RequestId: proto.Int64(17), Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			MessageId: proto.Int64(7_340_032_987_654_321), RecipientId: proto.Int64(1002), Text: proto.String("héllo <&>"),
			Records: [][]byte{{1, 2}, {}}, DeliveryDate: proto.Int64(1_760_000_000_000),
		}}},
		"recall message": {RequestId: proto.Int64(18), Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: &pb.UpdateMessageRequest{
			MessageId: 5, RecallDate: proto.Int64(1_760_000_000_001),
			CustomAttributes: []*pb.Value{{Kind: &pb.Value_StringValue{StringValue: "x"}}, {Kind: &pb.Value_BoolValue{BoolValue: true}}},
		}}},
		"add group members": {RequestId: proto.Int64(19), Kind: &pb.TurmsRequest_CreateGroupMembersRequest{CreateGroupMembersRequest: &pb.CreateGroupMembersRequest{
			GroupId: 42, UserIds: []int64{1, 2, 3}, Role: pb.GroupMemberRole_MANAGER.Enum(),
		}}},
		"online status": {Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{
			UserStatus: pb.UserStatus_BUSY, DeviceTypes: []pb.DeviceType{pb.DeviceType_ANDROID},
		}}},
		"a field unknown here": withUnknown,
		"empty":                {},
	}
}

func TestOriginRoundTrip(t *testing.T) {
	for name, req := range origins() {
		t.Run(name, func(t *testing.T) {
			b, err := event.Marshal(&event.Event{Payload: &event.Relayed{FromID: 1, ToID: 2}, Origin: req})
			if err != nil {
				t.Fatal(err)
			}
			ev, err := event.Unmarshal(b)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := ev.Origin.(*pb.TurmsRequest)
			if !ok {
				t.Fatalf("origin %T", ev.Origin)
			}
			if d := cmp.Diff(req, got, protocmp.Transform()); d != "" {
				t.Errorf("(-sent +received):\n%s", d)
			}
			if !bytes.Equal(got.ProtoReflect().GetUnknown(), req.ProtoReflect().GetUnknown()) {
				t.Error("unknown fields lost")
			}
		})
	}
}

// TestRenderAfterRoundTrip: every kind of event, with and without a
// Turms origin, renders for a Turms session on another node as it does
// here.
func TestRenderAfterRoundTrip(t *testing.T) {
	s := &Server{log: slog.New(slog.DiscardHandler)}
	rebuilt := 0 // events without an origin that Turms clients are told of
	for _, p := range eventtest.Payloads() {
		for name, origin := range origins() {
			for _, withOrigin := range []bool{false, true} {
				if !withOrigin && name != "empty" {
					continue // one run without an origin is enough
				}
				t.Run(eventtest.Name(p)+"/"+name, func(t *testing.T) {
					ev := &event.Event{RequesterID: 1001, RequesterSession: 3, Payload: eventtest.New(t, p, eventtest.Full)}
					if withOrigin {
						ev.Origin = origin
					}
					b, err := event.Marshal(ev)
					if err != nil {
						t.Fatal(err)
					}
					got, err := event.Unmarshal(b)
					if err != nil {
						t.Fatal(err)
					}
					want, have := withoutTimestamp(t, s.renderEvent(ev)), withoutTimestamp(t, s.renderEvent(got))
					if !bytes.Equal(want, have) {
						t.Errorf("rendered differently:\n here  %x\n there %x", want, have)
					}
					if !withOrigin && want != nil {
						rebuilt++
					}
				})
			}
		}
	}
	if rebuilt < len(eventtest.Payloads())/2 {
		t.Errorf("only %d kinds of event rendered: the test compares little", rebuilt)
	}
}

// withoutTimestamp is a rendered notification without its timestamp, the
// time it was rendered.
func withoutTimestamp(t *testing.T, b []byte) []byte {
	t.Helper()
	if b == nil {
		return nil
	}
	var n pb.TurmsNotification
	if err := proto.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	n.Timestamp = 0
	out, err := proto.MarshalOptions{Deterministic: true}.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// BenchmarkEventMarshal and BenchmarkEventUnmarshal: a private message
// with its Turms origin, as the cluster router publishes it.
func BenchmarkEventMarshal(b *testing.B) {
	ev := benchMessageEvent()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := event.Marshal(ev); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEventUnmarshal(b *testing.B) {
	buf, err := event.Marshal(benchMessageEvent())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := event.Unmarshal(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(buf)), "bytes/event") // after the loop, which resets metrics
}

func benchMessageEvent() *event.Event {
	m := store.Message{
		ID: 7_340_032_987_654_321, SenderID: 1001, RecipientID: 1002,
		Text: "Hello, how are you doing today? Lunch at noon?", DeliveryDate: 1_760_000_000_000,
	}
	return &event.Event{
		RequesterID: 1001, RequesterSession: 7_340_032_123_456_789,
		Payload: &event.MessageCreated{Message: m},
		Origin: &pb.TurmsRequest{RequestId: proto.Int64(17), Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			MessageId: proto.Int64(m.ID), RecipientId: proto.Int64(m.RecipientID), Text: proto.String(m.Text),
			DeliveryDate: proto.Int64(m.DeliveryDate),
		}}},
	}
}

// TestEveryOriginHasACodec: each type the renderers take an origin to be
// is one this test knows, and it encodes.
func TestEveryOriginHasACodec(t *testing.T) {
	known := map[string]any{"*pb.TurmsRequest": origins()["create message"]}
	types := eventtest.OriginTypes(t, ".")
	if len(types) == 0 {
		t.Fatal("found no origin type assertions")
	}
	for _, typ := range types {
		o, ok := known[typ]
		if !ok {
			t.Errorf("origin type %s: register its codec (origin.go) and add it to this test", typ)
			continue
		}
		if _, err := event.Marshal(&event.Event{Payload: &event.Relayed{}, Origin: o}); err != nil {
			t.Errorf("origin type %s: %v", typ, err)
		}
	}
}
