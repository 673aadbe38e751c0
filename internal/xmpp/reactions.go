package xmpp

import (
	"strconv"

	"hermod/internal/domain/event"
	"hermod/internal/xmpp/xmlstream"
)

// react applies message reactions (XEP-0444). An XMPP client states the
// user's whole set of reactions to a message each time; Turms adds and
// removes them, so the set is applied as its difference from the stored
// one. Emoji that have no Turms reaction type (see reactionType) reach XMPP
// peers in the stanza as sent but are not stored.
func (s *session) react(el *xmlstream.Element, a address) {
	m, serr := s.referenced(a, el.Child(nsReactions, "reactions").Attr("id"))
	if serr != nil {
		s.send(stanzaError(el, serr))
		return
	}
	origin := s.stamped(el)
	changed, err := s.srv.svc.Messages.SetReactions(s.ctx(), s.requester(), m.ID, reactionTypes(el), origin)
	switch {
	case err != nil:
		s.send(stanzaError(el, errFromDomain(err)))
	case !changed:
		// Nothing the domain keeps changed, but XMPP peers still hear
		// what the client said.
		s.passOn(el, a)
	}
}

// renderReactions renders a user's reactions to a message as XEP-0444
// reactions with their whole current set: the stanza of the XMPP client
// that changed them, or else one built from the domain's set.
func (s *Server) renderReactions(p *event.ReactionsChanged, origin any) []byte {
	if o, ok := origin.(*stanzaOrigin); ok {
		return o.bytes()
	}
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bareJID(p.UserID),
		"id", "react-"+strconv.FormatInt(p.MessageID, 10)+"-"+randomID()[:8]).
		Add(reactionsElement(refOf(&p.Message), p.Current)).Add(xmlstream.New(nsHints, "store"))
	return xmlstream.Append(nil, el, "")
}

// reactionTypes are the Turms reaction types of the reactions in el, those
// that have one.
func reactionTypes(el *xmlstream.Element) []int32 {
	types := []int32{}
	for _, c := range el.Child(nsReactions, "reactions").Elements() {
		if !c.Is(nsReactions, "reaction") {
			continue
		}
		if t, ok := reactionType(c.Text()); ok {
			types = append(types, t)
		}
	}
	return types
}

// reactionsElement is the XEP-0444 set of reactions to the message ref,
// of the types that are emoji.
func reactionsElement(ref string, types []int32) *xmlstream.Element {
	rs := xmlstream.New(nsReactions, "reactions", "id", ref)
	for _, t := range types {
		if r, ok := reactionText(t); ok {
			rs.Add(xmlstream.New(nsReactions, "reaction").AddText(r))
		}
	}
	return rs
}
