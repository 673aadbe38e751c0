// Package relation manages who knows whom: friend requests, one-sided
// relationships (friendship is two of them), blocking, and relationship
// groups. XMPP rosters and subscriptions are a view of the same records.
package relation

import (
	"context"
	"errors"
	"slices"

	"hermod/internal/cache"
	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/idgen"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Options are the relationship rules; DefaultOptions are Turms's defaults.
type Options struct {
	MaxContentLength        int
	MaxResponseReasonLength int
	// FriendRequestTTLMillis is how long a friend request stays pending.
	FriendRequestTTLMillis int64
	// AllowRecall lets a requester take back a pending friend request.
	AllowRecall bool
	// AllowResendAfterDecline lets a requester ask again after a decline,
	// an ignore or an expiry; otherwise only a new relationship cycle does.
	AllowResendAfterDecline bool
	// DeleteTwoSided deletes both sides when a user deletes a relationship.
	DeleteTwoSided bool
	// NotifyRelatedUser relays one-sided relationship changes to the other
	// user as well as to the requester's other sessions.
	NotifyRelatedUser bool
	// Changed, if set, is told of both users of every relationship changed
	// here, after the change (a cluster tells the other nodes, which
	// Invalidate them).
	Changed func(userID int64)
}

// DefaultOptions returns Turms's defaults.
func DefaultOptions() Options {
	return Options{
		MaxContentLength:        200,
		MaxResponseReasonLength: 200,
		FriendRequestTTLMillis:  30 * 24 * 3600 * 1000,
	}
}

// Service is the relationship service.
type Service struct {
	st   store.Store
	pub  event.Publisher
	ids  *idgen.Generator
	opts Options
	// blocked caches, per owner, the ids the owner has blocked (sorted;
	// nil for most users): every private message asks whether its
	// recipient blocked its sender. Every relationship change through this
	// service invalidates both users of the pair.
	blocked *cache.Cache[int64, []int64]
}

// blockedCacheSize bounds the owners whose blocked ids are cached.
const blockedCacheSize = 1 << 17

// New returns the relationship service.
func New(st store.Store, pub event.Publisher, ids *idgen.Generator, opts Options) *Service {
	return &Service{st: st, pub: pub, ids: ids, opts: opts, blocked: cache.New[int64, []int64](blockedCacheSize)}
}

// Invalidate forgets what is cached about userID's relationships. Every
// relationship change made through this service calls it for both users
// (and Options.Changed); in a cluster, a change made on another node must
// call it here too.
func (s *Service) Invalidate(userID int64) { s.blocked.Invalidate(userID) }

// invalidatePair follows a change of the relationships between a and b.
func (s *Service) invalidatePair(a, b int64) {
	for _, id := range [2]int64{a, b} {
		s.Invalidate(id)
		if s.opts.Changed != nil {
			s.opts.Changed(id)
		}
	}
}

func (s *Service) publish(ctx context.Context, r domain.Requester, to []int64, payload, origin any) {
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID, Payload: payload, Origin: origin,
	})
}

// IsBlocked reports whether owner has blocked related, from a cache of the
// owner's blocked ids that Invalidate keeps current.
func (s *Service) IsBlocked(ctx context.Context, ownerID, relatedID int64) (bool, error) {
	ids, err := s.blocked.Get(ownerID, func() ([]int64, error) {
		blocked := true
		rels, err := s.st.Relationships().List(ctx, ownerID, store.RelationshipFilter{Blocked: &blocked})
		if err != nil || len(rels) == 0 {
			return nil, err
		}
		ids := make([]int64, len(rels))
		for i, r := range rels {
			ids[i] = r.RelatedID
		}
		slices.Sort(ids)
		return ids, nil
	})
	if err != nil {
		return false, err
	}
	_, found := slices.BinarySearch(ids, relatedID)
	return found, nil
}

// IsRelatedNotBlocked reports whether owner has a relationship with related
// that is not a block (Turms: "has relationship and not blocked").
func (s *Service) IsRelatedNotBlocked(ctx context.Context, ownerID, relatedID int64) (bool, error) {
	rel, err := s.st.Relationships().Get(ctx, ownerID, relatedID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return rel.BlockDate == 0, nil
}

// upToDate refuses with AlreadyUpToDate when the client's copy is current.
func upToDate(version, lastUpdated int64) error {
	if lastUpdated > 0 && version > 0 && lastUpdated >= version {
		return domain.Refuse(status.AlreadyUpToDate)
	}
	return nil
}
