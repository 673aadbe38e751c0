// Package throttle limits how fast clients may act: failed logins per
// address, and request rates per session and per address.
package throttle

import (
	"net/netip"
	"sync"
	"time"
)

// Failures counts failed logins per remote address over a sliding
// minute, so that one address cannot guess passwords quickly. Addresses are
// forgotten once their minute has passed.
type Failures struct {
	limit int
	mu    sync.Mutex
	fails map[netip.Addr]*failWindow
	swept time.Time
}

type failWindow struct {
	start time.Time
	n     int
}

func NewFailures(perMinute int) *Failures {
	return &Failures{limit: perMinute, fails: make(map[netip.Addr]*failWindow)}
}

// Allowed reports whether addr may try to log in now.
func (t *Failures) Allowed(addr netip.Addr, now time.Time) bool {
	if t.limit <= 0 {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.fails[addr]
	return w == nil || now.Sub(w.start) >= time.Minute || w.n < t.limit
}

// Failed records a failed login from addr.
func (t *Failures) Failed(addr netip.Addr, now time.Time) {
	if t.limit <= 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.swept) > time.Minute {
		for a, w := range t.fails {
			if now.Sub(w.start) >= time.Minute {
				delete(t.fails, a)
			}
		}
		t.swept = now
	}
	w := t.fails[addr]
	if w == nil || now.Sub(w.start) >= time.Minute {
		t.fails[addr] = &failWindow{start: now, n: 1}
		return
	}
	w.n++
}

// PerAddr limits the request rate of all sessions from one address
// together, so that opening many connections does not multiply a client's
// budget. Idle addresses are forgotten.
type PerAddr struct {
	perSecond, burst int
	mu               sync.Mutex
	buckets          map[netip.Addr]*Bucket
	swept            time.Time
}

func NewPerAddr(perSecond, burst int) *PerAddr {
	return &PerAddr{perSecond: perSecond, burst: burst, buckets: make(map[netip.Addr]*Bucket)}
}

// Allow takes a token from addr's bucket.
func (l *PerAddr) Allow(addr netip.Addr, now time.Time) bool {
	if l.perSecond <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for a, b := range l.buckets {
			if now.Sub(b.last) > time.Minute {
				delete(l.buckets, a)
			}
		}
		l.swept = now
	}
	b := l.buckets[addr]
	if b == nil {
		nb := NewBucket(l.perSecond, l.burst)
		b = &nb
		l.buckets[addr] = b
	}
	return b.Allow(now)
}
