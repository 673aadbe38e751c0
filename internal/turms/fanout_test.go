package turms_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"hermod/internal/credential"
	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
	"hermod/internal/turms/turmstest"
)

const (
	fanMembers = 2000
	fanOnline  = 200
	fanOwner   = int64(100000)
	sharedPW   = "shared-secret"
)

// bigGroup makes fanMembers users (sharing one password, derived once, to
// keep the set-up fast) and a group of all of them, owned by fanOwner, of
// a type that holds them. It returns the group id and the owner's session.
func bigGroup(tb testing.TB, e *env) (int64, *turmstest.Client) {
	tb.Helper()
	creds, err := credential.Derive(sharedPW, credential.MinIterations)
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	for i := range int64(fanMembers) {
		u := &store.User{ID: fanOwner + i, Name: "m", Active: true, RegistrationDate: 1, LastUpdatedDate: 1, Credentials: creds}
		if err := e.store.Users().Create(ctx, u); err != nil {
			tb.Fatal(err)
		}
	}
	gt := group.DefaultType()
	gt.ID, gt.Name, gt.SizeLimit, gt.InvitationStrategy = 50, "large", 5000, group.InviteOwnerManager
	if _, err := e.groups.AddType(ctx, gt); err != nil {
		tb.Fatal(err)
	}
	owner := e.dial(false)
	if code, err := owner.Login(fanOwner, sharedPW, pb.DeviceType_DESKTOP); err != nil || code != codeOK {
		tb.Fatalf("owner login: %d %v", code, err)
	}
	n := mustCode(tb, owner, codeOK, reqOf(&pb.CreateGroupRequest{Name: "town square", TypeId: proto.Int64(50)}))
	gid := n.GetData().GetLong()
	ids := make([]int64, 0, fanMembers-1)
	for i := int64(1); i < fanMembers; i++ {
		ids = append(ids, fanOwner+i)
	}
	mustCode(tb, owner, codeOK, reqOf(&pb.CreateGroupMembersRequest{GroupId: gid, UserIds: ids}))
	return gid, owner
}

// TestGroupFanOut: one message to a group of 2,000 members, 200 of them
// online, reaches all 200 sessions.
func TestGroupFanOut(t *testing.T) {
	e := newEnv(t, func(o *envOptions) { o.turms.IPRequestsPerSecond = 0 })
	gid, owner := bigGroup(t, e)
	clients := make([]*turmstest.Client, fanOnline)
	for i := range clients {
		c := e.dial(i%2 == 0) // half over WebSocket, half over TCP
		if code, err := c.Login(fanOwner+1+int64(i), sharedPW, pb.DeviceType_ANDROID); err != nil || code != codeOK {
			t.Fatalf("login %d: %d %v", i, code, err)
		}
		clients[i] = c
	}
	n := mustCode(t, owner, codeOK, groupMsg(gid, "hello, town"))
	id := n.GetData().GetLong()
	for i, c := range clients {
		got, err := c.NextPush(func(n *pb.TurmsNotification) bool {
			return n.GetRelayedRequest().GetCreateMessageRequest().GetMessageId() == id
		})
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		if cm := got.GetRelayedRequest().GetCreateMessageRequest(); cm.GetGroupId() != gid || cm.GetText() != "hello, town" || got.GetRequesterId() != fanOwner {
			t.Fatalf("session %d got %v", i, got)
		}
	}
	// Every member can read it back, and the members list holds all 2,000.
	n = mustCode(t, clients[fanOnline-1], codeOK, reqOf(&pb.QueryGroupMembersRequest{GroupId: gid, MemberIds: []int64{fanOwner, fanOwner + 1999}, WithStatus: proto.Bool(true)}))
	ms := n.GetData().GetGroupMembersWithVersion().GetGroupMembers()
	if len(ms) != 2 || ms[0].GetUserStatus() != pb.UserStatus_AVAILABLE || ms[1].GetUserStatus() != pb.UserStatus_OFFLINE {
		t.Fatalf("members: %v", ms)
	}
}

// rawReader is a logged-in TCP session that only counts the frames it
// receives, so that the benchmark measures the server, not test clients
// decoding.
type rawReader struct {
	conn   net.Conn
	frames atomic.Int64
}

func dialRaw(tb testing.TB, addr string, userID int64) *rawReader {
	tb.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	req, _ := proto.Marshal(&pb.TurmsRequest{RequestId: proto.Int64(1), Kind: &pb.TurmsRequest_CreateSessionRequest{CreateSessionRequest: &pb.CreateSessionRequest{
		Version: 1, UserId: userID, Password: proto.String(sharedPW), DeviceType: pb.DeviceType_ANDROID,
	}}})
	conn.Write(append(binary.AppendUvarint(nil, uint64(len(req))), req...))
	r := &rawReader{conn: conn}
	go func() {
		br := bufio.NewReader(conn)
		for {
			n, err := binary.ReadUvarint(br)
			if err != nil {
				return
			}
			if _, err := br.Discard(int(n)); err != nil {
				return
			}
			r.frames.Add(1)
		}
	}()
	tb.Cleanup(func() { conn.Close() })
	return r
}

// waitFrames waits until every reader has counted at least n frames.
func waitFrames(tb testing.TB, rs []*rawReader, n int64) {
	deadline := time.Now().Add(60 * time.Second)
	for _, r := range rs {
		for r.frames.Load() < n {
			if time.Now().After(deadline) {
				tb.Fatalf("a session got %d frames, want %d", r.frames.Load(), n)
			}
			runtime.Gosched()
		}
	}
}

// BenchmarkGroupFanOut sends messages to a group of 2,000 members with 200
// online sessions, each message durably stored and delivered to all 200.
// It reports messages per second (sent and delivered to every session)
// and allocations per recipient, over the whole process.
func BenchmarkGroupFanOut(b *testing.B) {
	e := newEnv(b, func(o *envOptions) {
		o.turms.RequestsPerSecond, o.turms.IPRequestsPerSecond = 0, 0
		o.turms.SendQueue = 1 << 16
	})
	gid, owner := bigGroup(b, e)
	readers := make([]*rawReader, fanOnline)
	for i := range readers {
		readers[i] = dialRaw(b, e.tcp, fanOwner+1+int64(i))
	}
	waitFrames(b, readers, 2) // the login response and the session push
	req := groupMsg(gid, "a message of ordinary length to everyone in the group")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	n := 0
	for b.Loop() {
		if got := send(b, owner, req); got.GetCode() != codeOK {
			b.Fatalf("send: %v", got)
		}
		n++
	}
	waitFrames(b, readers, int64(2+n))
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(n*fanOnline)/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n*fanOnline), "allocs/recipient")
}
