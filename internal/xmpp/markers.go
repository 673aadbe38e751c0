package xmpp

import (
	"hermod/internal/domain/event"
	"hermod/internal/xmpp/xmlstream"
)

// markDisplayed passes a displayed (or acknowledged) chat marker (XEP-0333)
// on to the peer's XMPP clients as it is, and moves the user's read date
// of the conversation to the message it names, which Turms clients see.
// Markers are best effort: one naming an unknown message, or one of the
// user's own messages, only travels.
func (s *session) markDisplayed(el *xmlstream.Element, a address) {
	s.passOn(el, a)
	mk := el.Child(nsMarkers, "displayed")
	if mk == nil {
		mk = el.Child(nsMarkers, "acknowledged")
	}
	m, serr := s.referenced(a, mk.Attr("id"))
	if serr != nil || m.SenderID != a.userID {
		return
	}
	if err := s.srv.svc.Messages.MarkReadUpTo(s.ctx(), s.requester(), a.userID, false, m, s.stamped(el)); err != nil {
		s.debug("a displayed marker did not move the read date", "err", err)
	}
}

// displayedMarker renders a read date set by a Turms client as a displayed
// marker for the last message the reader had received from this user by
// then; nil when there is none.
func (s *session) displayedMarker(p *event.ReadDateUpdated) []byte {
	m, err := s.srv.svc.Messages.LastReadBy(s.ctx(), p.OwnerID, s.userID, false, p.ReadDate)
	if err != nil || m == nil {
		return nil
	}
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.srv.bareJID(p.OwnerID), "id", "read-"+randomID()[:8]).
		Add(xmlstream.New(nsMarkers, "displayed", "id", refOf(m)))
	return xmlstream.Append(nil, el, "")
}
