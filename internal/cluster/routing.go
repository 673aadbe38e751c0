package cluster

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"hermod/internal/domain/event"
	"hermod/internal/router"
)

// Subjects:
//
//	<name>.u.<user id>     events for a user; a node subscribes while it
//	                       holds a session of that user
//	<name>.node.<node id>  an event for one session of that node (a kick)
//	<name>.inv.<topic>     "this thing changed": caches drop it

// subscribe takes an interest in userID's events, counted per session.
// The subscription goes out before the registry update that follows it on
// the same connection, so by the time a login is answered other nodes'
// events for the user reach this node.
func (n *Node) subscribe(userID int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if us := n.subs[userID]; us != nil {
		us.refs++
		return
	}
	sub, err := n.nc.ChanSubscribe(n.userSubject(userID), n.inbox)
	if err != nil {
		n.opts.Log.Warn("cluster: subscribing to a user's events", "user", userID, "err", err)
	}
	n.subs[userID] = &userSub{sub: sub, refs: 1}
}

func (n *Node) unsubscribe(userID int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	us := n.subs[userID]
	if us == nil {
		return
	}
	if us.refs--; us.refs > 0 {
		return
	}
	delete(n.subs, userID)
	if us.sub != nil {
		us.sub.Unsubscribe()
	}
}

// Publish implements router.Cluster: the event is encoded once and
// published to each user's subject; NATS drops it where no node listens.
func (n *Node) Publish(to []int64, ev *event.Event) {
	b, err := event.Marshal(ev)
	if err != nil {
		n.unroutable.Add(1)
		n.opts.Log.Debug("cluster: an event that cannot leave this node", "payload", ev.Payload, "err", err)
		return
	}
	buf := make([]byte, 0, len(n.opts.Name)+24)
	for i, uid := range to {
		if router.SeenBefore(to[:i], uid) {
			continue
		}
		buf = strconv.AppendInt(append(append(buf[:0], n.opts.Name...), ".u."...), uid, 10)
		if err := n.nc.Publish(string(buf), b); err != nil {
			n.opts.Log.Warn("cluster: publishing an event", "err", err)
			return
		}
	}
}

// dispatch delivers events from other nodes to this node's sessions, in
// the order they arrived. A fan-out publishes the same bytes to many
// subjects back to back, so a message equal to the previous one reuses its
// decoded event (and with it the event's per-protocol renderings).
func (n *Node) dispatch() {
	defer n.stopped.Done()
	prefix := len(n.opts.Name) + len(".u.")
	var last []byte
	var lastEv *event.Event
	var to [1]int64
	for {
		select {
		case <-n.stop:
			return
		case m := <-n.inbox:
			uid, err := strconv.ParseInt(m.Subject[prefix:], 10, 64)
			if err != nil {
				continue
			}
			if lastEv == nil || !bytes.Equal(m.Data, last) {
				ev, err := event.Unmarshal(m.Data)
				if err != nil {
					n.opts.Log.Warn("cluster: an event that cannot be read", "err", err)
					continue
				}
				last, lastEv = m.Data, ev
			}
			to[0] = uid
			n.router.DeliverLocal(to[:], lastEv)
		}
	}
}

// sendToSession publishes ev to one session of another node.
func (n *Node) sendToSession(node int, userID, sessionID int64, ev *event.Event) {
	b, err := event.Marshal(ev)
	if err != nil {
		n.opts.Log.Warn("cluster: an event for a session that cannot be encoded", "err", err)
		return
	}
	msg := binary.AppendVarint(binary.AppendVarint(nil, userID), sessionID)
	msg = append(msg, b...)
	if err := n.nc.Publish(n.subject("node", strconv.Itoa(node)), msg); err != nil {
		n.opts.Log.Warn("cluster: sending to a session of another node", "node", node, "err", err)
	}
}

func (n *Node) onNodeMsg(m *nats.Msg) {
	uid, k1 := binary.Varint(m.Data)
	if k1 <= 0 {
		return
	}
	sid, k2 := binary.Varint(m.Data[k1:])
	if k2 <= 0 {
		return
	}
	ev, err := event.Unmarshal(m.Data[k1+k2:])
	if err != nil {
		n.opts.Log.Warn("cluster: an event for a session that cannot be read", "err", err)
		return
	}
	n.router.DeliverSession(uid, sid, ev)
}

// Unroutable is how many events the node could not send to the others
// (their origin has no codec); they reached its own sessions only.
func (n *Node) Unroutable() int64 { return n.unroutable.Load() }

// counters are what the node counts for its metrics.
type counters struct {
	unroutable atomic.Int64 // events whose origin has no codec
}
