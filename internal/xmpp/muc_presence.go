package xmpp

import (
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// MUC status codes (XEP-0045 section 15.6).
const (
	codeNonAnonymous = "100"
	codeSelf         = "110"
	codeConfigChange = "104"
	codeCreated      = "201"
	codeBanned       = "301"
	codeNickChange   = "303"
	codeKicked       = "307"
	codeAffiliation  = "321"
	codeShutdown     = "332"
)

// mucPresence handles presence to a room: joining under a nickname,
// changing presence or nickname while in it, and leaving.
func (s *session) mucPresence(el *xmlstream.Element, to jid.JID) {
	if to.Local == "" {
		return // presence to the service itself means nothing
	}
	switch el.Attr("type") {
	case "":
	case "unavailable":
		if st := s.seatByLocal(to.Local); st != nil {
			s.leaveRoom(st, el, true)
		}
		return
	default:
		return // subscriptions to rooms and errors are dropped
	}
	if to.Resource == "" {
		s.send(stanzaError(el, &stanzaErr{"modify", "jid-malformed", "a nickname is required to join a room", nil}))
		return
	}
	if len(to.Resource) > maxNick {
		s.send(stanzaError(el, errNotAcceptable("the nickname is too long")))
		return
	}
	if st := s.seatByLocal(to.Local); st != nil {
		switch {
		case st.nick == to.Resource && el.Child(nsMUC, "x") != nil:
			s.rejoin(st, el) // the client thinks it is out (a lost stream, a failed self-ping)
		case st.nick == to.Resource:
			s.updateRoomPresence(st, el)
		default:
			s.changeNick(st, el, to.Resource)
		}
		return
	}
	s.joinRoom(el, to)
}

// seatByLocal returns the session's seat in the room it joined as local.
func (s *session) seatByLocal(local string) *seat {
	s.srv.rooms.mu.Lock()
	defer s.srv.rooms.mu.Unlock()
	for _, st := range s.seats {
		if st.local == local {
			return st
		}
	}
	return nil
}

// joinRoom seats the session (XEP-0045 section 7.2): members enter; a user
// with a pending invitation accepts it by entering; anyone enters a group
// that takes whoever asks; a room that does not exist is created as a new
// group (section 10.1) that keeps the address the client chose.
func (s *session) joinRoom(el *xmlstream.Element, to jid.JID) {
	fail := func(e *stanzaErr) {
		r := stanzaError(el, e)
		r.Add(xmlstream.New(nsMUC, "x"))
		s.send(r)
	}
	ctx, groups := s.ctx(), s.srv.svc.Groups
	v, err := s.roomOf(to.Local)
	created := false
	if domain.CodeOf(err) == status.ResourceNotFound {
		if _, numeric := parseID(to.Local); numeric || el.Child(nsMUC, "x") == nil {
			fail(errRoomNotFound())
			return
		}
		g, cerr := groups.Create(ctx, s.requester(), group.NewGroup{Name: to.Local, Alias: to.Local}, nil)
		if cerr != nil {
			fail(errFromDomain(cerr))
			return
		}
		created = true
		v, err = groups.View(ctx, g.ID)
	}
	if err != nil {
		fail(errFromDomain(err))
		return
	}
	if _, member := v.Members[s.userID]; !member {
		if blocked, _ := groups.IsBlocked(ctx, v.Group.ID, s.userID); blocked {
			fail(&stanzaErr{"auth", "forbidden", "you are banned from this room", nil})
			return
		}
		var jerr error
		if inv := s.pendingInvitation(v.Group.ID); inv != 0 {
			jerr = groups.ReplyInvitation(ctx, s.requester(), inv, group.Accept, "", nil)
		} else if v.MayJoinByAsking() {
			jerr = groups.AddMembers(ctx, s.requester(), v.Group.ID, group.NewMembers{UserIDs: []int64{s.userID}}, nil)
		} else {
			fail(&stanzaErr{"auth", "registration-required", "the room is for its members", nil})
			return
		}
		if jerr != nil {
			fail(errFromDomain(jerr))
			return
		}
		if v, err = groups.View(ctx, v.Group.ID); err != nil {
			fail(errFromDomain(err))
			return
		}
	}
	nick := to.Resource
	if s.srv.rooms.taken(v.Group.ID, nick, s.userID) {
		fail(&stanzaErr{"cancel", "conflict", "that nickname is taken", nil})
		return
	}
	st := &seat{s: s, roomID: v.Group.ID, local: to.Local, nick: nick, presence: roomPresence(el), subject: v.Group.Announcement}
	if _, ok := s.srv.rooms.sit(st, s.userID, canonicalLocal(v)); !ok {
		fail(&stanzaErr{"cancel", "conflict", "that nickname is taken", nil})
		return
	}
	// The others already there, then the new occupant to itself and to
	// them, then the discussion history, then the subject, which ends the
	// join (section 7.2.16).
	for _, o := range s.srv.rooms.occupants(v.Group.ID) {
		if o.nick == nick {
			continue
		}
		s.send(s.srv.occupantPresence(to.Local, o, v, false, nil))
	}
	me := occupantView{groupID: v.Group.ID, nick: nick, userID: s.userID, jid: s.jid.String(), presence: st.presence}
	codes := []string{codeNonAnonymous, codeSelf}
	if created {
		codes = append(codes, codeCreated)
	}
	s.send(s.srv.occupantPresence(to.Local, me, v, false, nil, codes...))
	s.srv.broadcastRoom(v.Group.ID, st, func(local string) *xmlstream.Element {
		return s.srv.occupantPresence(local, me, v, false, nil)
	})
	s.sendHistory(st, v, el.Child(nsMUC, "x").Child(nsMUC, "history"))
	s.send(s.srv.subjectMessage(to.Local, v.Group.Announcement))
}

// rejoin answers a join from a session that already sits in the room as
// a join: the occupants, itself, the history it asks for and the subject,
// so that a client that lost track of the room gets it whole again; the
// others see only its (maybe new) presence.
func (s *session) rejoin(st *seat, el *xmlstream.Element) {
	v, err := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return
	}
	p := roomPresence(el)
	s.srv.rooms.setPresence(st, p)
	for _, o := range s.srv.rooms.occupants(st.roomID) {
		if o.nick != st.nick {
			s.send(s.srv.occupantPresence(st.local, o, v, false, nil))
		}
	}
	me := occupantView{groupID: st.roomID, nick: st.nick, userID: s.userID, jid: s.jid.String(), presence: p}
	s.send(s.srv.occupantPresence(st.local, me, v, false, nil, codeNonAnonymous, codeSelf))
	s.srv.broadcastRoom(st.roomID, st, func(local string) *xmlstream.Element {
		return s.srv.occupantPresence(local, me, v, false, nil)
	})
	s.sendHistory(st, v, el.Child(nsMUC, "x").Child(nsMUC, "history"))
	s.send(s.srv.subjectMessage(st.local, v.Group.Announcement))
}

