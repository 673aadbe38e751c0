package cluster

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"hermod/internal/domain/event"
	"hermod/internal/router"
	"hermod/internal/status"
)

// The registry is one key per online user in the sessions bucket, holding
// the user's status and every session of theirs in the cluster. A user's
// record changes by compare-and-set, so two nodes logging the same user in
// at once both land. Entries whose node is dead (not heartbeating, or
// running under another boot id) are ignored by readers and dropped by the
// next writer; the lowest live node also sweeps them out when a node dies.

type record struct {
	Status   int32   `json:"s"`
	Sessions []entry `json:"e"`
}

type entry struct {
	Node      int    `json:"n"`
	Boot      uint64 `json:"b"`
	ID        int64  `json:"i"`
	Device    int32  `json:"d"`
	Exclusive bool   `json:"x,omitempty"`
	Info      []byte `json:"f,omitempty"`
}

// registryTimeout bounds one registry operation; on a login it is the
// longest a NATS outage can delay the login before it proceeds locally.
const registryTimeout = 3 * time.Second

// maxCASAttempts bounds the retries of a record that keeps changing
// underneath (the same user logging in on many nodes at once).
const maxCASAttempts = 32

func userKey(userID int64) string { return strconv.FormatInt(userID, 10) }

// update applies fn to userID's record by compare-and-set, retrying on a
// concurrent change. fn reports whether it changed anything. Dead nodes'
// entries go on every write.
func (n *Node) update(ctx context.Context, userID int64, fn func(*record) bool) error {
	key := userKey(userID)
	for range maxCASAttempts {
		var rec record
		var rev uint64
		e, err := n.sessions.Get(ctx, key)
		switch {
		case err == nil:
			rev = e.Revision()
			if err := json.Unmarshal(e.Value(), &rec); err != nil {
				rec = record{} // unreadable: start over
			}
		case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		default:
			return err
		}
		pruned := n.prune(&rec)
		if !fn(&rec) && !pruned {
			return nil
		}
		switch {
		case len(rec.Sessions) == 0 && rev == 0:
			return nil
		case len(rec.Sessions) == 0:
			err = n.sessions.Delete(ctx, key, jetstream.LastRevision(rev))
		case rev == 0:
			_, err = n.sessions.Create(ctx, key, mustJSON(rec))
		default:
			_, err = n.sessions.Update(ctx, key, mustJSON(rec), rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return err
		}
	}
	return errors.New("cluster: a session record kept changing; gave up")
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain data
	}
	return b
}

// prune drops the entries of dead nodes; it reports whether it dropped any.
func (n *Node) prune(rec *record) bool {
	now := time.Now()
	kept := rec.Sessions[:0]
	for _, e := range rec.Sessions {
		if n.isLive(e, now) {
			kept = append(kept, e)
		}
	}
	dropped := len(kept) != len(rec.Sessions)
	rec.Sessions = kept
	return dropped
}

func (n *Node) isLive(e entry, now time.Time) bool {
	if e.Node == n.id {
		return e.Boot == n.boot
	}
	alive, known := n.live.alive(e.Node, e.Boot, n.opts.NodeTTL, now)
	if known {
		return alive
	}
	// A node the watch has not shown yet (it just started): ask the
	// bucket rather than take its sessions for a dead node's.
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	le, err := n.nodes.Get(ctx, strconv.Itoa(e.Node))
	if err != nil || le.Operation() != jetstream.KeyValuePut || len(le.Value()) != 8 {
		return err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) // unsure: keep it
	}
	seen := le.Created()
	if seen.After(now) {
		seen = now // another machine's clock
	}
	n.live.set(e.Node, binary.LittleEndian.Uint64(le.Value()), seen)
	alive, _ = n.live.alive(e.Node, e.Boot, n.opts.NodeTTL, now)
	return alive
}

// Online implements router.Cluster.
func (n *Node) Online(s router.Session, exclusive bool, st int32) {
	n.subscribe(s.UserID())
	n.register(s, exclusive, st)
}

// register records s, telling the sessions it replaces on other nodes to
// close.
func (n *Node) register(s router.Session, exclusive bool, st int32) {
	me := entry{Node: n.id, Boot: n.boot, ID: s.ID(), Device: s.DeviceType(), Exclusive: exclusive}
	if d, ok := s.(router.Describer); ok {
		me.Info = d.Info()
	}
	var kicked []entry
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	err := n.update(ctx, s.UserID(), func(rec *record) bool {
		kicked = kicked[:0]
		kept := rec.Sessions[:0]
		for _, e := range rec.Sessions {
			if e.ID == me.ID {
				continue
			}
			if exclusive && e.Exclusive && e.Device == me.Device {
				if e.Node != n.id {
					kicked = append(kicked, e)
				}
				continue
			}
			kept = append(kept, e)
		}
		rec.Sessions = append(kept, me)
		rec.Status = st
		return true
	})
	if err != nil {
		n.opts.Log.Warn("cluster: registering a session", "user", s.UserID(), "err", err)
		return
	}
	for _, e := range kicked {
		n.sendToSession(e.Node, s.UserID(), e.ID, &event.Event{
			RequesterID: s.UserID(),
			Payload: &event.SessionKicked{UserID: s.UserID(), DeviceTypes: []int32{e.Device},
				CloseStatus: int32(status.CloseDisconnectedByOtherDevice)},
		})
	}
}

