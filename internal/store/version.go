package store

import "context"

// VersionKind names a collection of a user's records whose last change
// clients compare against (Turms last_updated_date, XMPP roster ver).
type VersionKind string

const (
	VersionRelationships          VersionKind = "relationships"
	VersionRelationshipGroups     VersionKind = "relationship_groups"
	VersionSentFriendRequests     VersionKind = "sent_friend_requests"
	VersionReceivedFriendRequests VersionKind = "received_friend_requests"
	// VersionJoinedGroups changes when the user joins or leaves a group.
	VersionJoinedGroups VersionKind = "joined_groups"
)

// VersionRepo keeps, per user and kind, when that collection last changed.
type VersionRepo interface {
	// Get returns the last change of kind for userID, or 0 if it never
	// changed.
	Get(ctx context.Context, userID int64, kind VersionKind) (int64, error)
	// Bump records a change at now; the stored value never goes backwards.
	Bump(ctx context.Context, userID int64, kind VersionKind, now int64) error
}
