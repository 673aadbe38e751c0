package message

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// MarkReadUpTo moves the requester's read date of the conversation with
// targetID (a user, or a group if isGroup) to the delivery of m, a message
// of it they have seen (an XMPP displayed marker names the last message
// displayed). A read date never moves back, so a marker for an older
// message changes nothing. Whom it tells follows the read date rules (see
// MarkRead); a group's type must allow read receipts.
func (s *Service) MarkReadUpTo(ctx context.Context, r domain.Requester, targetID int64, isGroup bool, m *store.Message, origin any) error {
	if !s.opts.AllowReadDate {
		return domain.Refuse(status.UpdatingReadDateIsDisabled)
	}
	to := []int64{r.UserID}
	var current int64
	if isGroup {
		if s.groups == nil {
			return domain.Refuse(status.UpdatingReadDateOfNonexistentGroupConversation)
		}
		aud, member, err := s.groups.Audience(ctx, targetID, r.UserID, status.UpdatingReadDateOfNonexistentGroupConversation)
		switch {
		case err != nil:
			return err
		case !member:
			return domain.Refuse(status.NotGroupMemberToUpdateReadDateOfGroupConversation)
		case !aud.Type.EnableReadReceipt:
			return domain.Refuse(status.UpdatingReadDateIsDisabledByGroup)
		}
		if s.opts.NotifyGroupMembersOfReadDate {
			to = aud.MemberIDs
		}
		rds, err := s.st.Conversations().ListGroup(ctx, []int64{targetID})
		if err != nil {
			return err
		}
		for _, rd := range rds {
			if rd.MemberID == r.UserID {
				current = rd.ReadDate
			}
		}
	} else {
		cs, err := s.st.Conversations().ListPrivate(ctx, r.UserID, []int64{targetID})
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			current = cs[0].ReadDate
		}
		if s.opts.NotifyContactOfReadDate {
			to = append(to, targetID)
		}
	}
	if current >= m.DeliveryDate {
		return nil
	}
	var err error
	if isGroup {
		err = s.st.Conversations().UpsertGroupReadDate(ctx, targetID, r.UserID, m.DeliveryDate)
	} else {
		err = s.st.Conversations().UpsertPrivateReadDate(ctx, r.UserID, targetID, m.DeliveryDate)
	}
	if err != nil {
		return err
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.ReadDateUpdated{OwnerID: r.UserID, TargetID: targetID, IsGroup: isGroup, ReadDate: m.DeliveryDate},
		Origin:  origin,
	})
	return nil
}

// LastReadBy returns the last message of a conversation that ownerID had
// read by readDate: of those peerID sent them, or, in group peerID, of
// those the others sent. nil when there is none.
func (s *Service) LastReadBy(ctx context.Context, ownerID, peerID int64, isGroup bool, readDate int64) (*store.Message, error) {
	notSystem := false
	q := store.MessageQuery{
		SenderIDs: []int64{peerID}, TargetIDs: []int64{ownerID}, System: &notSystem,
		DeliveredTo: readDate, Descending: true, Limit: 1,
	}
	if isGroup {
		q.Group, q.SenderIDs, q.TargetIDs, q.Limit = true, nil, []int64{peerID}, 20
	}
	ms, err := s.st.Messages().Query(ctx, q)
	if err != nil {
		return nil, err
	}
	for i := range ms {
		if ms[i].SenderID != ownerID {
			return &ms[i], nil
		}
	}
	return nil, nil
}
