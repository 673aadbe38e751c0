// Package group holds the rules of group chats: group types, groups,
// members and their roles, and (in enrollment.go and blocklist.go) how
// users come to be members. The message service asks it who may speak in
// a group and who hears a group message.
package group

import (
	"context"
	"errors"
	"sync"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/idgen"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Role is a member's role (the Turms GroupMemberRole numbers): lower is
// mightier.
type Role = int32

const (
	RoleOwner          Role = 0
	RoleManager        Role = 1
	RoleMember         Role = 2
	RoleGuest          Role = 3
	RoleAnonymousGuest Role = 4
)

// Directory tells whether users are online and on which devices (the
// router).
type Directory interface {
	Status(userID int64) (status int32, deviceTypes []int32)
}

// Options are the group rules; DefaultOptions are Turms's defaults.
type Options struct {
	// ActivateGroupWhenCreated makes new groups active (Turms:
	// activate-group-when-created).
	ActivateGroupWhenCreated bool
	// AllowOwnerChangeGroupType lets owners move their group to another
	// type (Turms: allow-group-owner-change-group-type).
	AllowOwnerChangeGroupType bool
	// MaxAttributesBytes caps a group's user-defined attributes, as JSON.
	MaxAttributesBytes int
	// NotifyMembersOfMemberUpdate relays member changes (name, role, mute)
	// to the group's members, not only the requester's other sessions
	// (Turms: notification.group-member-info-updated.notify-other-group-members).
	NotifyMembersOfMemberUpdate bool
	// MaxCachedGroups bounds the in-memory cache of groups and their
	// members that keeps group messages off the store's read path.
	MaxCachedGroups int
	// Changed, if set, is told of every group that changed, after the
	// change (a cluster tells the other nodes, which Forget it).
	Changed func(groupID int64)

	Enrollment EnrollmentOptions
}

// DefaultOptions returns Turms's defaults.
func DefaultOptions() Options {
	return Options{
		ActivateGroupWhenCreated: true,
		MaxAttributesBytes:       4096,
		MaxCachedGroups:          10000,
		Enrollment:               DefaultEnrollmentOptions(),
	}
}

// Service is the group service.
type Service struct {
	st   store.Store
	pub  event.Publisher
	ids  *idgen.Generator
	dir  Directory
	opts Options

	mu    sync.Mutex
	cache map[int64]*state
	// epoch counts cache invalidations, so that a load that raced with a
	// change does not store what it read before the change.
	epoch uint64
}

// New returns the group service and makes sure the default group type
// exists.
func New(ctx context.Context, st store.Store, pub event.Publisher, ids *idgen.Generator, dir Directory, opts Options) (*Service, error) {
	s := &Service{st: st, pub: pub, ids: ids, dir: dir, opts: opts, cache: map[int64]*state{}}
	if err := s.ensureDefaultType(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// state is a group, its type and its members as last read from the store.
// It is never changed once cached: a change replaces it.
type state struct {
	group   store.Group
	typ     store.GroupType
	members map[int64]*store.GroupMember
	// ids are the member ids, for fan-out.
	ids []int64
	// alias is the group's alias, "" for none.
	alias string
}

func (st *state) deleted() bool { return st.group.DeletionDate != 0 }

func (st *state) role(userID int64) (Role, bool) {
	m := st.members[userID]
	if m == nil {
		return 0, false
	}
	return m.Role, true
}

// load returns the group's state, from the cache when it holds it.
// ErrNotFound when the group never existed.
func (s *Service) load(ctx context.Context, groupID int64) (*state, error) {
	s.mu.Lock()
	if st := s.cache[groupID]; st != nil {
		s.mu.Unlock()
		return st, nil
	}
	epoch := s.epoch
	s.mu.Unlock()

	g, err := s.st.Groups().Get(ctx, groupID)
	if err != nil {
		return nil, err
	}
	t, err := s.groupType(ctx, g.TypeID)
	if err != nil {
		return nil, err
	}
	ms, err := s.st.GroupMembers().List(ctx, groupID, nil)
	if err != nil {
		return nil, err
	}
	alias, err := s.st.GroupAliases().Of(ctx, groupID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	st := &state{group: *g, typ: *t, members: make(map[int64]*store.GroupMember, len(ms)), ids: make([]int64, len(ms)), alias: alias}
	for i := range ms {
		st.members[ms[i].UserID] = &ms[i]
		st.ids[i] = ms[i].UserID
	}
	s.mu.Lock()
	if s.epoch == epoch {
		if len(s.cache) >= s.opts.MaxCachedGroups {
			clear(s.cache)
		}
		s.cache[groupID] = st
	}
	s.mu.Unlock()
	return st, nil
}

// forget drops a group from the cache after it changed here.
func (s *Service) forget(groupID int64) {
	s.Forget(groupID)
	if s.opts.Changed != nil {
		s.opts.Changed(groupID)
	}
}

// Forget drops a group from the cache: it changed (on another node, when
// called from outside).
func (s *Service) Forget(groupID int64) {
	s.mu.Lock()
	delete(s.cache, groupID)
	s.epoch++
	s.mu.Unlock()
}

// groupType returns a type; a group whose type was removed falls back to
// the default type.
func (s *Service) groupType(ctx context.Context, id int64) (*store.GroupType, error) {
	t, err := s.st.GroupTypes().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) && id != DefaultTypeID {
		return s.st.GroupTypes().Get(ctx, DefaultTypeID)
	}
	return t, err
}

// live loads a group that exists and is not deleted; otherwise it refuses
// with notFound. asUser is the user whose place in the group the caller
// checks (0: none): in a cluster, a cached state that does not have them as
// a member is read again from the store, because another node may have
// made them one a moment ago and its invalidation may still be on the way.
// (A stale cache can only lag; a member who was removed elsewhere is
// refused once the invalidation arrives.)
func (s *Service) live(ctx context.Context, groupID, asUser int64, notFound status.Code) (*state, error) {
	st, err := s.load(ctx, groupID)
	if err == nil && asUser != 0 && s.opts.Changed != nil && st.members[asUser] == nil {
		s.Forget(groupID)
		st, err = s.load(ctx, groupID)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && st.deleted()) {
		return nil, domain.Refuse(notFound)
	}
	return st, err
}

// publish sends payload to the users in to (deduplicated here, because
// the router only deduplicates short lists).
func (s *Service) publish(ctx context.Context, r domain.Requester, to []int64, payload, origin any) {
	s.pub.Publish(ctx, dedup(to), &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID, Payload: payload, Origin: origin,
	})
}

func dedup(ids []int64) []int64 {
	if len(ids) <= 16 {
		return ids
	}
	seen := make(map[int64]struct{}, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// with returns ids and extra as one new list.
func with(ids []int64, extra ...int64) []int64 {
	out := make([]int64, 0, len(ids)+len(extra))
	out = append(out, ids...)
	for _, id := range extra {
		if !contains(ids, id) {
			out = append(out, id)
		}
	}
	return out
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// upToDate refuses with AlreadyUpToDate when the client's copy is current.
func upToDate(version, lastUpdated int64) error {
	if lastUpdated > 0 && version > 0 && lastUpdated >= version {
		return domain.Refuse(status.AlreadyUpToDate)
	}
	return nil
}

// muted reports whether a mute that ends at end is in force.
func muted(end int64) bool { return end > domain.Now() }
