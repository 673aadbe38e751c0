package store

import "context"

// PrivateConversation is how far Owner has read the messages from Target.
type PrivateConversation struct {
	OwnerID  int64
	TargetID int64
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
}
