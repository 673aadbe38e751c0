package message

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// MarkReadUpTo moves the requester's read date of the private conversation
// with peerID to the delivery of m, a message they have seen (an XMPP
// displayed marker names the last message displayed). A read date never
// moves back, so a marker for an older message changes nothing; the
// requester's other sessions (and the peer, if configured) hear of a move
// as of any read date.
func (s *Service) MarkReadUpTo(ctx context.Context, r domain.Requester, peerID int64, m *store.Message, origin any) error {
	if !s.opts.AllowReadDate {
		return domain.Refuse(status.UpdatingReadDateIsDisabled)
	}
	cs, err := s.st.Conversations().ListPrivate(ctx, r.UserID, []int64{peerID})
	if err != nil {
		return err
	}
	if len(cs) > 0 && cs[0].ReadDate >= m.DeliveryDate {
		return nil
	}
	if err := s.st.Conversations().UpsertPrivateReadDate(ctx, r.UserID, peerID, m.DeliveryDate); err != nil {
		return err
	}
	to := []int64{r.UserID}
	if s.opts.NotifyContactOfReadDate {
		to = append(to, peerID)
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.ReadDateUpdated{OwnerID: r.UserID, TargetID: peerID, ReadDate: m.DeliveryDate}, Origin: origin,
	})
	return nil
}

// LastReadBy returns the last message peerID sent ownerID that ownerID had
// read by readDate, or nil.
func (s *Service) LastReadBy(ctx context.Context, ownerID, peerID, readDate int64) (*store.Message, error) {
	notSystem := false
	ms, err := s.st.Messages().Query(ctx, store.MessageQuery{
		SenderIDs: []int64{peerID}, TargetIDs: []int64{ownerID}, System: &notSystem,
		DeliveredTo: readDate, Descending: true, Limit: 1,
	})
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return &ms[0], nil
}
