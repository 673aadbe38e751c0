package router

import (
	"slices"

	"hermod/internal/domain/event"
)

// Cluster is what a router needs from the other nodes of a cluster
// (package cluster implements it over NATS). The router keeps delivering to
// its own sessions directly; the cluster carries the rest.
type Cluster interface {
	// Publish sends ev to the sessions of the users in to that are held by
	// other nodes. It must not block on slow peers.
	Publish(to []int64, ev *event.Event)
	// Online records s in the cluster-wide registry, with the user's status.
	// If exclusive, exclusive sessions of the same user and device type on
	// other nodes are told to close (the Turms rule: one session per device
	// type).
	Online(s Session, exclusive bool, status int32)
	// Offline removes s from the registry.
	Offline(s Session)
	// SetStatus records a user's status cluster-wide.
	SetStatus(userID int64, status int32)
	// Lookup returns the user's status and the device types of their
	// sessions on every live node, this one included, and the sessions on
	// other nodes; ok is false when the registry could not be read (the
	// router then answers from this node).
	Lookup(userID int64) (p Presence, remote []Remote, ok bool)
	// Describe replaces what the registry says of s for other nodes' eyes
	// (see Describer).
	Describe(s Session, info []byte)
}

// Describer is a session that tells other nodes something of itself
// through the registry: an XMPP resource's name and presence, which
// contacts on other nodes probe. Info is opaque to the router; it is
// recorded when the session registers and replaced by Describe.
type Describer interface {
	Info() []byte
}

// Remote is a session of another node, as the registry holds it.
type Remote struct {
	Node       int
	ID         int64
	DeviceType int32
	Info       []byte
}

// Describe replaces what other nodes see of s (a Describer's Info).
func (r *Router) Describe(s Session, info []byte) {
	if r.cluster != nil {
		r.cluster.Describe(s, info)
	}
}

// Snapshot returns userID's presence (as Presence does) and their
// sessions on other nodes (none on a node of its own), from one reading of
// the registry.
func (r *Router) Snapshot(userID int64) (Presence, []Remote) {
	local := r.localPresence(userID)
	if r.cluster == nil {
		return local, nil
	}
	p, remote, ok := r.cluster.Lookup(userID)
	if !ok {
		return local, nil
	}
	if len(p.DeviceTypes) == 0 {
		p.Status = local.Status
	}
	for _, dt := range local.DeviceTypes {
		if !slices.Contains(p.DeviceTypes, dt) {
			p.DeviceTypes = append(p.DeviceTypes, dt)
		}
	}
	return p, remote
}

// Join makes r a member of c. It must be called before any session
// registers.
func (r *Router) Join(c Cluster) { r.cluster = c }

// DeliverLocal hands ev to this node's sessions of the users in to: the
// cluster calls it for events that other nodes published. It never
// publishes to the cluster again.
func (r *Router) DeliverLocal(to []int64, ev *event.Event) { r.deliver(to, ev) }

// DeliverSession hands ev to one session of this node, if it is still
// here: the cluster calls it for events another node addressed to a single
// session (a device-type kick).
func (r *Router) DeliverSession(userID, sessionID int64, ev *event.Event) bool {
	sh := r.shard(userID)
	sh.mu.RLock()
	var target Session
	if e := sh.users[userID]; e != nil {
		for _, sl := range e.sessions {
			if sl.s.ID() == sessionID {
				target = sl.s
				break
			}
		}
	}
	sh.mu.RUnlock()
	if target == nil {
		return false
	}
	target.Deliver(ev)
	return true
}

// Registered is a session of this node as the router holds it.
type Registered struct {
	Session   Session
	Exclusive bool
	Status    int32 // its user's status
}

// Local returns every session of this node (the cluster records them again
// after it lost its registry entries).
func (r *Router) Local() []Registered {
	var out []Registered
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		for _, e := range sh.users {
			for _, sl := range e.sessions {
				out = append(out, Registered{Session: sl.s, Exclusive: sl.exclusive, Status: e.status})
			}
		}
		sh.mu.RUnlock()
	}
	return out
}
