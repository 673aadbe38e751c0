// Package router delivers domain events to the online sessions of the users
// they are addressed to, and is the registry of who is online on which
// device. It holds this node's sessions; given a Cluster (see Join), it also
// reaches the sessions of other nodes and consults the cluster-wide
// registry for statuses and device-type conflicts.
package router

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"hermod/internal/domain/event"
)

// Session is an online session of any protocol, as the router sees it.
type Session interface {
	ID() int64
	UserID() int64
	DeviceType() int32
	// Deliver hands ev to the session without blocking. A session that
	// cannot keep up closes itself rather than stall the sender.
	Deliver(ev *event.Event)
}

// Status values the router reports for users with no session (the Turms
// UserStatus numbers; the router keeps whatever a session set).
const (
	StatusAvailable int32 = 0
	StatusOffline   int32 = 1
)

var sessionIDs atomic.Int64

// NewSessionID returns a session id unique in this process, across
// protocols: events name the session that caused them by it. After
// SetNode, ids are unique across the cluster too.
func NewSessionID() int64 { return sessionIDs.Add(1) }

// SetNode makes the session ids this process hands out from now on unique
// across nodes, by starting them at node<<40 (a node makes far fewer than
// 2^40 sessions in its life). Ids only grow, so calling it again (several
// nodes in one test process) never repeats an id.
func SetNode(node int) {
	base := int64(node) << 40
	for {
		cur := sessionIDs.Load()
		if cur >= base || sessionIDs.CompareAndSwap(cur, base) {
			return
		}
	}
}

const shardCount = 64 // a power of two

// Router is safe for concurrent use. Users are spread over shards so that
// logins and deliveries for different users rarely contend.
type Router struct {
	shards [shardCount]shard
	// cluster reaches other nodes; nil on a single node. Set by Join before
	// any session registers.
	cluster Cluster
}

type shard struct {
	mu    sync.RWMutex
	users map[int64]*entry
}

type entry struct {
	sessions []slot
	status   int32
}

type slot struct {
	s         Session
	exclusive bool
}

// New returns an empty router.
func New() *Router {
	r := &Router{}
	for i := range r.shards {
		r.shards[i].users = make(map[int64]*entry)
	}
	return r
}

func (r *Router) shard(userID int64) *shard {
	return &r.shards[uint64(userID)&(shardCount-1)]
}

// Register adds s. If exclusive, any other exclusive session of the same
// user and device type is removed and returned, for the caller to close
// (the Turms rule: one session per device type). Status is the user's
// status once s is online.
//
// In a cluster, s is also recorded in the cluster-wide registry, and
// exclusive sessions of the same device type on other nodes are told to
// close; those are not in replaced.
func (r *Router) Register(s Session, exclusive bool, status int32) (replaced []Session) {
	replaced = r.register(s, exclusive, status)
	if r.cluster != nil {
		r.cluster.Online(s, exclusive, status)
	}
	return replaced
}

func (r *Router) register(s Session, exclusive bool, status int32) (replaced []Session) {
	sh := r.shard(s.UserID())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.users[s.UserID()]
	if e == nil {
		e = &entry{}
		sh.users[s.UserID()] = e
	}
	if exclusive {
		kept := e.sessions[:0]
		for _, sl := range e.sessions {
			if sl.exclusive && sl.s.DeviceType() == s.DeviceType() {
				replaced = append(replaced, sl.s)
				continue
			}
			kept = append(kept, sl)
		}
		clear(e.sessions[len(kept):])
		e.sessions = kept
	}
	e.sessions = append(e.sessions, slot{s: s, exclusive: exclusive})
	e.status = status
	return replaced
}

// Unregister removes s; it reports whether s was registered and whether it
// was its user's last session.
func (r *Router) Unregister(s Session) (found, last bool) {
	found, last = r.unregister(s)
	if found && r.cluster != nil {
		r.cluster.Offline(s)
		if last {
			// The user may still be online elsewhere.
			last = len(r.Presence(s.UserID()).DeviceTypes) == 0
		}
	}
	return found, last
}

