package message

import (
	"context"
	"errors"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// React adds (or, with remove, takes back) the requester's reactions to a
// message of a conversation they are in, and tells the conversation: the
// peer and the requester's other sessions, or the group's members.
func (s *Service) React(ctx context.Context, r domain.Requester, messageID int64, types []int32, remove bool, origin any) error {
	if len(types) == 0 {
		return domain.Errorf(status.IllegalArgument, "no reaction types")
	}
	m, err := s.st.Messages().Get(ctx, messageID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.ResourceNotFound)
	}
	if err != nil {
		return err
	}
	var to []int64
	if m.IsGroup() {
		aud, member, err := s.groupsAudience(ctx, m.GroupID, r.UserID)
		if err != nil {
			return err
		}
		if !member {
			return domain.Refuse(status.ResourceNotFound) // as if it did not exist
		}
		to = aud
	} else {
		if m.SenderID != r.UserID && m.RecipientID != r.UserID {
			return domain.Refuse(status.ResourceNotFound)
		}
		to = []int64{m.SenderID, m.RecipientID}
	}
	if remove {
		n, err := s.st.Reactions().Remove(ctx, messageID, r.UserID, types)
		if err != nil || n == 0 {
			return err
		}
	} else {
		now := domain.Now()
		rs := make([]store.MessageReaction, len(types))
		for i, t := range types {
			rs[i] = store.MessageReaction{MessageID: messageID, UserID: r.UserID, Type: t, CreationDate: now}
		}
		if err := s.st.Reactions().Add(ctx, rs); err != nil {
			return err
		}
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.ReactionsChanged{MessageID: messageID, UserID: r.UserID, Types: types, Removed: remove}, Origin: origin,
	})
	return nil
}

func (s *Service) groupsAudience(ctx context.Context, groupID, userID int64) ([]int64, bool, error) {
	if s.groups == nil {
		return nil, false, nil
	}
	aud, member, err := s.groups.Audience(ctx, groupID, userID, status.ResourceNotFound)
	if err != nil {
		return nil, false, err
	}
	return aud.MemberIDs, member, nil
}

// Reactions returns the reactions to messages, by message id.
func (s *Service) Reactions(ctx context.Context, messageIDs []int64) (map[int64][]store.MessageReaction, error) {
	rs, err := s.st.Reactions().List(ctx, messageIDs)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	out := make(map[int64][]store.MessageReaction)
	for _, r := range rs {
		out[r.MessageID] = append(out[r.MessageID], r)
	}
	return out, nil
}
