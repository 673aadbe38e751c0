package message

import (
	"context"
	"errors"
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Find returns the message of the conversation between userID and peerID
// (or of group peerID when isGroup) that ref names. A client names a
// message by its id (an XMPP stanza-id is the message id) or by the id its
// own sender's client gave it (Draft.ClientID), so that a reference works
// whichever side of the conversation made it. sentBy, when non-zero,
// limits the search to that sender's messages. ResourceNotFound when no
// such message is in the conversation.
func (s *Service) Find(ctx context.Context, userID, peerID int64, isGroup bool, ref string, sentBy int64) (*store.Message, error) {
	if ref == "" {
		return nil, domain.Errorf(status.IllegalArgument, "no message id")
	}
	inConversation := func(m *store.Message) bool {
		if sentBy != 0 && m.SenderID != sentBy {
			return false
		}
		if isGroup {
			return m.GroupID == peerID
		}
		return !m.IsGroup() && (m.SenderID == userID && m.RecipientID == peerID || m.SenderID == peerID && m.RecipientID == userID)
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		m, err := s.st.Messages().Get(ctx, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if m != nil && !m.IsSystem && inConversation(m) {
			return m, nil
		}
	}
	senders := []int64{userID, peerID}
	switch {
	case sentBy != 0:
		senders = []int64{sentBy}
	case isGroup:
		senders = []int64{userID}
	}
	for _, sender := range senders {
		var m *store.Message
		var err error
		if isGroup {
			m, err = s.st.Messages().ByClientID(ctx, sender, 0, peerID, ref)
		} else {
			other := peerID
			if sender == peerID {
				other = userID
			}
			m, err = s.st.Messages().ByClientID(ctx, sender, other, 0, ref)
		}
		if err == nil {
			return m, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	return nil, domain.Refuse(status.ResourceNotFound)
}
