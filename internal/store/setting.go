package store

import "context"

// SettingScope says what a setting belongs to: the user, or one of their
// conversations.
type SettingScope int32

const (
	ScopeUser                SettingScope = 0
	ScopePrivateConversation SettingScope = 1
	ScopeGroupConversation   SettingScope = 2
)

// Setting is one named value a user keeps for themselves or for a
// conversation (TargetID: the peer or the group; 0 for user settings).
// Value is JSON, opaque to the store.
type Setting struct {
	OwnerID     int64
	Scope       SettingScope
	TargetID    int64
	Name        string
	Value       []byte
	UpdatedDate int64
}

// SettingFilter selects an owner's settings of one scope; empty lists
// match all.
type SettingFilter struct {
	OwnerID   int64
	Scope     SettingScope
	TargetIDs []int64
	Names     []string
}

// SettingRepo stores user and conversation settings.
type SettingRepo interface {
	// Upsert writes settings, replacing values of the same name.
	Upsert(ctx context.Context, settings []Setting) error
	// Delete removes the matching settings and returns how many.
	Delete(ctx context.Context, f SettingFilter) (int64, error)
	// List returns the matching settings by target then name.
	List(ctx context.Context, f SettingFilter) ([]Setting, error)
}

// MessageReaction is one user's reaction of one type to a message.
type MessageReaction struct {
	MessageID    int64
	UserID       int64
	Type         int32
	CreationDate int64
}

// ReactionRepo stores message reactions.
type ReactionRepo interface {
	// Add adds reactions; existing ones are kept as they are.
	Add(ctx context.Context, rs []MessageReaction) error
	// Remove removes userID's reactions of types to a message and returns
	// how many there were.
	Remove(ctx context.Context, messageID, userID int64, types []int32) (int64, error)
	// List returns the reactions to the messages, by message, type, then
	// creation.
	List(ctx context.Context, messageIDs []int64) ([]MessageReaction, error)
}
