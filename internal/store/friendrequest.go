package store

import "context"

// RequestStatus is the state of a friend request; the values are Turms's
// RequestStatus numbers.
type RequestStatus int32

const (
	RequestPending                RequestStatus = 0
	RequestAccepted               RequestStatus = 1
	RequestAcceptedWithoutConfirm RequestStatus = 2
	RequestDeclined               RequestStatus = 3
	RequestIgnored                RequestStatus = 4
	RequestExpired                RequestStatus = 5
	RequestCanceled               RequestStatus = 6
)

// FriendRequest asks Recipient to become Requester's friend.
type FriendRequest struct {
	ID             int64
	RequesterID    int64
	RecipientID    int64
	Content        string
	Status         RequestStatus
	Reason         string
	CreationDate   int64
	ResponseDate   int64
	ExpirationDate int64
}

// FriendRequestRepo stores friend requests. Every write bumps
// VersionSentFriendRequests of the requester and
// VersionReceivedFriendRequests of the recipient.
type FriendRequestRepo interface {
	Create(ctx context.Context, r *FriendRequest) error
	// Get returns the request with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*FriendRequest, error)
	// FindPending returns the pending, unexpired request from requester to
	// recipient at now, or ErrNotFound.
	FindPending(ctx context.Context, requesterID, recipientID, now int64) (*FriendRequest, error)
	// SetStatus moves a request from status from to status to. ErrNotFound if
	// it does not exist or is no longer in from (so concurrent replies race
	// safely).
	SetStatus(ctx context.Context, id int64, from, to RequestStatus, reason string, now int64) error
	// ListSent returns the requests sent by userID, newest first.
	ListSent(ctx context.Context, userID int64) ([]FriendRequest, error)
	// ListReceived returns the requests received by userID, newest first.
	ListReceived(ctx context.Context, userID int64) ([]FriendRequest, error)
}
