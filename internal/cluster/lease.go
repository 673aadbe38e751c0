package cluster

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// maxNodes is how many node ids there are: the id generator keeps 8 bits
// for the node.
const maxNodes = 256

// A node holds its id by an entry in the nodes bucket, which expires after
// NodeTTL unless the node rewrites it (heartbeat). The entry's value is the
// node's boot id: registry entries carry it, so that the entries of an
// earlier run of the same id are known to be dead.

func (n *Node) bootValue() []byte {
	return binary.LittleEndian.AppendUint64(nil, n.boot)
}

// lease takes the configured node id, waiting up to a TTL for a previous
// run's entry to expire, or the first free id.
func (n *Node) lease(ctx context.Context) error {
	try := func(id int) (bool, error) {
		rev, err := n.nodes.Create(ctx, strconv.Itoa(id), n.bootValue())
		if errors.Is(err, jetstream.ErrKeyExists) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("cluster: leasing node id %d: %w", id, err)
		}
		n.id, n.leaseRev = id, rev
		return true, nil
	}
	if n.opts.NodeID >= 0 {
		deadline := time.Now().Add(n.opts.NodeTTL + time.Second)
		for {
			ok, err := try(n.opts.NodeID)
			if ok || err != nil {
				return err
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("cluster: node id %d is held by a live node", n.opts.NodeID)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(n.opts.NodeTTL / 10):
			}
		}
	}
	for id := range maxNodes {
		ok, err := try(id)
		if ok || err != nil {
			return err
		}
	}
	return errors.New("cluster: every node id (0-255) is held by a live node")
}

// heartbeat rewrites the lease entry every third of the TTL. Losing the
// entry to another process means this node's ids may collide: Lost fires.
func (n *Node) heartbeat() {
	defer n.stopped.Done()
	t := time.NewTicker(n.opts.NodeTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.NodeTTL/3)
		rev, err := n.nodes.Update(ctx, strconv.Itoa(n.id), n.bootValue(), n.leaseRev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
			// Our entry expired (we were cut off for longer than the TTL).
			// Take it back if nobody else did.
			rev, err = n.nodes.Create(ctx, strconv.Itoa(n.id), n.bootValue())
			if errors.Is(err, jetstream.ErrKeyExists) {
				cancel()
				n.opts.Log.Error("cluster: another process took this node's id; stopping", "node", n.id)
				close(n.lost)
				return
			}
			if err == nil {
				n.opts.Log.Warn("cluster: the lease had expired; re-registering this node's sessions", "node", n.id)
				n.leaseRev = rev
				cancel()
				n.reassert()
				continue
			}
		}
		cancel()
		if err != nil {
			n.opts.Log.Warn("cluster: heartbeat", "err", err)
			continue
		}
		n.leaseRev = rev
	}
}

// liveness is this node's view of which nodes are alive: each node's boot
// id and when its entry was last written.
type liveness struct {
	mu    sync.Mutex
	nodes map[int]nodeSeen
}

type nodeSeen struct {
	boot uint64
	seen time.Time
}

func (l *liveness) init() { l.nodes = map[int]nodeSeen{} }

func (l *liveness) set(id int, boot uint64, seen time.Time) {
	l.mu.Lock()
	l.nodes[id] = nodeSeen{boot, seen}
	l.mu.Unlock()
}

func (l *liveness) remove(id int) {
	l.mu.Lock()
	delete(l.nodes, id)
	l.mu.Unlock()
}

// alive reports whether the node id runs as boot, as far as heartbeats
// seen within ttl tell; known is false for a node this view has not heard
// of at all (it may have started a moment ago).
func (l *liveness) alive(id int, boot uint64, ttl time.Duration, now time.Time) (alive, known bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.nodes[id]
	return ok && s.boot == boot && now.Sub(s.seen) <= ttl, ok
}

// expire forgets nodes not seen within ttl and returns them.
func (l *liveness) expire(ttl time.Duration, now time.Time) (dead []int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, s := range l.nodes {
		if now.Sub(s.seen) > ttl {
			delete(l.nodes, id)
			dead = append(dead, id)
		}
	}
	return dead
}

// lowest reports the lowest live node id.
func (l *liveness) lowest() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	low := maxNodes
	for id := range l.nodes {
		low = min(low, id)
	}
	return low
}

// watchNodes keeps the liveness view current. An entry that expires in
// the bucket produces no update, so nodes are also expired here on a
// timer; when one dies, the lowest live node sweeps its sessions out of
// the registry.
func (n *Node) watchNodes(w jetstream.KeyWatcher) {
	defer n.stopped.Done()
	defer w.Stop()
	t := time.NewTicker(n.opts.NodeTTL / 4)
	defer t.Stop()
	// The first sweep, once the initial values are in, removes what nodes
	// that died while no node watched left behind.
	initial := true
	for {
		select {
		case <-n.stop:
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil {
				if initial {
					initial = false
					n.sweepIfLowest()
				}
				continue
			}
			id, err := strconv.Atoi(e.Key())
			if err != nil {
				continue
			}
			if e.Operation() != jetstream.KeyValuePut || len(e.Value()) != 8 {
				n.live.remove(id)
				if !initial {
					n.sweepIfLowest()
				}
				continue
			}
			seen := e.Created()
			if now := time.Now(); seen.After(now) {
				seen = now // another machine's clock
			}
			n.live.set(id, binary.LittleEndian.Uint64(e.Value()), seen)
		case now := <-t.C:
			if dead := n.live.expire(n.opts.NodeTTL, now); len(dead) > 0 && !initial {
				n.opts.Log.Warn("cluster: nodes stopped heartbeating", "nodes", dead)
				n.sweepIfLowest()
			}
		}
	}
}

func (n *Node) sweepIfLowest() {
	if n.live.lowest() != n.id {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.NodeTTL)
	defer cancel()
	if err := n.sweep(ctx); err != nil {
		n.opts.Log.Warn("cluster: sweeping dead nodes' sessions", "err", err)
	}
}
