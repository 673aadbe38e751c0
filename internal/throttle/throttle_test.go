package throttle

import (
	"net/netip"
	"testing"
	"time"
)

func TestFailures(t *testing.T) {
	f := NewFailures(2)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	now := time.Unix(1000, 0)
	f.Failed(a, now)
	f.Failed(a, now)
	if f.Allowed(a, now.Add(time.Second)) {
		t.Fatal("allowed after reaching the limit")
	}
	if !f.Allowed(b, now) {
		t.Fatal("another address is throttled")
	}
	if !f.Allowed(a, now.Add(time.Minute)) {
		t.Fatal("still throttled after the minute")
	}
	if !NewFailures(0).Allowed(a, now) {
		t.Fatal("a zero limit throttles")
	}
}

func TestBucket(t *testing.T) {
	b := NewBucket(10, 2)
	now := time.Unix(1000, 0)
	if !b.Allow(now) || !b.Allow(now) || b.Allow(now) {
		t.Fatal("the burst is not 2")
	}
	if !b.Allow(now.Add(100 * time.Millisecond)) {
		t.Fatal("no token after a tenth of a second at 10/s")
	}
	u := NewBucket(0, 0)
	for range 100 {
		if !u.Allow(now) {
			t.Fatal("an unlimited bucket refused")
		}
	}
}

func TestPerAddr(t *testing.T) {
	l := NewPerAddr(1, 1)
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	now := time.Unix(1000, 0)
	if !l.Allow(a, now) || l.Allow(a, now) {
		t.Fatal("per-address burst is not 1")
	}
	if !l.Allow(b, now) {
		t.Fatal("addresses share a bucket")
	}
}
