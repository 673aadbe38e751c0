package xmpp

import (
	"strconv"

	"hermod/internal/domain/event"
	"hermod/internal/domain/message"
	"hermod/internal/xmpp/xmlstream"
)

// correct applies a last message correction (XEP-0308) as an edit of the
// message it replaces: Turms clients see the new text, XMPP clients the
// correction as it was sent. The archive keeps the corrected text.
func (s *session) correct(el *xmlstream.Element, a address) {
	m, serr := s.referenced(a, el.Child(nsCorrect, "replace").Attr("id"))
	if serr != nil {
		s.send(stanzaError(el, serr))
		return
	}
	body := el.ChildText(xmlstream.NSClient, "body")
	ext := correctedExtensions(el, m.ClientID)
	err := s.srv.svc.Messages.Update(s.ctx(), s.requester(), m.ID, message.Change{Text: &body, Extensions: &ext}, s.stamped(el))
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
	}
}

// correctedExtensions are the payloads a correction leaves the archived
// message with: the correction's own (an encrypted message's correction is
// encrypted anew), under the original's origin-id.
func correctedExtensions(el *xmlstream.Element, originID string) []byte {
	ext := xmlstream.New(xmlstream.NSClient, "x")
	if originID != "" {
		ext.Add(xmlstream.New(nsStanzaID, "origin-id", "id", originID))
	}
	for _, c := range el.Elements() {
		switch {
		case c.Is(xmlstream.NSClient, "body"), c.Is(nsCorrect, "replace"),
			c.Is(nsStanzaID, "stanza-id"), c.Is(nsStanzaID, "origin-id"):
			continue
		}
		ext.Add(c)
	}
	return innerBytes(ext)
}

// renderUpdate renders an edit or a recall for the peer of the message: the
// XMPP stanza that made it, or else a correction or a retraction built from
// the stored message.
func (s *Server) renderUpdate(p *event.MessageUpdated, origin any) []byte {
	if o, ok := origin.(*stanzaOrigin); ok {
		return o.bytes()
	}
	m := &p.Message
	if p.Recalled {
		return xmlstream.Append(nil, s.retraction(m), "")
	}
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bareJID(m.SenderID),
		"id", "edit-"+strconv.FormatInt(m.ID, 10)+"-"+strconv.FormatInt(m.ModificationDate, 10)).
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText(m.Text)).
		Add(xmlstream.New(nsCorrect, "replace", "id", refOf(m)))
	return xmlstream.Append(nil, el, "")
}
