package turms_test

import (
	"syscall"
	"testing"
	"time"

	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

// BenchmarkSendMessage measures the whole send path over a real TCP socket:
// decode, authorize, store durably (fsync), respond, and relay to the
// online recipient.
func BenchmarkSendMessage(b *testing.B) {
	alice := chatPair(b)
	req := msgReq(1002, "hello, how are you today?")
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		n, err := alice.Send(req)
		if err != nil || n.GetCode() != codeOK {
			b.Fatalf("send: %v %v", n, err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
}

// BenchmarkSendPipelined is BenchmarkSendMessage with the client sending
// 8 messages in one write before reading the responses, as a busy client
// does: the server starts them together (pipeline.go), so they share a
// commit and a write of their responses. One op is one message.
func BenchmarkSendPipelined(b *testing.B) {
	alice := chatPair(b)
	const burst = 8
	reqs := make([]*pb.TurmsRequest, burst)
	for i := range reqs {
		reqs[i] = msgReq(1002, "hello, how are you today?")
	}
	b.ReportAllocs()
	cpu := cpuTime()
	n := 0
	for b.Loop() {
		if n%burst == 0 {
			ns, err := alice.Pipeline(reqs...)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range ns {
				if r.GetCode() != codeOK {
					b.Fatalf("send: %v", r)
				}
			}
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Microsecond)/float64(b.N), "cpu-us/op")
}

// chatPair logs in Alice and Bob, without a request limit, and returns
// Alice's session; Bob reads what he is sent, as a live client does.
func chatPair(b *testing.B) *turmstest.Client {
	e := newEnv(b, func(o *envOptions) { o.turms.RequestsPerSecond = 0 })
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	go func() {
		for {
			select {
			case <-bob.Pushes:
			case <-bob.Closed:
				return
			}
		}
	}()
	return alice
}

// cpuTime is the process's CPU time, user and system: on a shared machine
// a steadier measure of a change than the time per operation.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
