package store

import "context"

// GroupBlockedUser is a user a group's owner or managers barred from it.
type GroupBlockedUser struct {
	GroupID     int64
	UserID      int64
	BlockDate   int64
	RequesterID int64
}

// GroupBlocklistRepo stores group blocklists.
type GroupBlocklistRepo interface {
	// Add bars a user. ErrConflict if already barred.
	Add(ctx context.Context, b *GroupBlockedUser) error
	// Remove lifts a bar. ErrNotFound if there was none.
	Remove(ctx context.Context, groupID, userID int64) error
	// IsBlocked reports whether the user is barred from the group.
	IsBlocked(ctx context.Context, groupID, userID int64) (bool, error)
	// List returns a group's barred users in user id order.
	List(ctx context.Context, groupID int64) ([]GroupBlockedUser, error)
}

// GroupInvitation invites a user into a group. Statuses are the Turms
// RequestStatus numbers, as for friend requests.
type GroupInvitation struct {
	ID             int64
	GroupID        int64
	InviterID      int64
	InviteeID      int64
	Content        string
	Status         RequestStatus
	Reason         string
	CreationDate   int64
	ResponseDate   int64
	ExpirationDate int64
}

// GroupJoinRequest asks a group's owner and managers to let a user in.
type GroupJoinRequest struct {
	ID             int64
	GroupID        int64
	RequesterID    int64
	ResponderID    int64
	Content        string
	Status         RequestStatus
	Reason         string
	CreationDate   int64
	ResponseDate   int64
	ExpirationDate int64
}

// Response closes a pending invitation or join request.
type Response struct {
	Status       RequestStatus
	Reason       string
	ResponderID  int64
	ResponseDate int64
}

// EnrollmentFilter selects invitations (GroupID, SenderID = inviter,
// RecipientID = invitee) or join requests (GroupID, SenderID =
// requester). Zero fields match all; at least one must be set.
type EnrollmentFilter struct {
	GroupID, SenderID, RecipientID int64
}

// GroupInvitationRepo stores invitations.
type GroupInvitationRepo interface {
	Create(ctx context.Context, inv *GroupInvitation) error
	// Get returns the invitation with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*GroupInvitation, error)
	// Respond closes a pending invitation; ErrNotFound if it is not
	// pending (or missing).
	Respond(ctx context.Context, id int64, r Response) error
	// List returns the matching invitations, newest first.
	List(ctx context.Context, f EnrollmentFilter) ([]GroupInvitation, error)
}

// GroupJoinRequestRepo stores join requests.
type GroupJoinRequestRepo interface {
	Create(ctx context.Context, req *GroupJoinRequest) error
	// Get returns the request with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*GroupJoinRequest, error)
	// Respond closes a pending request; ErrNotFound if it is not pending
	// (or missing).
	Respond(ctx context.Context, id int64, r Response) error
	// List returns the matching requests, newest first.
	List(ctx context.Context, f EnrollmentFilter) ([]GroupJoinRequest, error)
}

// GroupQuestion is a question users answer to join a group; a right
// answer (any of Answers) earns Score.
type GroupQuestion struct {
	ID       int64
	GroupID  int64
	Question string
	Answers  []string
	Score    int32
}

// GroupQuestionUpdate changes the fields that are non-nil.
type GroupQuestionUpdate struct {
	Question *string
	Answers  *[]string
	Score    *int32
}

// GroupQuestionRepo stores join questions.
type GroupQuestionRepo interface {
	// Create adds questions.
	Create(ctx context.Context, qs []GroupQuestion) error
	// GetMany returns the questions among ids, in id order.
	GetMany(ctx context.Context, ids []int64) ([]GroupQuestion, error)
	// Update changes a question. ErrNotFound if there is none.
	Update(ctx context.Context, id int64, upd GroupQuestionUpdate) error
	// Delete removes the group's questions among ids (all when ids is
	// nil) and returns how many it removed.
	Delete(ctx context.Context, groupID int64, ids []int64) (int64, error)
	// List returns a group's questions in id order.
	List(ctx context.Context, groupID int64) ([]GroupQuestion, error)
}