// parseID parses a numeric room or user address.
func parseID(local string) (int64, bool) {
	n, err := strconv.ParseInt(local, 10, 64)
	return n, err == nil && n > 0
}

// roomPresence keeps what a client's presence to a room says of it (show,
// status, caps), without the MUC elements, which the room adds itself.
func roomPresence(el *xmlstream.Element) *xmlstream.Element {
	p := xmlstream.New(xmlstream.NSClient, "presence")
	for _, c := range el.Elements() {
		if c.Space == nsMUC || c.Space == nsMUCUser || c.Space == nsOccupantID {
			continue // the room's to say
		}
		p.Add(c)
	}
	return p
}

// occupantPresence renders an occupant's presence as the room sends it:
// from its occupant JID, with its affiliation, role and real JID (rooms
// are non-anonymous) and the status codes given. item adds attributes to
// the item (a new nick, an actor); unavailable makes it a departure.
func (s *Server) occupantPresence(local string, o occupantView, v *group.View, unavailable bool, item []string, codes ...string) *xmlstream.Element {
	p := xmlstream.New(xmlstream.NSClient, "presence", "from", s.occupantJID(local, o.nick))
	aff, role := "none", "none"
	if v != nil {
		aff = affiliation(v, o.userID)
		if !unavailable {
			role = mucRole(v, o.userID)
		}
	}
	if unavailable {
		p.SetAttr("type", "unavailable")
	} else if o.presence != nil {
		p.Children = append(p.Children, o.presence.Children...)
	}
	if o.groupID != 0 {
		p.Add(occupantID(o.groupID, o.userID))
	}
	it := xmlstream.New(nsMUCUser, "item", append([]string{"affiliation", aff, "role", role, "jid", o.jid}, item...)...)
	x := xmlstream.New(nsMUCUser, "x").Add(it)
	for _, c := range codes {
		x.Add(xmlstream.New(nsMUCUser, "status", "code", c))
	}
	return p.Add(x)
}

