package event

import "hermod/internal/store"

// Group events. They carry the changed records, not protocol requests, so
// that every protocol (Turms relays, XMPP MUC presence and affiliations)
// can render them.

// GroupCreated: a user created a group (told to their other sessions).
type GroupCreated struct{ Group store.Group }

// GroupUpdated: a group's information, owner, type or mute changed.
type GroupUpdated struct{ Group store.Group }

// GroupDeleted: a group was deleted; its members are no longer members.
type GroupDeleted struct{ GroupID int64 }

// GroupMembersAdded: users joined a group (added, invited, accepted or by
// answering its questions).
type GroupMembersAdded struct {
	GroupID int64
	Members []store.GroupMember
}

// GroupMembersRemoved: users left a group (removed, or quit).
type GroupMembersRemoved struct {
	GroupID int64
	UserIDs []int64
}

// GroupMemberUpdated: a member's name, role, mute or note changed.
type GroupMemberUpdated struct{ Member store.GroupMember }

// SettingsChanged: a user changed or deleted some of their settings, or
// of their settings for a conversation (Scope, TargetID).
type SettingsChanged struct {
	OwnerID  int64
	Scope    store.SettingScope
	TargetID int64
	// Values are the new values (JSON) by name; nil on deletion.
	Values map[string][]byte
	// Deleted are the names deleted.
	Deleted []string
}

// ReactionsChanged: a user added (or removed) reactions to a message.
type ReactionsChanged struct {
	MessageID int64
	UserID    int64
	Types     []int32
	Removed   bool
	// Current is the user's whole set of reactions to the message after the
	// change, for protocols that send the whole set each time (XMPP).
	Current []int32
	// Partial marks an event that another event of the same change follows
	// (a set replaced by removals, then additions): protocols that send the
	// whole set wait for the last.
	Partial bool
	// Message is the message reacted to, as stored.
	Message store.Message
}
