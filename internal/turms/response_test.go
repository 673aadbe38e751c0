package turms

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
)

// appendResponse writes what proto.Marshal writes for the same response.
func TestAppendResponseIsMarshal(t *testing.T) {
	long := func(v int64) *pb.TurmsNotification_Data {
		return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_Long{Long: v}}
	}
	for _, tc := range []struct {
		name      string
		timestamp int64
		requestID *int64
		code      int32
		reason    string
		data      *pb.TurmsNotification_Data
	}{
		{"ok, no data", 1764500000000, proto.Int64(7), 1000, "", nil},
		{"a message id", 1764500000000, proto.Int64(1<<40 + 3), 1000, "", long(1<<62 + 5)},
		{"long zero", 1764500000000, proto.Int64(1), 1000, "", long(0)},
		{"negative long", 1764500000000, proto.Int64(1), 1000, "", long(-9)},
		{"empty data", 1764500000000, proto.Int64(1), 1000, "", &pb.TurmsNotification_Data{}},
		{"refused with a reason", 1764500000000, proto.Int64(2), 5002, "blocked, ünïcode", nil},
		{"no request id", 1764500000000, nil, 1100, "The request ID must be greater than 0", nil},
		{"negative request id", 1764500000000, proto.Int64(-100), 1100, "", nil},
		{"negative code", 0, proto.Int64(3), -1, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &pb.TurmsNotification{Timestamp: tc.timestamp, RequestId: tc.requestID, Code: proto.Int32(tc.code), Data: tc.data}
			if tc.reason != "" {
				n.Reason = proto.String(tc.reason)
			}
			want, err := proto.MarshalOptions{Deterministic: true}.Marshal(n)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendResponse(nil, tc.timestamp, tc.requestID, tc.code, tc.reason, tc.data)
			if !ok || !bytes.Equal(got, want) {
				t.Fatalf("appendResponse = %x, %v\nproto.Marshal = %x", got, ok, want)
			}
		})
	}
	data := &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_String_{String_: "x"}}
	if _, ok := appendResponse(nil, 1, proto.Int64(1), 1000, "", data); ok {
		t.Fatal("other data is left to proto.Marshal")
	}
}

func BenchmarkResponse(b *testing.B) {
	data := &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_Long{Long: 1<<62 + 5}}
	id := proto.Int64(12345)
	b.Run("appendResponse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			appendResponse(make([]byte, 0, 48), 1764500000000, id, 1000, "", data)
		}
	})
	b.Run("proto.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			proto.Marshal(&pb.TurmsNotification{Timestamp: 1764500000000, RequestId: id, Code: proto.Int32(1000), Data: data})
		}
	})
}
