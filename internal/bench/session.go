package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
	"time"
)

// session is one logged-in connection of either protocol.
type session interface {
	sendBody(to *dest, body []byte) error
	keepalive() error
	readLoop(onBody func([]byte), onError func(error)) error
	// close ends the session politely if it can, at once if not.
	close()
	// abort closes the connection at once, unblocking a stuck write.
	abort()
}

// dest is where a message goes, pre-encoded for the protocol.
type dest struct {
	xmppPrefix []byte // <message ... to='...'><body>
	id         int64  // Turms recipient or group id
	group      bool
}

func chatDest(cfg *Config, a *account) *dest {
	return &dest{xmppPrefix: xmppChatPrefix("chat", jidOf(a.user, cfg.Domain)), id: a.id}
}

// connector logs sessions in over the run's protocol.
type connector struct {
	cfg *Config
	x   *xmppDialer
	t   *turmsDialer
}

func newConnector(cfg *Config, d *dialer) *connector {
	c := &connector{cfg: cfg}
	if cfg.Protocol == "turms" {
		c.t = newTurmsDialer(cfg, d)
	} else {
		c.x = newXMPPDialer(cfg, d)
	}
	return c
}

// login logs a in. round counts how many sessions of the account the run
// already opened: XMPP binds a resource of its own to each, Turms (one
// session per device type) a device type of its own.
func (c *connector) login(ctx context.Context, a *account, resource string, round int) (session, error) {
	if c.t != nil {
		s, err := c.t.loginAs(ctx, a, turmsDevices[round%len(turmsDevices)])
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := c.x.login(ctx, a, resource)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (c *connector) close() {
	if c.t != nil {
		c.t.close()
	} else {
		c.x.close()
	}
}

// A message body is "hb<run> <flow> <slot> <sent>": the run's random tag
// (so that messages of an earlier run, delivered late or from an offline
// store, are not counted), the pair or sender it belongs to, its window
// slot, and when it was sent (or scheduled) in nanoseconds since the run
// began, on the monotonic clock. Padding of 'x' may follow.

func newMarker() []byte {
	var b [4]byte
	rand.Read(b[:])
	return []byte("hb" + hex.EncodeToString(b[:]) + " ")
}

// appendBody appends a body to dst without allocating.
func appendBody(dst, marker []byte, flow, slot int, sent time.Duration, size int) []byte {
	start := len(dst)
	dst = append(dst, marker...)
	dst = strconv.AppendInt(dst, int64(flow), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(slot), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(sent), 10)
	for len(dst)-start < size {
		dst = append(dst, 'x')
	}
	return dst
}

// parseBody reads a body of this run; ok is false for anything else.
func parseBody(b, marker []byte) (flow, slot int, sent time.Duration, ok bool) {
	if !bytes.HasPrefix(b, marker) {
		return 0, 0, 0, false
	}
	b = b[len(marker):]
	var nums [3]int64
	for i := range nums {
		j := 0
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			nums[i] = nums[i]*10 + int64(b[j]-'0')
			j++
		}
		if j == 0 {
			return 0, 0, 0, false
		}
		b = b[j:]
		if i < 2 {
			if len(b) == 0 || b[0] != ' ' {
				return 0, 0, 0, false
			}
			b = b[1:]
		}
	}
	return int(nums[0]), int(nums[1]), time.Duration(nums[2]), true
}

// flow is the window of one pair (chat) or sender (group): W slots, each
// a message in flight until all its expected deliveries arrived.
type flow struct {
	free      chan int
	remaining []atomic.Int32
	expect    int32
}

func newFlow(window int, expect int) *flow {
	f := &flow{free: make(chan int, window), remaining: make([]atomic.Int32, window), expect: int32(expect)}
	for i := range window {
		f.free <- i
	}
	return f
}

// acquire waits for a free slot.
func (f *flow) acquire(ctx context.Context) (int, bool) {
	select {
	case s := <-f.free:
		f.remaining[s].Store(f.expect)
		return s, true
	case <-ctx.Done():
		return 0, false
	}
}

// delivered counts one delivery of the message in slot.
func (f *flow) delivered(slot int) {
	if slot < 0 || slot >= len(f.remaining) {
		return
	}
	if f.remaining[slot].Add(-1) == 0 {
		f.free <- slot // never blocks: a slot is returned once per acquire
	}
}
