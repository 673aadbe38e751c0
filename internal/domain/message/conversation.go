package message

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Typing relays that the requester is typing to toID. Only someone who may
// message toID may tell them they are typing.
func (s *Service) Typing(ctx context.Context, r domain.Requester, toID int64, isGroup bool, origin any) error {
	if !s.opts.AllowTyping {
		return domain.Refuse(status.UpdatingTypingStatusIsDisabled)
	}
	if isGroup {
		return s.typingInGroup(ctx, r, toID, origin)
	}
	if err := s.checkMaySend(ctx, r.UserID, toID); err != nil {
		if domain.CodeOf(err) == status.ServerInternalError {
			return err
		}
		return domain.Refuse(status.NotFriendToSendTypingStatus)
	}
	s.pub.Publish(ctx, []int64{toID}, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.TypingStatus{FromID: r.UserID, ToID: toID}, Origin: origin,
	})
	return nil
}

// MarkRead sets the requester's read date of the conversation with
// targetID to now (Turms uses the server's time) and tells their other
// sessions (and the peer, if configured).
func (s *Service) MarkRead(ctx context.Context, r domain.Requester, targetID int64, isGroup bool, origin any) error {
	if !s.opts.AllowReadDate {
		return domain.Refuse(status.UpdatingReadDateIsDisabled)
	}
	if isGroup {
		return s.markGroupRead(ctx, r, targetID, origin)
	}
	if targetID == 0 {
		return domain.Errorf(status.IllegalArgument, "a conversation needs a user or a group")
	}
	now := domain.Now()
	if err := s.st.Conversations().UpsertPrivateReadDate(ctx, r.UserID, targetID, now); err != nil {
		return err
	}
	to := []int64{r.UserID}
	if s.opts.NotifyContactOfReadDate {
		to = append(to, targetID)
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.ReadDateUpdated{OwnerID: r.UserID, TargetID: targetID, ReadDate: now}, Origin: origin,
	})
	return nil
}

// Conversations returns the requester's read dates with targetIDs (all
// when empty). NoContent when there are none.
func (s *Service) Conversations(ctx context.Context, userID int64, targetIDs []int64) ([]store.PrivateConversation, error) {
	cs, err := s.st.Conversations().ListPrivate(ctx, userID, targetIDs)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return cs, nil
}
