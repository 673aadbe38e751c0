package turms

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
)

func TestFrameRoundTrip(t *testing.T) {
	payloads := [][]byte{{}, []byte("x"), bytes.Repeat([]byte{7}, 127), bytes.Repeat([]byte{8}, 128), bytes.Repeat([]byte{9}, 16<<10)}
	var stream []byte
	for _, p := range payloads {
		stream = appendFrame(stream, p)
	}
	fr := frameReader{r: bufio.NewReader(bytes.NewReader(stream)), max: 16 << 10}
	for i, want := range payloads {
		got, err := fr.readFrame()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, want %d", i, len(got), len(want))
		}
	}
	if _, err := fr.readFrame(); err != io.EOF {
		t.Fatalf("after the last frame: %v, want EOF", err)
	}
}

func TestFrameErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input []byte
		want  error
	}{
		{"too large", binary.AppendUvarint(nil, 16<<10+1), errFrameTooLarge},
		{"over 32 bits", binary.AppendUvarint(nil, 1<<33), errBadLength},
		{"six-byte varint", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, errBadLength},
		{"truncated length", []byte{0x80}, io.ErrUnexpectedEOF},
		{"truncated payload", []byte{5, 1, 2}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fr := frameReader{r: bufio.NewReader(bytes.NewReader(tc.input)), max: 16 << 10}
			if _, err := fr.readFrame(); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzFrameAndRequest feeds arbitrary bytes to the TCP frame reader and the
// request decoder: they must return errors, never panic or over-allocate.
func FuzzFrameAndRequest(f *testing.F) {
	req, _ := proto.Marshal(&pb.TurmsRequest{RequestId: proto.Int64(1), Kind: &pb.TurmsRequest_CreateMessageRequest{
		CreateMessageRequest: &pb.CreateMessageRequest{RecipientId: proto.Int64(2), Text: proto.String("hi")}}})
	f.Add(appendFrame(nil, req))
	f.Add(appendFrame(appendFrame(nil, nil), req))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := frameReader{r: bufio.NewReader(bytes.NewReader(data)), max: 1024}
		for {
			b, err := fr.readFrame()
			if err != nil {
				return
			}
			if len(b) > 1024 {
				t.Fatalf("frame of %d bytes passed a 1024-byte limit", len(b))
			}
			var r pb.TurmsRequest
			_ = proto.Unmarshal(b, &r)
		}
	})
}

func BenchmarkFrameDecode(b *testing.B) {
	req, _ := proto.Marshal(&pb.TurmsRequest{RequestId: proto.Int64(123456789), Kind: &pb.TurmsRequest_CreateMessageRequest{
		CreateMessageRequest: &pb.CreateMessageRequest{RecipientId: proto.Int64(1002), Text: proto.String("hello, how are you today?")}}})
	var stream []byte
	for range 1000 {
		stream = appendFrame(stream, req)
	}
	rd := bytes.NewReader(stream)
	fr := frameReader{r: bufio.NewReader(rd), max: 16 << 10}
	var msg pb.TurmsRequest
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for i := 0; b.Loop(); i++ {
		if i%1000 == 0 {
			rd.Reset(stream)
			fr.r.Reset(rd)
		}
		f, err := fr.readFrame()
		if err != nil {
			b.Fatal(err)
		}
		if err := proto.Unmarshal(f, &msg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFrameEncode(b *testing.B) {
	n := &pb.TurmsNotification{Timestamp: 1767225600000, RequesterId: proto.Int64(1001), RelayedRequest: &pb.TurmsRequest{
		RequestId: proto.Int64(14), Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: &pb.CreateMessageRequest{
			MessageId: proto.Int64(7340032000000001), RecipientId: proto.Int64(1002), DeliveryDate: proto.Int64(1767225600000),
			Text: proto.String("hello, how are you today?")}}}}
	var buf, frame []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, err = proto.MarshalOptions{}.MarshalAppend(buf[:0], n)
		if err != nil {
			b.Fatal(err)
		}
		frame = appendFrame(frame[:0], buf)
	}
	b.SetBytes(int64(len(frame)))
}
