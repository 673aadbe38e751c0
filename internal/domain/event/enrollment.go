package event

import "hermod/internal/store"

// GroupBlocklistChanged: a group's owner or a manager barred a user
// (Blocked) or lifted the bar.
type GroupBlocklistChanged struct {
	GroupID, UserID int64
	Blocked         bool
}

// GroupInvitationChanged: an invitation was sent, recalled or answered
// (its Status says which).
type GroupInvitationChanged struct{ Invitation store.GroupInvitation }

// GroupJoinRequestChanged: a join request was sent, recalled or answered
// (its Status says which).
type GroupJoinRequestChanged struct{ Request store.GroupJoinRequest }
