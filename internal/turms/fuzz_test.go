package turms_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// FuzzSessionRequests sends arbitrary messages to a logged-in session of a
// live server. Whatever the input, the server must either answer or close
// that one connection with a close notification, and go on serving.
func FuzzSessionRequests(f *testing.F) {
	if bins, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "turms-vectors", "req_*.bin")); len(bins) > 0 {
		for _, bin := range bins {
			if b, err := os.ReadFile(bin); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(mustMarshalF(&pb.TurmsRequest{RequestId: proto.Int64(1), Kind: &pb.TurmsRequest_CreateMessageRequest{
		CreateMessageRequest: &pb.CreateMessageRequest{RecipientId: proto.Int64(1002), Text: proto.String("hi")}}}))
	f.Add([]byte{0x08, 0x01, 0x42, 0x00})
	e := newEnv(f, func(o *envOptions) { o.turms.RequestsPerSecond, o.turms.IPRequestsPerSecond = 0, 0 })
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	var c *turmstest.Client
	f.Cleanup(func() {
		if c != nil {
			c.Close()
		}
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		if c == nil {
			// An input may have changed the password (UpdateUserRequest).
			if err := e.users.SetPassword(context.Background(), 1001, pwOf(1001)); err != nil {
				t.Fatal(err)
			}
			var err error
			if c, err = turmstest.DialTCP(e.tcp); err != nil {
				t.Fatal(err)
			}
			if code, err := c.Login(1001, pwOf(1001), pb.DeviceType_DESKTOP); err != nil || code != codeOK {
				t.Fatalf("login: %d %v", code, err)
			}
		}
		if err := c.WriteRaw(data); err != nil {
			t.Fatal(err)
		}
		probe := &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{
			QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{UserIds: []int64{1001}}}}
		n, err := c.Send(probe)
		if err == nil {
			if n.GetCode() != codeOK && n.GetCode() != codeNoSession {
				t.Fatalf("probe after %x: code %d", data, n.GetCode())
			}
			return
		}
		// The input closed the session: it must have said why.
		ntf, werr := c.WaitClosed()
		if werr != nil || ntf == nil || ntf.CloseStatus == nil {
			t.Fatalf("after %x the connection ended without a close notification: %v %v (%v)", data, ntf, werr, err)
		}
		c.Close()
		c = nil
	})
}

func mustMarshalF(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}
