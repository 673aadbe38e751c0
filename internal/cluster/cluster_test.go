package cluster

import (
	"context"
	"strconv"
	"testing"
	"time"

	"go.uber.org/goleak"

	"hermod/internal/cluster/natstest"
	"hermod/internal/domain/event"
	"hermod/internal/router"
	"hermod/internal/status"
	"hermod/internal/store"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// session is a router session that records what it is given.
type session struct {
	id, user int64
	device   int32
	got      chan *event.Event
}

func newSession(user int64, device int32) *session {
	return &session{id: router.NewSessionID(), user: user, device: device, got: make(chan *event.Event, 16)}
}

func (s *session) ID() int64         { return s.id }
func (s *session) UserID() int64     { return s.user }
func (s *session) DeviceType() int32 { return s.device }
func (s *session) Deliver(ev *event.Event) {
	select {
	case s.got <- ev:
	default:
	}
}

// next waits for the session's next event.
func (s *session) next(t *testing.T) *event.Event {
	t.Helper()
	select {
	case ev := <-s.got:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("session %d of user %d got no event", s.id, s.user)
		return nil
	}
}

// none checks that the session was given nothing (after the events that
// were sent after whatever it could have been given arrived elsewhere).
func (s *session) none(t *testing.T) {
	t.Helper()
	select {
	case ev := <-s.got:
		t.Fatalf("session %d of user %d got %#v", s.id, s.user, ev.Payload)
	default:
	}
}

type member struct {
	node   *Node
	router *router.Router
}

// start joins n nodes to a fresh NATS server.
func start(t *testing.T, url string, n int, ttl time.Duration) []member {
	t.Helper()
	var ms []member
	for range n {
		ms = append(ms, join(t, url, -1, ttl))
	}
	return ms
}

func join(t *testing.T, url string, id int, ttl time.Duration) member {
	t.Helper()
	node, err := Join(context.Background(), Options{URL: url, NodeID: id, NodeTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	r := router.New()
	if err := node.Attach(r); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	return member{node, r}
}

func message(from, to int64, text string) *event.Event {
	return &event.Event{RequesterID: from, Payload: &event.MessageCreated{Message: store.Message{
		ID: 1, SenderID: from, RecipientID: to, Text: text, DeliveryDate: 1,
	}}}
}

func TestNodesLeaseDistinctIDs(t *testing.T) {
	url := natstest.Start(t)
	ms := start(t, url, 3, 2*time.Second)
	seen := map[int]bool{}
	for _, m := range ms {
		if seen[m.node.ID()] {
			t.Fatalf("node id %d leased twice", m.node.ID())
		}
		seen[m.node.ID()] = true
	}
	// A configured id that a live node holds is refused once the wait for
	// an earlier run's lease runs out.
	_, err := Join(context.Background(), Options{URL: url, NodeID: ms[0].node.ID(), NodeTTL: 2 * time.Second})
	if err == nil {
		t.Fatal("a second node took a held node id")
	}
	// A node that leaves gives its id back at once.
	id := ms[2].node.ID()
	ms[2].node.Close()
	again := join(t, url, id, 2*time.Second)
	if again.node.ID() != id {
		t.Fatalf("got id %d, want %d", again.node.ID(), id)
	}
}

func TestEventsReachOtherNodesSessions(t *testing.T) {
	url := natstest.Start(t)
	ms := start(t, url, 3, 5*time.Second)
	a, b, c := ms[0], ms[1], ms[2]
	alice := newSession(1, 1)
	bob := newSession(2, 1)
	bob2 := newSession(2, 2)
	a.router.Register(alice, false, 0)
	b.router.Register(bob, false, 0)
	c.router.Register(bob2, false, 0)

	a.router.Publish(context.Background(), []int64{2, 1}, message(1, 2, "hi"))
	for _, s := range []*session{bob, bob2, alice} {
		ev := s.next(t)
		if m := ev.Payload.(*event.MessageCreated).Message; m.Text != "hi" {
			t.Fatalf("got %q", m.Text)
		}
	}
	// After bob's session on c leaves, c gives him nothing more; an event
	// c publishes still reaches him on b.
	c.router.Unregister(bob2)
	c.router.Publish(context.Background(), []int64{2}, message(1, 2, "from c"))
	if m := bob.next(t).Payload.(*event.MessageCreated).Message; m.Text != "from c" {
		t.Fatalf("bob got %q", m.Text)
	}
	bob2.none(t)
}

func TestExclusiveLoginKicksTheSameDeviceOnAnotherNode(t *testing.T) {
	url := natstest.Start(t)
	ms := start(t, url, 2, 5*time.Second)
	a, b := ms[0], ms[1]
	old := newSession(7, 2)
	other := newSession(7, 3) // another device type stays
	a.router.Register(old, true, 0)
	a.router.Register(other, true, 0)
	b.router.Register(newSession(7, 2), true, 0)

	k, ok := old.next(t).Payload.(*event.SessionKicked)
	if !ok || k.CloseStatus != int32(status.CloseDisconnectedByOtherDevice) {
		t.Fatalf("old session got %#v", k)
	}
	other.none(t)
	infos, err := b.node.Sessions(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("registry holds %+v, want the new session and the other device", infos)
	}
}

func TestPresenceAcrossNodes(t *testing.T) {
	url := natstest.Start(t)
	ms := start(t, url, 2, 5*time.Second)
	a, b := ms[0], ms[1]
	if p := b.router.Presence(9); p.Status != router.StatusOffline || len(p.DeviceTypes) != 0 {
		t.Fatalf("offline user: %+v", p)
	}
	s := newSession(9, 4)
	a.router.Register(s, true, 5)
	if p := b.router.Presence(9); p.Status != 5 || len(p.DeviceTypes) != 1 || p.DeviceTypes[0] != 4 {
		t.Fatalf("online on a, seen from b: %+v", p)
	}
	if !b.router.SetStatus(9, 6) {
		t.Fatal("b thinks the user is offline")
	}
	if p := a.router.Presence(9); p.Status != 6 {
		t.Fatalf("status set on b, seen from a: %+v", p)
	}
	if _, last := a.router.Unregister(s); !last {
		t.Fatal("the user's last session in the cluster was not last")
	}
	if p := b.router.Presence(9); p.Status != router.StatusOffline {
		t.Fatalf("after logout: %+v", p)
	}
}

func TestADeadNodesSessionsLeaveTheRegistry(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 2 * time.Second
	ms := start(t, url, 2, ttl)
	a, dead := ms[0], ms[1]
	a.router.Register(newSession(11, 1), false, 0)
	for u := int64(20); u < 30; u++ {
		dead.router.Register(newSession(u, 1), false, 0)
	}
	// The node dies: no heartbeat, no goodbye.
	close(dead.node.stop)
	dead.node.stopped.Wait()
	dead.node.nc.Close()
	dead.node.closed = true

	started := time.Now()
	for {
		left := 0
		for u := int64(20); u < 30; u++ {
			e, err := a.node.sessions.Get(context.Background(), strconv.FormatInt(u, 10))
			if err == nil && len(e.Value()) > 0 {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Since(started) > 3*ttl {
			t.Fatalf("%d records of the dead node remain after %v", left, time.Since(started))
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("the dead node's sessions left the registry in %v (TTL %v)", time.Since(started).Round(time.Millisecond), ttl)
	if p := a.router.Presence(11); len(p.DeviceTypes) != 1 {
		t.Fatalf("the live node's session went too: %+v", p)
	}
}

func TestBroadcastReachesOtherNodes(t *testing.T) {
	url := natstest.Start(t)
	got := make(chan int64, 1)
	a := join(t, url, -1, 5*time.Second)
	node, err := Join(context.Background(), Options{URL: url, NodeID: -1, NodeTTL: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	node.Handle("group", func(id int64) { got <- id })
	if err := node.Attach(router.New()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Close() })
	a.node.Broadcast("group", 42)
	select {
	case id := <-got:
		if id != 42 {
			t.Fatalf("got %d", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no invalidation arrived")
	}
}

// TestANewNodesSessionsAreNotTakenForDead: a node that writes a user's
// record before its watch has shown a node that just started keeps that
// node's sessions.
func TestANewNodesSessionsAreNotTakenForDead(t *testing.T) {
	url := natstest.Start(t)
	a := join(t, url, -1, 5*time.Second)
	b := join(t, url, -1, 5*time.Second)
	b.router.Register(newSession(31, 1), false, 0)
	a.node.live.remove(b.node.ID()) // as if a's watch had not delivered b yet
	a.router.Register(newSession(31, 2), false, 0)
	infos, err := a.node.Sessions(context.Background(), 31)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 2 {
		t.Fatalf("registry holds %+v, want both nodes' sessions", infos)
	}
}
