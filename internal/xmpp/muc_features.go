package xmpp

import (
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/message"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// In a room, corrections, retractions, reactions and displayed markers
// refer to a message by its stanza-id, which the room assigned (the group
// message id); the id an occupant's own client gave its message works for
// its own messages too. They mean what they mean in a chat: an edit, a
// recall, reactions, the member's read date of the group.

// handleRoomReference handles a groupchat message that refers to an
// earlier one; false for any other.
func (s *session) handleRoomReference(st *seat, el *xmlstream.Element) bool {
	var ref string
	var apply func(m *store.Message, origin *stanzaOrigin) error
	marker := false
	switch {
	case el.Child(nsRetract, "retract") != nil:
		ref, apply = el.Child(nsRetract, "retract").Attr("id"), s.roomRecall
	case el.Child(nsFasten, "apply-to").Child(nsRetract0, "retract") != nil:
		ref, apply = el.Child(nsFasten, "apply-to").Attr("id"), s.roomRecall
	case el.Child(nsCorrect, "replace") != nil:
		ref = el.Child(nsCorrect, "replace").Attr("id")
		apply = func(m *store.Message, origin *stanzaOrigin) error {
			body := el.ChildText(xmlstream.NSClient, "body")
			ext := correctedExtensions(el, m.ClientID)
			return s.srv.svc.Messages.Update(s.ctx(), s.requester(), m.ID, message.Change{Text: &body, Extensions: &ext}, origin)
		}
	case el.Child(nsReactions, "reactions") != nil:
		ref = el.Child(nsReactions, "reactions").Attr("id")
		apply = func(m *store.Message, origin *stanzaOrigin) error {
			changed, err := s.srv.svc.Messages.SetReactions(s.ctx(), s.requester(), m.ID, reactionTypes(el), origin)
			if err == nil && !changed {
				s.broadcastToRoom(st, origin.el) // XMPP occupants still hear what the client said
			}
			return err
		}
	case el.Child(nsMarkers, "displayed") != nil || el.Child(nsMarkers, "acknowledged") != nil:
		mk := el.Child(nsMarkers, "displayed")
		if mk == nil {
			mk = el.Child(nsMarkers, "acknowledged")
		}
		ref, marker = mk.Attr("id"), true
	default:
		return false
	}
	v, err := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return true
	}
	canonical := canonicalLocal(v)
	out := el.Copy()
	out.Children = nil
	for _, c := range el.Elements() {
		if !c.Is(nsStanzaID, "stanza-id") && c.Space != nsOccupantID { // only the room says these
			out.Add(c)
		}
	}
	out.Add(occupantID(st.roomID, s.userID))
	out.SetAttr("from", s.srv.occupantJID(canonical, st.nick))
	out.SetAttr("type", "groupchat")
	out.Attrs = withoutAttr(out.Attrs, "to")
	origin := &stanzaOrigin{el: out}
	m, ferr := s.srv.svc.Messages.Find(s.ctx(), s.userID, st.roomID, true, ref, 0)
	if marker {
		// A marker travels to the occupants as it is, and moves the read
		// date when it names a message of the room.
		s.broadcastToRoom(st, out)
		if ferr == nil {
			if err := s.srv.svc.Messages.MarkReadUpTo(s.ctx(), s.requester(), st.roomID, true, m, origin); err != nil {
				s.debug("a displayed marker did not move the read date", "err", err)
			}
		}
		return true
	}
	switch {
	case ref == "":
		s.send(stanzaError(el, errBadRequest("the reference has no message id")))
		return true
	case domain.CodeOf(ferr) == status.ResourceNotFound:
		s.send(stanzaError(el, errItemNotFound("no message "+ref+" in this room")))
		return true
	case ferr != nil:
		s.send(stanzaError(el, errFromDomain(ferr)))
		return true
	}
	if err := apply(m, origin); err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return true
	}
	// The room reflects it to its sender, as a message (XEP-0045 section
	// 7.4); the domain's event skips the session that sent it.
	s.send(reAddressed(out, canonical, st.local, s.srv))
	return true
}

func (s *session) roomRecall(m *store.Message, origin *stanzaOrigin) error {
	now := domain.Now()
	return s.srv.svc.Messages.Update(s.ctx(), s.requester(), m.ID, message.Change{RecallDate: &now}, origin)
}

