package store

import "context"

// GroupType is a set of rules groups share: how big they may grow, who may
// invite, how users join, who may change what. Strategies are the numbers
// of package group's enumerations; the store keeps them opaque.
type GroupType struct {
	ID                       int64
	Name                     string
	SizeLimit                int32
	InvitationStrategy       int32
	JoinStrategy             int32
	InfoUpdateStrategy       int32
	MemberInfoUpdateStrategy int32
	GuestSpeakable           bool
	SelfInfoUpdatable        bool
	EnableReadReceipt        bool
	MessageEditable          bool
}

// GroupTypeRepo stores group types.
type GroupTypeRepo interface {
	// Create adds t. ErrConflict if its id is taken.
	Create(ctx context.Context, t *GroupType) error
	// Get returns the type with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*GroupType, error)
	// List returns every type in id order.
	List(ctx context.Context) ([]GroupType, error)
}

// Group is a group chat.
type Group struct {
	ID           int64
	TypeID       int64
	CreatorID    int64
	OwnerID      int64
	Name         string
	Intro        string
	Announcement string
	MinScore     int32
	// MuteEndDate is when the group stops being muted; 0 if not muted.
	MuteEndDate int64
	Active      bool
	// Attributes are user-defined attributes as a JSON object; nil when none.
	Attributes      []byte
	CreationDate    int64
	LastUpdatedDate int64
	// DeletionDate is when the group was deleted; 0 while it exists.
	DeletionDate int64
}

// GroupUpdate changes the fields that are non-nil.
type GroupUpdate struct {
	TypeID       *int64
	OwnerID      *int64
	Name         *string
	Intro        *string
	Announcement *string
	MinScore     *int32
	MuteEndDate  *int64
	Active       *bool
	Attributes   *[]byte
	DeletionDate *int64
	// LastUpdatedDate is set on every update.
	LastUpdatedDate int64
}

// GroupRepo stores groups. Deleted groups stay, with a DeletionDate, so
// that their messages keep a home.
type GroupRepo interface {
	// Create adds g. ErrConflict if its id is taken.
	Create(ctx context.Context, g *Group) error
	// Get returns the group with id, deleted or not, or ErrNotFound.
	Get(ctx context.Context, id int64) (*Group, error)
	// GetMany returns the groups that exist among ids, in ascending id order.
	GetMany(ctx context.Context, ids []int64) ([]Group, error)
	// Update applies upd. ErrNotFound if there is no such group.
	Update(ctx context.Context, id int64, upd GroupUpdate) error
	// CountOwned returns how many undeleted groups ownerID owns.
	CountOwned(ctx context.Context, ownerID int64) (int64, error)
}

// GroupMember is a user's membership of a group. Roles are the Turms
// GroupMemberRole numbers (OWNER 0, MANAGER 1, MEMBER 2, GUEST 3,
// ANONYMOUS_GUEST 4): lower is mightier.
type GroupMember struct {
	GroupID  int64
	UserID   int64
	Name     string
	Role     int32
	JoinDate int64
	// MuteEndDate is when the member may speak again; 0 if not muted.
	MuteEndDate int64
	Note        string
}

// GroupMemberUpdate changes the fields that are non-nil.
type GroupMemberUpdate struct {
	Name        *string
	Role        *int32
	MuteEndDate *int64
	Note        *string
}

// GroupMemberRepo stores memberships.
type GroupMemberRepo interface {
	// Add adds members. ErrConflict if one of them already is a member.
	Add(ctx context.Context, members []GroupMember) error
	// Remove removes userIDs from the group (all members when userIDs is
	// nil) and returns how many were members.
	Remove(ctx context.Context, groupID int64, userIDs []int64) (int64, error)
	// Get returns one membership, or ErrNotFound.
	Get(ctx context.Context, groupID, userID int64) (*GroupMember, error)
	// List returns the group's members among userIDs (all when empty), in
	// user id order.
	List(ctx context.Context, groupID int64, userIDs []int64) ([]GroupMember, error)
	// Count returns how many members the group has.
	Count(ctx context.Context, groupID int64) (int64, error)
	// Update changes a membership. ErrNotFound if there is none.
	Update(ctx context.Context, groupID, userID int64, upd GroupMemberUpdate) error
	// GroupIDs returns the groups userID is a member of, in id order.
	GroupIDs(ctx context.Context, userID int64) ([]int64, error)
}

// GroupVersionKind names a collection of a group's records whose last
// change clients compare against (Turms last_updated_date).
type GroupVersionKind string

const (
	GroupVersionMembers      GroupVersionKind = "members"
	GroupVersionBlocklist    GroupVersionKind = "blocklist"
	GroupVersionQuestions    GroupVersionKind = "questions"
	GroupVersionInvitations  GroupVersionKind = "invitations"
	GroupVersionJoinRequests GroupVersionKind = "join_requests"
)

// GroupVersionRepo keeps, per group and kind, when that collection last
// changed.
type GroupVersionRepo interface {
	// Get returns the last change of kind, or 0 if it never changed.
	Get(ctx context.Context, groupID int64, kind GroupVersionKind) (int64, error)
	// Bump records a change at now; the stored value never goes backwards.
	Bump(ctx context.Context, groupID int64, kind GroupVersionKind, now int64) error
}
