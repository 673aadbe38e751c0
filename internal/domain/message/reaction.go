package message

import (
	"context"
	"errors"
	"slices"

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
	m, to, err := s.reactable(ctx, r.UserID, messageID)
	if err != nil {
		return err
	}
	if !remove {
		before, err := s.reactionsOf(ctx, messageID, r.UserID)
		if err != nil {
			return err
		}
		if err := s.checkReactionCount(before, types); err != nil {
			return err
		}
	}
	changed, err := s.applyReactions(ctx, r.UserID, messageID, types, remove)
	if err != nil || !changed {
		return err
	}
	current, err := s.reactionsOf(ctx, messageID, r.UserID)
	if err != nil {
		return err
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.ReactionsChanged{MessageID: messageID, UserID: r.UserID, Types: types, Removed: remove, Current: current, Message: *m},
		Origin:  origin,
	})
	return nil
}

// SetReactions makes types the requester's whole set of reactions to a
// message (as an XMPP client states it), by removing and adding the
// difference. The conversation hears of the removals and of the additions
// as two changes; origin goes with the last. It reports whether anything
// changed.
func (s *Service) SetReactions(ctx context.Context, r domain.Requester, messageID int64, types []int32, origin any) (bool, error) {
	types = uniqueTypes(types)
	if err := s.checkReactionCount(nil, types); err != nil {
		return false, err
	}
	m, to, err := s.reactable(ctx, r.UserID, messageID)
	if err != nil {
		return false, err
	}
	before, err := s.reactionsOf(ctx, messageID, r.UserID)
	if err != nil {
		return false, err
	}
	var added, removed []int32
	for _, t := range types {
		if !slices.Contains(before, t) && !slices.Contains(added, t) {
			added = append(added, t)
		}
	}
	for _, t := range before {
		if !slices.Contains(types, t) {
			removed = append(removed, t)
		}
	}
	if len(added) == 0 && len(removed) == 0 {
		return false, nil
	}
	current := slices.Clone(before)
	for i, change := range [][]int32{removed, added} {
		if len(change) == 0 {
			continue
		}
		remove := i == 0
		if _, err := s.applyReactions(ctx, r.UserID, messageID, change, remove); err != nil {
			return false, err
		}
		if remove {
			current = slices.DeleteFunc(current, func(t int32) bool { return slices.Contains(change, t) })
		} else {
			current = append(current, change...)
		}
		partial := remove && len(added) > 0
		var o any
		if !partial {
			o = origin
		}
		s.pub.Publish(ctx, to, &event.Event{
			RequesterID: r.UserID, RequesterSession: r.SessionID,
			Payload: &event.ReactionsChanged{
				MessageID: messageID, UserID: r.UserID, Types: change, Removed: remove,
				Current: slices.Clone(current), Partial: partial, Message: *m,
			},
			Origin: o,
		})
	}
	return true, nil
}

// checkReactionCount refuses a change that leaves a user more reactions
// to a message than MaxReactionsPerUser.
func (s *Service) checkReactionCount(before, added []int32) error {
	n := len(before)
	for _, t := range uniqueTypes(added) {
		if !slices.Contains(before, t) {
			n++
		}
	}
	if max := s.opts.MaxReactionsPerUser; max > 0 && n > max {
		return domain.Errorf(status.IllegalArgument, "at most %d reactions per user and message", max)
	}
	return nil
}

// uniqueTypes returns types without repeats, in their order.
func uniqueTypes(types []int32) []int32 {
	seen := make(map[int32]bool, len(types))
	out := types[:0:0]
	for _, t := range types {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// reactable returns the message userID reacts to and whom to tell: the
// peers of a private message, or the members of a group.
func (s *Service) reactable(ctx context.Context, userID, messageID int64) (*store.Message, []int64, error) {
	m, err := s.st.Messages().Get(ctx, messageID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, domain.Refuse(status.ResourceNotFound)
	}
	if err != nil {
		return nil, nil, err
	}
	if m.IsGroup() {
		aud, member, err := s.groupsAudience(ctx, m.GroupID, userID)
		if err != nil {
			return nil, nil, err
		}
		if !member {
			return nil, nil, domain.Refuse(status.ResourceNotFound) // as if it did not exist
		}
		return m, aud, nil
	}
	if m.SenderID != userID && m.RecipientID != userID {
		return nil, nil, domain.Refuse(status.ResourceNotFound)
	}
	return m, []int64{m.SenderID, m.RecipientID}, nil
}

// applyReactions stores the addition or removal and reports whether
// anything changed.
func (s *Service) applyReactions(ctx context.Context, userID, messageID int64, types []int32, remove bool) (bool, error) {
	if remove {
		n, err := s.st.Reactions().Remove(ctx, messageID, userID, types)
		return n > 0, err
	}
	now := domain.Now()
	rs := make([]store.MessageReaction, len(types))
	for i, t := range types {
		rs[i] = store.MessageReaction{MessageID: messageID, UserID: userID, Type: t, CreationDate: now}
	}
	return true, s.st.Reactions().Add(ctx, rs)
}

// reactionsOf returns userID's reaction types to a message.
func (s *Service) reactionsOf(ctx context.Context, messageID, userID int64) ([]int32, error) {
	rs, err := s.st.Reactions().List(ctx, []int64{messageID})
	if err != nil {
		return nil, err
	}
	var out []int32
	for _, r := range rs {
		if r.UserID == userID {
			out = append(out, r.Type)
		}
	}
	return out, nil
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