// broadcastRoom sends every seat of a room but except what render returns
// for the address it joined by (rendered once per address).
func (s *Server) broadcastRoom(groupID int64, except *seat, render func(local string) *xmlstream.Element) {
	byLocal := map[string][]byte{}
	for _, st := range s.rooms.seats(groupID) {
		if st == except {
			continue
		}
		b, ok := byLocal[st.local]
		if !ok {
			b = xmlstream.Append(nil, render(st.local), "")
			byLocal[st.local] = b
		}
		st.s.deliverBytes(b)
	}
}

// deliverBytes queues a stanza from another session's doing, as Deliver
// does: a session that cannot keep up is closed.
func (s *session) deliverBytes(b []byte) {
	if !s.push(outItem{b: b}, false) {
		s.closeWith(&xmlstream.StreamError{Condition: "policy-violation", Text: "the client does not read fast enough"})
	}
}

// updateRoomPresence passes an occupant's new presence to the room.
func (s *session) updateRoomPresence(st *seat, el *xmlstream.Element) {
	v, err := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	if err != nil {
		return
	}
	p := roomPresence(el)
	s.srv.rooms.setPresence(st, p)
	me := occupantView{groupID: st.roomID, nick: st.nick, userID: s.userID, jid: s.jid.String(), presence: p}
	s.send(s.srv.occupantPresence(st.local, me, v, false, nil, codeSelf))
	s.srv.broadcastRoom(st.roomID, st, func(local string) *xmlstream.Element {
		return s.srv.occupantPresence(local, me, v, false, nil)
	})
}

// changeNick moves an occupant to another nickname (section 7.6): the old
// one leaves with status 303 naming the new one, the new one arrives.
func (s *session) changeNick(st *seat, el *xmlstream.Element, nick string) {
	if s.srv.rooms.taken(st.roomID, nick, s.userID) {
		s.send(stanzaError(el, &stanzaErr{"cancel", "conflict", "that nickname is taken", nil}))
		return
	}
	v, err := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return
	}
	old := occupantView{groupID: st.roomID, nick: st.nick, userID: s.userID, jid: s.jid.String()}
	s.srv.rooms.stand(s, st.roomID)
	ns := &seat{s: s, roomID: st.roomID, local: st.local, nick: nick, presence: roomPresence(el), subject: st.subject}
	if _, ok := s.srv.rooms.sit(ns, s.userID, canonicalLocal(v)); !ok {
		s.srv.rooms.sit(st, s.userID, canonicalLocal(v))
		s.send(stanzaError(el, &stanzaErr{"cancel", "conflict", "that nickname is taken", nil}))
		return
	}
	nickAttr := []string{"nick", nick}
	s.send(s.srv.occupantPresence(st.local, old, v, true, nickAttr, codeNickChange, codeSelf))
	s.srv.broadcastRoom(st.roomID, ns, func(local string) *xmlstream.Element {
		return s.srv.occupantPresence(local, old, v, true, nickAttr, codeNickChange)
	})
	me := occupantView{groupID: st.roomID, nick: nick, userID: s.userID, jid: s.jid.String(), presence: ns.presence}
	s.send(s.srv.occupantPresence(st.local, me, v, false, nil, codeSelf))
	s.srv.broadcastRoom(st.roomID, ns, func(local string) *xmlstream.Element {
		return s.srv.occupantPresence(local, me, v, false, nil)
	})
}

// leaveRoom takes the session out of a room; the others hear of it when
// it was the nickname's last session. echo sends the unavailable presence
// back to the session (it asked to leave).
func (s *session) leaveRoom(st *seat, el *xmlstream.Element, echo bool) {
	_, last := s.srv.rooms.stand(s, st.roomID)
	v, _ := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	me := occupantView{groupID: st.roomID, nick: st.nick, userID: s.userID, jid: s.jid.String()}
	if el != nil {
		me.presence = roomPresence(el)
	}
	if echo {
		s.send(s.srv.occupantPresence(st.local, me, v, true, nil, codeSelf))
	}
	if last {
		s.srv.broadcastRoom(st.roomID, nil, func(local string) *xmlstream.Element {
			return s.srv.occupantPresence(local, me, v, true, nil)
		})
	}
}

// leaveAllRooms takes the session out of every room it sits in, as when
// it goes unavailable or away.
func (s *session) leaveAllRooms(echo bool) {
	for _, st := range s.srv.rooms.joinedRooms(s) {
		s.leaveRoom(st, nil, echo)
	}
}
