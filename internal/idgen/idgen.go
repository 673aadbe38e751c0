// Package idgen makes time-ordered unique int64 ids for messages, requests
// and groups, in the spirit of Snowflake: ids from one node increase
// strictly, ids from different nodes never collide, and an id's high bits
// tell when it was made.
//
// Layout (63 bits, sign bit always 0):
//
//	42 bits  milliseconds since Epoch (good until 2159)
//	 8 bits  node id (0..255)
//	13 bits  sequence within the millisecond (8192 ids/ms)
//
// When a millisecond's sequence runs out, the generator borrows the next
// millisecond instead of waiting, so Next never blocks; it catches up as
// soon as the clock passes the borrowed time.
package idgen

import (
	"fmt"
	"sync/atomic"
	"time"
)

const (
	nodeBits = 8
	seqBits  = 13
	// MaxNode is the largest node id.
	MaxNode = 1<<nodeBits - 1
)

// Epoch is the zero of the id clock: 2024-01-01T00:00:00Z.
var Epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// Generator makes ids for one node. It is safe for concurrent use.
type Generator struct {
	node  int64
	now   func() time.Time
	state atomic.Int64 // ms<<seqBits | seq of the last id
}

// New returns a generator for node, which must be in [0, MaxNode].
func New(node int) (*Generator, error) {
	if node < 0 || node > MaxNode {
		return nil, fmt.Errorf("idgen: node id %d out of range [0, %d]", node, MaxNode)
	}
	return &Generator{node: int64(node), now: time.Now}, nil
}

// Next returns a new id, greater than every id this generator returned
// before.
func (g *Generator) Next() int64 {
	ms := g.now().Sub(Epoch).Milliseconds()
	for {
		old := g.state.Load()
		next := ms << seqBits
		if next <= old {
			next = old + 1 // same (or borrowed) millisecond: next sequence
		}
		if g.state.CompareAndSwap(old, next) {
			tms, seq := next>>seqBits, next&(1<<seqBits-1)
			return tms<<(nodeBits+seqBits) | g.node<<seqBits | seq
		}
	}
}

// Time returns when id was made, to the millisecond.
func Time(id int64) time.Time {
	return Epoch.Add(time.Duration(id>>(nodeBits+seqBits)) * time.Millisecond)
}

// Node returns the node that made id.
func Node(id int64) int {
	return int(id >> seqBits & MaxNode)
}
