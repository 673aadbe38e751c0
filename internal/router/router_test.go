package router

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"hermod/internal/domain/event"
)

type fakeSession struct {
	id, user int64
	device   int32
	got      atomic.Int32
}

func (f *fakeSession) ID() int64               { return f.id }
func (f *fakeSession) UserID() int64           { return f.user }
func (f *fakeSession) DeviceType() int32       { return f.device }
func (f *fakeSession) Deliver(ev *event.Event) { f.got.Add(1) }

func TestRegisterReplacesSameDeviceWhenExclusive(t *testing.T) {
	r := New()
	a := &fakeSession{id: 1, user: 7, device: 3}
	b := &fakeSession{id: 2, user: 7, device: 1}
	c := &fakeSession{id: 3, user: 7, device: 3}
	x := &fakeSession{id: 4, user: 7, device: 3} // not exclusive (an XMPP resource)
	if got := r.Register(a, true, 0); len(got) != 0 {
		t.Fatalf("first login replaced %v", got)
	}
	r.Register(b, true, 0)
	r.Register(x, false, 0)
	got := r.Register(c, true, 5)
	if len(got) != 1 || got[0] != a {
		t.Fatalf("replaced %v, want [a]", got)
	}
	if n := len(r.Sessions(7)); n != 3 {
		t.Fatalf("%d sessions, want 3", n)
	}
	st, devs := r.Status(7)
	if st != 5 || len(devs) != 2 {
		t.Fatalf("status %d devices %v", st, devs)
	}
	for _, s := range []*fakeSession{b, x} {
		if found, _ := r.Unregister(s); !found {
			t.Fatal("registered session not found")
		}
	}
	if found, last := r.Unregister(c); !found || !last {
		t.Fatalf("last session: found %v last %v", found, last)
	}
	if found, _ := r.Unregister(a); found {
		t.Fatal("a replaced session was still registered")
	}
	if st, devs := r.Status(7); st != StatusOffline || devs != nil {
		t.Fatalf("offline user: %d %v", st, devs)
	}
}

func TestPublishSkipsRequesterSessionAndDuplicates(t *testing.T) {
	r := New()
	a1 := &fakeSession{id: 1, user: 1}
	a2 := &fakeSession{id: 2, user: 1, device: 1}
	b := &fakeSession{id: 3, user: 2}
	for _, s := range []*fakeSession{a1, a2, b} {
		r.Register(s, true, 0)
	}
	r.Publish(context.Background(), []int64{2, 1, 2, 99}, &event.Event{RequesterSession: 1})
	if a1.got.Load() != 0 || a2.got.Load() != 1 || b.got.Load() != 1 {
		t.Fatalf("deliveries a1=%d a2=%d b=%d, want 0 1 1", a1.got.Load(), a2.got.Load(), b.got.Load())
	}
}

func TestConcurrentUse(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				s := &fakeSession{id: int64(w*1000 + i), user: int64(i % 50), device: int32(w % 3)}
				r.Register(s, w%2 == 0, 0)
				r.Publish(context.Background(), []int64{int64(i % 50)}, &event.Event{})
				r.Status(int64(i % 50))
				r.Unregister(s)
			}
		})
	}
	wg.Wait()
	total := 0
	r.Each(func(Session) { total++ })
	if total != 0 {
		t.Fatalf("%d sessions left after every one unregistered", total)
	}
}