// broadcastToRoom passes an occupant's stanza to the room's other
// occupants, each under the room address they joined by.
func (s *session) broadcastToRoom(st *seat, el *xmlstream.Element) {
	v, err := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	if err != nil {
		return
	}
	canonical := canonicalLocal(v)
	s.srv.broadcastRoom(st.roomID, st, func(local string) *xmlstream.Element {
		return reAddressed(el, canonical, local, s.srv)
	})
}

func withoutAttr(attrs []xmlstream.Attr, name string) []xmlstream.Attr {
	out := attrs[:0:0]
	for _, a := range attrs {
		if a.Space != "" || a.Local != name {
			out = append(out, a)
		}
	}
	return out
}

// roomFeatureGroup is the group a change to an earlier message belongs
// to, if it does.
func roomFeatureGroup(ev *event.Event) (int64, bool) {
	switch p := ev.Payload.(type) {
	case *event.MessageUpdated:
		return p.Message.GroupID, p.Message.IsGroup()
	case *event.ReactionsChanged:
		return p.Message.GroupID, p.Message.IsGroup() && !p.Partial
	case *event.ReadDateUpdated:
		_, fromXMPP := ev.Origin.(*stanzaOrigin) // already passed on to the room
		return p.TargetID, p.IsGroup && !fromXMPP
	}
	return 0, false
}

// renderRoomFeature renders, on the write loop, a change to an earlier
// group message for an occupant of its room: the occupant's stanza that
// made it, or one built from the change, from the occupant JID of whoever
// made it.
func (s *session) renderRoomFeature(ev *event.Event, groupID int64) [][]byte {
	st := s.srv.rooms.seatOf(s, groupID)
	if st == nil {
		return nil
	}
	v, err := s.srv.svc.Groups.View(s.ctx(), groupID)
	if err != nil {
		return nil
	}
	canonical := canonicalLocal(v)
	if o, ok := ev.Origin.(*stanzaOrigin); ok {
		return [][]byte{xmlstream.Append(nil, reAddressed(o.el, canonical, st.local, s.srv), "")}
	}
	from := func(userID int64) *xmlstream.Element {
		return xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "id", randomID(),
			"from", s.srv.occupantJID(st.local, s.srv.senderNick(v, userID))).Add(occupantID(groupID, userID))
	}
	var el *xmlstream.Element
	switch p := ev.Payload.(type) {
	case *event.MessageUpdated:
		m := &p.Message
		el = from(m.SenderID)
		if p.Recalled {
			addRetraction(el, strconv.FormatInt(m.ID, 10))
		} else {
			el.Add(xmlstream.New(xmlstream.NSClient, "body").AddText(m.Text)).
				Add(xmlstream.New(nsCorrect, "replace", "id", refOf(m)))
		}
	case *event.ReactionsChanged:
		el = from(p.UserID).Add(reactionsElement(strconv.FormatInt(p.MessageID, 10), p.Current)).
			Add(xmlstream.New(nsHints, "store"))
	case *event.ReadDateUpdated:
		if p.OwnerID == s.userID {
			return nil
		}
		m, err := s.srv.svc.Messages.LastReadBy(s.ctx(), p.OwnerID, groupID, true, p.ReadDate)
		if err != nil || m == nil {
			return nil
		}
		el = from(p.OwnerID).Add(xmlstream.New(nsMarkers, "displayed", "id", strconv.FormatInt(m.ID, 10)))
	default:
		return nil
	}
	return [][]byte{xmlstream.Append(nil, el, "")}
}

// addRetraction adds to el the retraction of the message ref names, with
// its fallback body and store hint.
func addRetraction(el *xmlstream.Element, ref string) *xmlstream.Element {
	return el.Add(xmlstream.New(nsRetract, "retract", "id", ref)).
		Add(xmlstream.New(nsFallback, "fallback", "for", nsRetract)).
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText(retractionFallback)).
		Add(xmlstream.New(nsHints, "store"))
}

// archivedRoomRetraction renders the announcement of a group message's
// recall as the room archive keeps it: the retraction, by the recalled
// message's stanza-id, from the sender's occupant JID, with the
// announcement's own stanza-id.
func (s *Server) archivedRoomRetraction(sys *store.Message, local, nick string) *xmlstream.Element {
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "id", "retract-"+strconv.FormatInt(sys.ID, 10),
		"from", s.occupantJID(local, nick))
	if id, ok := recalledBy(sys); ok {
		addRetraction(el, strconv.FormatInt(id, 10))
	}
	el.Add(occupantID(sys.GroupID, sys.SenderID))
	return el.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(sys.ID, 10), "by", s.roomJID(local)))
}
