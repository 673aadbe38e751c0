package store

import "context"

// Relationship is one side of a relationship: how Owner sees Related. A
// friendship is two relationships, one each way, neither blocked.
type Relationship struct {
	OwnerID   int64
	RelatedID int64
	// BlockDate is when Owner blocked Related; 0 if not blocked.
	BlockDate         int64
	EstablishmentDate int64
	Name              string
	Note              string
	// GroupIndexes are the owner's relationship groups that hold Related.
	// Every relationship is in the default group 0 unless moved elsewhere.
	GroupIndexes []int32
}

// RelationshipUpdate changes the fields that are non-nil.
type RelationshipUpdate struct {
	BlockDate *int64
	Name      *string
	Note      *string
}

// RelationshipFilter selects an owner's relationships. Empty fields match all.
type RelationshipFilter struct {
	RelatedIDs   []int64
	Blocked      *bool
	GroupIndexes []int32
}

// RelationshipGroup is a named group of an owner's relationships (a roster
// group in XMPP). Index 0 is the default group, which always exists.
type RelationshipGroup struct {
	OwnerID      int64
	Index        int32
	Name         string
	CreationDate int64
}

// RelationshipRepo stores relationships and relationship groups. Every write
// bumps the owner's VersionRelationships or VersionRelationshipGroups.
type RelationshipRepo interface {
	// Create adds r and puts it in r.GroupIndexes (group 0 when empty).
	// ErrConflict if it exists.
	Create(ctx context.Context, r *Relationship) error
	// Get returns the relationship of owner to related, or ErrNotFound.
	Get(ctx context.Context, ownerID, relatedID int64) (*Relationship, error)
	// Update changes a relationship. ErrNotFound if there is none.
	Update(ctx context.Context, ownerID, relatedID int64, upd RelationshipUpdate, now int64) error
	// Delete removes a relationship and its group memberships. ErrNotFound if
	// there was none.
	Delete(ctx context.Context, ownerID, relatedID int64, now int64) error
	// List returns the owner's relationships matching f, by related id.
	List(ctx context.Context, ownerID int64, f RelationshipFilter) ([]Relationship, error)

	// CreateGroup adds a group with the next free index and returns it.
	CreateGroup(ctx context.Context, ownerID int64, name string, now int64) (RelationshipGroup, error)
	// RenameGroup renames a group. ErrNotFound if there is none.
	RenameGroup(ctx context.Context, ownerID int64, index int32, name string, now int64) error
	// DeleteGroup removes a group (never group 0) and moves its members to
	// target. ErrNotFound if there is no such group.
	DeleteGroup(ctx context.Context, ownerID int64, index, target int32, now int64) error
	// ListGroups returns the owner's groups by index, group 0 first.
	ListGroups(ctx context.Context, ownerID int64) ([]RelationshipGroup, error)
	// AddToGroup puts related into the owner's group index (idempotent).
	// ErrNotFound if the group or the relationship does not exist.
	AddToGroup(ctx context.Context, ownerID int64, index int32, relatedID int64, now int64) error
	// RemoveFromGroup takes related out of the owner's group index.
	RemoveFromGroup(ctx context.Context, ownerID int64, index int32, relatedID int64, now int64) error
}
