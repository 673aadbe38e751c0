// Package event defines what domain services tell the sessions of other
// users (and of the requester's other devices): every change someone else
// must hear about becomes an Event addressed to user ids. The router carries
// events; each session renders them in its own protocol.
package event

import (
	"context"
	"sync"

	"hermod/internal/store"
)

// Event is one change, as delivered to every addressed session.
type Event struct {
	// RequesterID is the user whose request caused the change; 0 for the
	// server itself.
	RequesterID int64
	// RequesterSession is the session that made the request. It learns the
	// outcome from its response, so it is skipped on delivery.
	RequesterSession int64
	// Payload says what changed: one of the types in this package.
	Payload any
	// Origin is the protocol request that caused the change (for example a
	// Turms request with server-assigned ids filled in), so that sessions of
	// the same protocol can relay it exactly. nil when the change came from
	// elsewhere; renderers then build their form from Payload.
	Origin any

	// renders caches each protocol's encoding so that a change fanned out to
	// many sessions is encoded once per protocol.
	renders [numRenderSlots]render
}

type render struct {
	once sync.Once
	b    []byte
}

// Render slots, one per protocol that caches encodings.
const (
	SlotTurms = iota
	SlotXMPP
	numRenderSlots
)

// Rendered returns the encoding for slot, calling encode only the first
// time. encode must not depend on the receiving session.
func (e *Event) Rendered(slot int, encode func() []byte) []byte {
	r := &e.renders[slot]
	r.once.Do(func() { r.b = encode() })
	return r.b
}

// Publisher delivers events to every online session of the given users.
type Publisher interface {
	Publish(ctx context.Context, to []int64, ev *Event)
}

// MessageCreated: a private or group message was stored.
type MessageCreated struct{ Message store.Message }

// MessageUpdated: a message was edited or recalled.
type MessageUpdated struct {
	Message store.Message // the message after the change
	// Edited and Recalled say which change it was.
	Edited, Recalled bool
}

// TypingStatus: FromID is typing to ToID (a user, or a group if IsGroup).
type TypingStatus struct {
	FromID, ToID int64
	IsGroup      bool
}

// FriendRequestCreated: a friend request was sent.
type FriendRequestCreated struct{ Request store.FriendRequest }

// FriendRequestRecalled: its requester took a pending friend request back.
type FriendRequestRecalled struct{ Request store.FriendRequest }

// FriendRequestReplied: the recipient accepted, declined or ignored it.
type FriendRequestReplied struct{ Request store.FriendRequest }

// RelationshipChanged: the owner created, changed or deleted a
// relationship. It is addressed to both users.
type RelationshipChanged struct {
	OwnerID, RelatedID int64
	Deleted            bool
	// RelayToRelated says whether Turms clients of the related user are
	// told (Turms: notify-related-user); XMPP rosters always are.
	RelayToRelated bool
}

// RelationshipGroupsChanged: the owner changed their relationship groups.
type RelationshipGroupsChanged struct{ OwnerID int64 }

// UserInfoUpdated: a user changed their profile. It is addressed to the
// user and their non-blocked related users, because XMPP contacts see
// names and avatars; Turms clients of related users are told only when
// RelayToRelated says so.
type UserInfoUpdated struct {
	User           store.User
	RelayToRelated bool
}

// OnlineStatusUpdated: a user's online status changed, or one of their
// sessions came, went or changed its own presence. It is addressed to the
// user and their non-blocked related users, because XMPP contacts see every
// presence change; Turms clients are told only what the Turms rules say.
type OnlineStatusUpdated struct {
	UserID int64
	Status int32
	// Implicit marks a change no status request made (a login, a logout, an
	// XMPP resource's own presence): Turms clients are not told of it.
	Implicit bool
	// RelayToRelated says whether the Turms rules relay this change to the
	// user's related users (notify-non-blocked-related-users), not only to
	// the user's own other sessions.
	RelayToRelated bool
}

// Relayed: a stanza with no meaning to the domain (a chat state, a receipt,
// a directed presence, an IQ between two clients) passed from one user to
// another. Only sessions of the protocol it came in (the Origin's) can
// show it; the domain checked that FromID may reach ToID.
type Relayed struct {
	FromID, ToID int64
}

// ReadDateUpdated: OwnerID read the conversation with TargetID (a user, or
// a group if IsGroup) up to ReadDate.
type ReadDateUpdated struct {
	OwnerID, TargetID int64
	IsGroup           bool
	ReadDate          int64
}

// SessionKicked: sessions of UserID must close (account deactivated, or
// the user set some devices offline).
type SessionKicked struct {
	UserID int64
	// DeviceTypes limits the kick to these device types; empty means all.
	DeviceTypes []int32
	// CloseStatus is a close status of the Turms vocabulary.
	CloseStatus int32
}
