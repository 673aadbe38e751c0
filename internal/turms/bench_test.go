package turms_test

import (
	"testing"

	"hermod/internal/turms/pb"
)

// BenchmarkSendMessage measures the whole send path over a real TCP socket:
// decode, authorize, store durably (fsync), respond, and relay to the
// online recipient.
func BenchmarkSendMessage(b *testing.B) {
	e := newEnv(b, func(o *envOptions) { o.turms.RequestsPerSecond = 0 })
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	go func() { // Bob reads what he is sent, as a live client does
		for {
			select {
			case <-bob.Pushes:
			case <-bob.Closed:
				return
			}
		}
	}()
	req := msgReq(1002, "hello, how are you today?")
	b.ReportAllocs()
	for b.Loop() {
		n, err := alice.Send(req)
		if err != nil || n.GetCode() != codeOK {
			b.Fatalf("send: %v %v", n, err)
		}
	}
}
