package xmpp

import (
	"hermod/internal/domain/event"
	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// prepareMUC decides, on the router's goroutine, what a group event
// becomes for this session (handled false: not a group event). Rendering
// needs the group and sometimes the store, so it is left to the write
// loop; only the occupancy changes happen here, so that they have happened
// by the time the domain call that caused them returns.
func (s *session) prepareMUC(ev *event.Event) (it outItem, ok, handled bool) {
	switch p := ev.Payload.(type) {
	case *event.MessageCreated:
		if !p.Message.IsGroup() {
			return outItem{}, false, false
		}
		if p.Message.IsSystem {
			return outItem{}, false, true // a recall's announcement, for Turms clients
		}
		return outItem{ev: ev}, s.srv.rooms.seatOf(s, p.Message.GroupID) != nil, true
	case *event.TypingStatus:
		if !p.IsGroup {
			return outItem{}, false, false
		}
		return outItem{ev: ev}, p.FromID != s.userID && s.srv.rooms.seatOf(s, p.ToID) != nil, true
	case *event.GroupMembersRemoved:
		for _, uid := range p.UserIDs {
			s.srv.rooms.depart(p.GroupID, ev, uid)
		}
		return outItem{ev: ev}, true, true
	case *event.GroupDeleted:
		s.srv.rooms.departAll(p.GroupID, ev)
		return outItem{ev: ev}, true, true
	case *event.GroupUpdated:
		return outItem{ev: ev}, s.srv.rooms.seatOf(s, p.Group.ID) != nil, true
	case *event.GroupMembersAdded, *event.GroupInvitationChanged:
		return outItem{ev: ev}, s.available.Load(), true
	case *event.GroupCreated:
		return outItem{ev: ev}, s.available.Load(), true
	case *event.GroupJoinRequestChanged:
		return outItem{ev: ev}, s.available.Load(), true
	case *event.GroupMemberUpdated:
		// Told to the whole group only under
		// groups.notify_members_of_member_update; then occupants see the
		// new role at once.
		return outItem{ev: ev}, s.srv.rooms.seatOf(s, p.Member.GroupID) != nil && s.srv.rooms.seated(p.Member.GroupID, p.Member.UserID), true
	case *event.GroupBlocklistChanged:
		return outItem{}, false, true
	}
	return outItem{}, false, false
}

// renderMUC renders a group event on the write loop: for the rooms the
// session sits in, and as bookmark changes.
func (s *session) renderMUC(ev *event.Event) [][]byte {
	return append(s.renderRoomEvent(ev), s.bookmarkChanges(ev)...)
}

func (s *session) renderRoomEvent(ev *event.Event) [][]byte {
	ctx, groups := s.ctx(), s.srv.svc.Groups
	switch p := ev.Payload.(type) {
	case *event.MessageCreated:
		m := &p.Message
		st := s.srv.rooms.seatOf(s, m.GroupID)
		if st == nil {
			return nil
		}
		v, err := groups.View(ctx, m.GroupID)
		if err != nil {
			return nil
		}
		canonical := canonicalLocal(v)
		if o, ok := ev.Origin.(*stanzaOrigin); ok {
			if st.local == canonical {
				return [][]byte{ev.Rendered(event.SlotXMPP, o.bytes)}
			}
			return [][]byte{xmlstream.Append(nil, reAddressed(o.el, canonical, st.local, s.srv), "")}
		}
		if st.local == canonical {
			return [][]byte{ev.Rendered(event.SlotXMPP, func() []byte {
				return s.srv.renderGroupMessage(m, canonical, s.srv.senderNick(v, m.SenderID), false)
			})}
		}
		return [][]byte{s.srv.renderGroupMessage(m, st.local, s.srv.senderNick(v, m.SenderID), false)}
	case *event.TypingStatus:
		st := s.srv.rooms.seatOf(s, p.ToID)
		v, err := groups.View(ctx, p.ToID)
		if st == nil || err != nil {
			return nil
		}
		if o, ok := ev.Origin.(*stanzaOrigin); ok {
			return [][]byte{xmlstream.Append(nil, reAddressed(o.el, canonicalLocal(v), st.local, s.srv), "")}
		}
		from := s.srv.occupantJID(st.local, s.srv.senderNick(v, p.FromID))
		s.pauseLater(from, chatState(from, "groupchat", "paused"))
		return [][]byte{chatState(from, "groupchat", "composing")}
	case *event.GroupUpdated:
		st := s.srv.rooms.seatOf(s, p.Group.ID)
		if st == nil {
			return nil
		}
		s.srv.rooms.mu.Lock()
		changed := st.subject != p.Group.Announcement
		st.subject = p.Group.Announcement
		s.srv.rooms.mu.Unlock()
		if !changed {
			return nil
		}
		return [][]byte{xmlstream.Append(nil, s.srv.subjectMessage(st.local, p.Group.Announcement), "")}
	case *event.GroupMembersRemoved:
		v, _ := groups.View(ctx, p.GroupID)
		var out [][]byte
		for _, uid := range p.UserIDs {
			d, ok := s.srv.rooms.departureOf(p.GroupID, ev, uid)
			if !ok {
				continue
			}
			out = append(out, s.renderDeparture(d, v, ev.RequesterID)...)
		}
		return out
	case *event.GroupDeleted:
		var out [][]byte
		for _, d := range s.srv.rooms.departuresOf(p.GroupID, ev) {
			for _, st := range d.seats {
				if st.sessionID != s.id {
					continue
				}
				pr := s.srv.occupantPresence(st.local, occupantView{groupID: d.groupID, nick: d.nick, userID: d.userID, jid: s.jid.String()}, nil, true, nil, codeSelf)
				pr.Child(nsMUCUser, "x").Add(xmlstream.New(nsMUCUser, "destroy").Add(
					xmlstream.New(nsMUCUser, "reason").AddText("the group was deleted")))
				out = append(out, xmlstream.Append(nil, pr, ""))
			}
		}
		return out
	case *event.GroupMembersAdded:
		if ev.RequesterID == s.userID {
			return nil
		}
		for _, m := range p.Members {
			if m.UserID == s.userID {
				if o, ok := ev.Origin.(*stanzaOrigin); ok {
					return [][]byte{o.bytes()} // a direct invitation, as sent
				}
				return s.invitationTo(p.GroupID, ev.RequesterID, "")
			}
		}
	case *event.GroupJoinRequestChanged:
		return s.renderJoinRequest(ev)
	case *event.GroupMemberUpdated:
		return s.occupantUpdate(p.Member.GroupID, p.Member.UserID)
	case *event.GroupInvitationChanged:
		inv := &p.Invitation
		switch {
		case inv.InviteeID == s.userID && inv.Status == store.RequestPending:
			if o, ok := ev.Origin.(*stanzaOrigin); ok {
				return [][]byte{o.bytes()} // a direct invitation, as sent
			}
			return s.invitationTo(inv.GroupID, inv.InviterID, inv.Content)
		case inv.InviterID == s.userID && inv.InviteeID == ev.RequesterID && inv.Status == store.RequestDeclined:
			return s.declineFrom(inv.GroupID, inv.InviteeID, inv.Reason)
		}
	}
	return nil
}

// renderDeparture renders an occupant's removal from a room: to its own
// sessions with status 110, to the others still there.
func (s *session) renderDeparture(d departure, v *group.View, requester int64) [][]byte {
	var codes []string
	aff := ""
	if requester != d.userID {
		codes = append(codes, codeKicked)
		if blocked, _ := s.srv.svc.Groups.IsBlocked(s.ctx(), d.roomID(), d.userID); blocked {
			codes, aff = []string{codeBanned}, "outcast"
		}
	}
	o := occupantView{groupID: d.groupID, nick: d.nick, userID: d.userID}
	render := func(local string, self bool) []byte {
		c := codes
		if self {
			c = append([]string{codeSelf}, codes...)
			o.jid = s.jid.String()
		} else if len(d.seats) > 0 {
			o.jid = d.seats[len(d.seats)-1].jid
		}
		pr := s.srv.occupantPresence(local, o, nil, true, nil, c...)
		if aff != "" {
			pr.Child(nsMUCUser, "x").Child(nsMUCUser, "item").SetAttr("affiliation", aff)
		}
		return xmlstream.Append(nil, pr, "")
	}
	for _, st := range d.seats {
		if st.sessionID == s.id {
			return [][]byte{render(st.local, true)}
		}
	}
	if st := s.srv.rooms.seatOf(s, d.roomID()); st != nil {
		return [][]byte{render(st.local, false)}
	}
	return nil
}

// invitationTo renders a mediated invitation (XEP-0045 section 7.8.2) to a
// group the user was invited or added to.
func (s *session) invitationTo(groupID, inviterID int64, reason string) [][]byte {
	v, err := s.srv.svc.Groups.View(s.ctx(), groupID)
	if err != nil {
		return nil
	}
	room := s.srv.roomJID(canonicalLocal(v))
	inv := xmlstream.New(nsMUCUser, "invite")
	if inviterID != 0 {
		inv.SetAttr("from", s.srv.bareJID(inviterID))
	}
	if reason != "" {
		inv.Add(xmlstream.New(nsMUCUser, "reason").AddText(reason))
	}
	m := xmlstream.New(xmlstream.NSClient, "message", "from", room, "id", randomID()).
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText("You are invited to " + roomName(v) + " (" + room + ")")).
		Add(xmlstream.New(nsMUCUser, "x").Add(inv))
	return [][]byte{xmlstream.Append(nil, m, "")}
}

// declineFrom renders an invitee's decline to the inviter (section 7.8.2).
func (s *session) declineFrom(groupID, inviteeID int64, reason string) [][]byte {
	v, err := s.srv.svc.Groups.View(s.ctx(), groupID)
	if err != nil {
		return nil
	}
	dec := xmlstream.New(nsMUCUser, "decline", "from", s.srv.bareJID(inviteeID))
	if reason != "" {
		dec.Add(xmlstream.New(nsMUCUser, "reason").AddText(reason))
	}
	m := xmlstream.New(xmlstream.NSClient, "message", "from", s.srv.roomJID(canonicalLocal(v)), "id", randomID()).
		Add(xmlstream.New(nsMUCUser, "x").Add(dec))
	return [][]byte{xmlstream.Append(nil, m, "")}
}