// Offline implements router.Cluster.
func (n *Node) Offline(s router.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	err := n.update(ctx, s.UserID(), func(rec *record) bool {
		for i, e := range rec.Sessions {
			if e.ID == s.ID() && e.Node == n.id {
				rec.Sessions = append(rec.Sessions[:i], rec.Sessions[i+1:]...)
				return true
			}
		}
		return false
	})
	if err != nil {
		n.opts.Log.Warn("cluster: unregistering a session", "user", s.UserID(), "err", err)
	}
	n.unsubscribe(s.UserID())
}

// Describe implements router.Cluster.
func (n *Node) Describe(s router.Session, info []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	err := n.update(ctx, s.UserID(), func(rec *record) bool {
		for i := range rec.Sessions {
			if e := &rec.Sessions[i]; e.ID == s.ID() && e.Node == n.id {
				e.Info = info
				return true
			}
		}
		return false
	})
	if err != nil {
		n.opts.Log.Warn("cluster: describing a session", "user", s.UserID(), "err", err)
	}
}

// read returns userID's record; an empty one when the user is offline.
func (n *Node) read(userID int64) (record, error) {
	var rec record
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	e, err := n.sessions.Get(ctx, userKey(userID))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return rec, nil
	}
	if err != nil {
		return rec, err
	}
	err = json.Unmarshal(e.Value(), &rec)
	return rec, err
}

// SetStatus implements router.Cluster.
func (n *Node) SetStatus(userID int64, st int32) {
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	err := n.update(ctx, userID, func(rec *record) bool {
		if len(rec.Sessions) == 0 || rec.Status == st {
			return false
		}
		rec.Status = st
		return true
	})
	if err != nil {
		n.opts.Log.Warn("cluster: setting a status", "user", userID, "err", err)
	}
}

// Lookup implements router.Cluster.
func (n *Node) Lookup(userID int64) (router.Presence, []router.Remote, bool) {
	p := router.Presence{UserID: userID, Status: router.StatusOffline}
	rec, err := n.read(userID)
	if err != nil {
		n.opts.Log.Warn("cluster: reading a user's sessions", "user", userID, "err", err)
		return p, nil, false
	}
	var remote []router.Remote
	now := time.Now()
	for _, e := range rec.Sessions {
		if !n.isLive(e, now) {
			continue
		}
		if !slices.Contains(p.DeviceTypes, e.Device) {
			p.DeviceTypes = append(p.DeviceTypes, e.Device)
		}
		if e.Node != n.id {
			remote = append(remote, router.Remote{Node: e.Node, ID: e.ID, DeviceType: e.Device, Info: e.Info})
		}
	}
	if len(p.DeviceTypes) > 0 {
		p.Status = rec.Status
	}
	return p, remote, true
}

// Sessions returns the live registry entries of a user (for tests and the
// admin API).
func (n *Node) Sessions(ctx context.Context, userID int64) ([]SessionInfo, error) {
	rec, err := n.read(userID)
	if err != nil {
		return nil, err
	}
	var out []SessionInfo
	now := time.Now()
	for _, s := range rec.Sessions {
		if n.isLive(s, now) {
			out = append(out, SessionInfo{Node: s.Node, ID: s.ID, DeviceType: s.Device})
		}
	}
	return out, nil
}

// SessionInfo is one session as the registry holds it.
type SessionInfo struct {
	Node       int
	ID         int64
	DeviceType int32
}

// sweep removes the entries of dead nodes from every record.
func (n *Node) sweep(ctx context.Context) error {
	lister, err := n.sessions.ListKeys(ctx)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoKeysFound) {
			return nil
		}
		return err
	}
	defer lister.Stop()
	var keys []int64
	for k := range lister.Keys() {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil {
			keys = append(keys, id)
		}
	}
	for _, id := range keys {
		if err := n.update(ctx, id, func(*record) bool { return false }); err != nil {
			return err
		}
	}
	return nil
}

// reassert records every session of this node again, after the registry
// dropped them (this node was cut off for longer than the TTL).
func (n *Node) reassert() {
	for _, r := range n.router.Local() {
		n.register(r.Session, r.Exclusive, r.Status)
	}
}
