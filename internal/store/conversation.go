package store

import "context"

// PrivateConversation is how far Owner has read the messages from Target.
type PrivateConversation struct {
	OwnerID  int64
	TargetID int64
	ReadDate int64
}

// GroupReadDate is how far a member has read a group's messages.
type GroupReadDate struct {
	GroupID  int64
	MemberID int64
	ReadDate int64
}

// ConversationRepo stores read dates.
type ConversationRepo interface {
	// UpsertPrivateReadDate sets owner's read date for the conversation with
	// target.
	UpsertPrivateReadDate(ctx context.Context, ownerID, targetID, readDate int64) error
	// ListPrivate returns owner's conversations with the given targets (all
	// of owner's when targets is empty).
	ListPrivate(ctx context.Context, ownerID int64, targetIDs []int64) ([]PrivateConversation, error)
	// UpsertGroupReadDate sets member's read date of a group.
	UpsertGroupReadDate(ctx context.Context, groupID, memberID, readDate int64) error
	// ListGroup returns the read dates of the groups' members, by group
	// then member.
	ListGroup(ctx context.Context, groupIDs []int64) ([]GroupReadDate, error)
}
