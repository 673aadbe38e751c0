package message

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
)

// Relay passes a stanza that means nothing to the domain (a chat state, a
// receipt, a directed presence, an IQ between two clients) from r to toID,
// under the rules of a private message: toID exists and is active, and has
// not blocked r. A user may always reach their own other sessions.
func (s *Service) Relay(ctx context.Context, r domain.Requester, toID int64, origin any) error {
	if toID != r.UserID {
		if err := s.checkMaySend(ctx, r.UserID, toID); err != nil {
			return err
		}
	}
	s.pub.Publish(ctx, []int64{toID}, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.Relayed{FromID: r.UserID, ToID: toID}, Origin: origin,
	})
	return nil
}
