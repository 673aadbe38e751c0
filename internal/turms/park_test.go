package turms_test

import (
	"testing"
	"time"

	"hermod/internal/turms/pb"
)

// waitParked waits until n connections are parked in the poller.
func (e *env) waitParked(n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.poller.Parked() != n {
		if time.Now().After(deadline) {
			e.t.Fatalf("%d connections parked, want %d", e.poller.Parked(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestIdleSessionsPark: idle TCP sessions wait in the poller with no
// reader; requests and heartbeats wake them, relayed messages reach them
// while parked, and one that goes away leaves the poller and the router.
func TestIdleSessionsPark(t *testing.T) {
	e := newEnv(t)
	e.addUser(1001, "Alice")
	e.addUser(1002, "Bob")
	alice := e.login(1001, false, pb.DeviceType_DESKTOP)
	bob := e.login(1002, false, pb.DeviceType_DESKTOP)
	ws := e.login(1002, true, pb.DeviceType_BROWSER) // WebSocket: never parked
	e.waitParked(2)

	mustCode(t, alice, codeOK, msgReq(1002, "to a parked session"))
	relayed(t, bob, isMessage("to a parked session"))
	relayed(t, ws, isMessage("to a parked session"))
	e.waitParked(2)

	if err := bob.Heartbeat(); err != nil {
		t.Fatal(err)
	}
	e.waitParked(2)
	mustCode(t, bob, codeOK, msgReq(1001, "from a woken session"))
	relayed(t, alice, isMessage("from a woken session"))
	e.waitParked(2)

	alice.Close()
	e.waitParked(1)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := mustCode(t, bob, codeOK, &pb.TurmsRequest{Kind: &pb.TurmsRequest_QueryUserOnlineStatusesRequest{
			QueryUserOnlineStatusesRequest: &pb.QueryUserOnlineStatusesRequest{UserIds: []int64{1001}}}})
		st := n.GetData().GetUserOnlineStatuses().GetStatuses()
		if len(st) == 1 && st[0].GetUserStatus() == pb.UserStatus_OFFLINE {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice still online: %v", st)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
