package relation

import (
	"context"
	"errors"
	"unicode/utf8"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Reply is a recipient's answer to a friend request (Turms ResponseAction).
type Reply int32

const (
	Accept  Reply = 0
	Decline Reply = 1
	Ignore  Reply = 2
)

// CreateFriendRequest asks recipientID to become r's friend. The request
// is relayed to the recipient and to r's other sessions.
func (s *Service) CreateFriendRequest(ctx context.Context, r domain.Requester, recipientID int64, content string, origin any) (*store.FriendRequest, error) {
	if utf8.RuneCountInString(content) > s.opts.MaxContentLength {
		return nil, domain.Errorf(status.IllegalArgument, "content is longer than %d characters", s.opts.MaxContentLength)
	}
	if recipientID == r.UserID {
		return nil, domain.Errorf(status.IllegalArgument, "the requester must not be the recipient")
	}
	if _, err := s.st.Users().Get(ctx, recipientID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, domain.Errorf(status.ResourceNotFound, "no user %d", recipientID)
		}
		return nil, err
	}
	blocked, err := s.IsBlocked(ctx, recipientID, r.UserID)
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, domain.Refuse(status.BlockedUserToSendFriendRequest)
	}
	now := domain.Now()
	if err := s.checkNoOpenRequest(ctx, r.UserID, recipientID, now); err != nil {
		return nil, err
	}
	fr := &store.FriendRequest{
		ID: s.ids.Next(), RequesterID: r.UserID, RecipientID: recipientID, Content: content,
		Status: store.RequestPending, CreationDate: now, ExpirationDate: now + s.opts.FriendRequestTTLMillis,
	}
	if err := s.st.FriendRequests().Create(ctx, fr); err != nil {
		return nil, err
	}
	s.publish(ctx, r, []int64{recipientID, r.UserID}, &event.FriendRequestCreated{Request: *fr}, origin)
	return fr, nil
}

// checkNoOpenRequest refuses a new request while one is pending or, unless
// resending is allowed, while the last one was declined, ignored or expired.
func (s *Service) checkNoOpenRequest(ctx context.Context, requesterID, recipientID, now int64) error {
	sent, err := s.st.FriendRequests().ListSent(ctx, requesterID)
	if err != nil {
		return err
	}
	for _, fr := range sent {
		if fr.RecipientID != recipientID {
			continue
		}
		st := effectiveStatus(&fr, now)
		if st == store.RequestPending {
			return domain.Refuse(status.CreateExistingFriendRequest)
		}
		if !s.opts.AllowResendAfterDecline && (st == store.RequestDeclined || st == store.RequestIgnored || st == store.RequestExpired) {
			return domain.Refuse(status.CreateExistingFriendRequest)
		}
		// Requests are newest first: an accepted or canceled request that is
		// newer than any refusal allows a new one.
		return nil
	}
	return nil
}

// effectiveStatus is the request's status at now, with expiry applied.
func effectiveStatus(fr *store.FriendRequest, now int64) store.RequestStatus {
	if fr.Status == store.RequestPending && fr.ExpirationDate > 0 && now >= fr.ExpirationDate {
		return store.RequestExpired
	}
	return fr.Status
}

// RecallFriendRequest cancels r's own pending friend request.
func (s *Service) RecallFriendRequest(ctx context.Context, r domain.Requester, requestID int64, origin any) error {
	if !s.opts.AllowRecall {
		return domain.Refuse(status.RecallingFriendRequestIsDisabled)
	}
	fr, err := s.st.FriendRequests().Get(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errorf(status.ResourceNotFound, "no friend request %d", requestID)
	}
	if err != nil {
		return err
	}
	if fr.RequesterID != r.UserID {
		return domain.Refuse(status.NotSenderToRecallFriendRequest)
	}
	now := domain.Now()
	if effectiveStatus(fr, now) != store.RequestPending {
		return domain.Refuse(status.RecallNonPendingFriendRequest)
	}
	if err := s.st.FriendRequests().SetStatus(ctx, requestID, store.RequestPending, store.RequestCanceled, "", now); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.RecallNonPendingFriendRequest)
		}
		return err
	}
	fr.Status, fr.ResponseDate = store.RequestCanceled, now
	s.publish(ctx, r, []int64{fr.RecipientID, r.UserID}, &event.FriendRequestRecalled{Request: *fr}, origin)
	return nil
}

// ReplyFriendRequest answers a pending friend request sent to r. Accepting
// makes both users friends (a relationship each way, in group 0).
func (s *Service) ReplyFriendRequest(ctx context.Context, r domain.Requester, requestID int64, reply Reply, reason string, origin any) error {
	var to store.RequestStatus
	switch reply {
	case Accept:
		to = store.RequestAccepted
	case Decline:
		to = store.RequestDeclined
	case Ignore:
		to = store.RequestIgnored
	default:
		return domain.Errorf(status.IllegalArgument, "unknown response action %d", reply)
	}
	if utf8.RuneCountInString(reason) > s.opts.MaxResponseReasonLength {
		return domain.Errorf(status.IllegalArgument, "reason is longer than %d characters", s.opts.MaxResponseReasonLength)
	}
	fr, err := s.st.FriendRequests().Get(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errorf(status.ResourceNotFound, "no friend request %d", requestID)
	}
	if err != nil {
		return err
	}
	if fr.RecipientID != r.UserID {
		return domain.Refuse(status.NotRecipientToUpdateFriendRequest)
	}
	now := domain.Now()
	if effectiveStatus(fr, now) != store.RequestPending {
		return domain.Refuse(status.UpdateNonPendingFriendRequest)
	}
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.FriendRequests().SetStatus(ctx, requestID, store.RequestPending, to, reason, now); err != nil {
			return err
		}
		if to != store.RequestAccepted {
			return nil
		}
		for _, pair := range [2][2]int64{{fr.RequesterID, fr.RecipientID}, {fr.RecipientID, fr.RequesterID}} {
			err := tx.Relationships().Create(ctx, &store.Relationship{
				OwnerID: pair[0], RelatedID: pair[1], EstablishmentDate: now,
			})
			if err != nil && !errors.Is(err, store.ErrConflict) {
				return err
			}
		}
		return nil
	})
	s.invalidatePair(fr.RequesterID, fr.RecipientID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.UpdateNonPendingFriendRequest)
	}
	if err != nil {
		return err
	}
	fr.Status, fr.Reason, fr.ResponseDate = to, reason, now
	s.publish(ctx, r, []int64{fr.RequesterID, r.UserID}, &event.FriendRequestReplied{Request: *fr}, origin)
	return nil
}

// FriendRequests returns the requests userID sent (sentByMe) or received,
// newest first, with expiry applied, and their version.
func (s *Service) FriendRequests(ctx context.Context, userID int64, sentByMe bool, lastUpdated int64) ([]store.FriendRequest, int64, error) {
	kind, list := store.VersionReceivedFriendRequests, s.st.FriendRequests().ListReceived
	if sentByMe {
		kind, list = store.VersionSentFriendRequests, s.st.FriendRequests().ListSent
	}
	version, err := s.st.Versions().Get(ctx, userID, kind)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	reqs, err := list(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	if len(reqs) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	now := domain.Now()
	for i := range reqs {
		reqs[i].Status = effectiveStatus(&reqs[i], now)
	}
	return reqs, version, nil
}
