package xmpp

import (
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/domain/message"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// retractionFallback is the body of a retraction for clients that do not
// know XEP-0424.
const retractionFallback = "/me retracted a previous message, but it's unsupported by your client."

// retract applies a message retraction (XEP-0424) of the message ref names
// as a recall of the message: only its sender may, within
// messages.recall_window. The retraction's fallback body is not a message
// of its own.
func (s *session) retract(el *xmlstream.Element, a address, ref string) {
	m, serr := s.referenced(a, ref)
	if serr != nil {
		s.send(stanzaError(el, serr))
		return
	}
	now := domain.Now()
	err := s.srv.svc.Messages.Update(s.ctx(), s.requester(), m.ID, message.Change{RecallDate: &now}, s.stamped(el))
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
	}
}

// retraction builds the retraction of a recalled message, as its sender's
// client would have sent it.
func (s *Server) retraction(m *store.Message) *xmlstream.Element {
	return xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bareJID(m.SenderID),
		"id", "retract-"+strconv.FormatInt(m.ID, 10)).
		Add(xmlstream.New(nsRetract, "retract", "id", refOf(m))).
		Add(xmlstream.New(nsFallback, "fallback", "for", nsRetract)).
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText(retractionFallback)).
		Add(xmlstream.New(nsHints, "store"))
}