func (r *Router) unregister(s Session) (found, last bool) {
	sh := r.shard(s.UserID())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.users[s.UserID()]
	if e == nil {
		return false, false
	}
	for i, sl := range e.sessions {
		if sl.s == s {
			e.sessions = append(e.sessions[:i], e.sessions[i+1:]...)
			found = true
			break
		}
	}
	if len(e.sessions) == 0 {
		delete(sh.users, s.UserID())
		return found, true
	}
	return found, false
}

// Publish delivers ev to every session of the users in to, except the
// session that made the request, on this node and, in a cluster, on the
// others.
func (r *Router) Publish(_ context.Context, to []int64, ev *event.Event) {
	r.deliver(to, ev)
	if r.cluster != nil {
		r.cluster.Publish(to, ev)
	}
}

func (r *Router) deliver(to []int64, ev *event.Event) {
	for i, uid := range to {
		if SeenBefore(to[:i], uid) {
			continue
		}
		sh := r.shard(uid)
		sh.mu.RLock()
		if e := sh.users[uid]; e != nil {
			for _, sl := range e.sessions {
				if sl.s.ID() != ev.RequesterSession {
					sl.s.Deliver(ev)
				}
			}
		}
		sh.mu.RUnlock()
	}
}

// SeenBefore reports whether id occurs in ids (the recipients before it),
// so that a recipient listed twice is served once; recipient lists are
// short, so a scan beats a set, and long ones come deduplicated from the
// domain.
func SeenBefore(ids []int64, id int64) bool {
	if len(ids) > 16 {
		return false // long lists come deduplicated from the domain
	}
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// Sessions returns the online sessions of userID on this node.
func (r *Router) Sessions(userID int64) []Session {
	sh := r.shard(userID)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e := sh.users[userID]
	if e == nil {
		return nil
	}
	out := make([]Session, len(e.sessions))
	for i, sl := range e.sessions {
		out[i] = sl.s
	}
	return out
}

// SetStatus sets the status of an online user; it reports false if the
// user has no session (in a cluster: on any node).
func (r *Router) SetStatus(userID int64, status int32) bool {
	here := r.setStatus(userID, status)
	if r.cluster == nil {
		return here
	}
	r.cluster.SetStatus(userID, status)
	return here || len(r.Presence(userID).DeviceTypes) > 0
}

func (r *Router) setStatus(userID int64, status int32) bool {
	sh := r.shard(userID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.users[userID]
	if e == nil {
		return false
	}
	e.status = status
	return true
}

// Presence is a user's status and the device types of their sessions.
type Presence struct {
	UserID      int64
	Status      int32
	DeviceTypes []int32
}

// Presence returns userID's presence; a user with no session is
// StatusOffline with no device types. In a cluster it is the registry's
// view, with this node's sessions added in case the registry lags.
func (r *Router) Presence(userID int64) Presence {
	p, _ := r.Snapshot(userID)
	return p
}

func (r *Router) localPresence(userID int64) Presence {
	sh := r.shard(userID)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	p := Presence{UserID: userID, Status: StatusOffline}
	e := sh.users[userID]
	if e == nil {
		return p
	}
	p.Status = e.status
	for _, sl := range e.sessions {
		if !slices.Contains(p.DeviceTypes, sl.s.DeviceType()) {
			p.DeviceTypes = append(p.DeviceTypes, sl.s.DeviceType())
		}
	}
	return p
}

// Each calls fn for every online session, shard by shard, holding no lock
// while fn runs.
func (r *Router) Each(fn func(Session)) {
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		var all []Session
		for _, e := range sh.users {
			for _, sl := range e.sessions {
				all = append(all, sl.s)
			}
		}
		sh.mu.RUnlock()
		for _, s := range all {
			fn(s)
		}
	}
}

// Status returns a user's status and the device types of their sessions
// (presence.Directory).
func (r *Router) Status(userID int64) (int32, []int32) {
	p := r.Presence(userID)
	return p.Status, p.DeviceTypes
}
