package xmpp

import (
	"slices"
	"strconv"
	"time"

	"hermod/internal/domain/group"
	"hermod/internal/domain/message"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// mucMessage handles a message to a room: a groupchat message (a group
// message, stored once, that Turms members get too), a subject change (the
// group's announcement), a private message to an occupant, or a mediated
// invitation or its decline.
func (s *session) mucMessage(el *xmlstream.Element, to jid.JID) {
	typ := el.Attr("type")
	if typ == "error" {
		return
	}
	if to.Local == "" {
		s.send(stanzaError(el, errBadRequest("messages go to a room, not to the service")))
		return
	}
	st := s.seatByLocal(to.Local)
	switch {
	case typ == "groupchat" && !to.IsBare():
		s.send(stanzaError(el, errBadRequest("a groupchat message goes to the room's address")))
	case typ == "groupchat" && st == nil:
		s.send(stanzaError(el, errNotAcceptable("join the room before you speak in it")))
	case typ == "groupchat":
		s.groupchat(st, el)
	case !to.IsBare():
		s.privateMessage(st, el, to.Resource)
	case el.Child(nsMUCUser, "x") != nil:
		s.mediatedInvitation(el, to)
	case el.Child(nsDataForms, "x") != nil && formField(el.Child(nsDataForms, "x"), "FORM_TYPE") == nsMUCRegister:
		s.approval(el, el.Child(nsDataForms, "x"), to)
	default:
		s.send(stanzaError(el, errBadRequest("a message to a room is groupchat, an invitation or to an occupant")))
	}
}

// groupchat sends an occupant's message to the group, or changes the
// subject, or passes a chat state on to the other occupants.
func (s *session) groupchat(st *seat, el *xmlstream.Element) {
	if s.handleRoomReference(st, el) {
		return
	}
	ctx := s.ctx()
	kept := el.Children[:0:0]
	var body string
	var subject *xmlstream.Element
	payloads := false
	for _, n := range el.Children {
		c, ok := n.(*xmlstream.Element)
		if !ok {
			continue
		}
		switch {
		case c.Is(nsStanzaID, "stanza-id"), c.Space == nsOccupantID:
			continue // the room's to say
		case c.Is(xmlstream.NSClient, "body") && body == "":
			body = c.Text()
			continue
		case c.Is(xmlstream.NSClient, "subject"):
			subject = c
			continue
		case !ephemeral[c.Space]:
			payloads = true
		}
		kept = append(kept, c)
	}
	if subject != nil && body == "" {
		s.changeSubject(st, el, subject.Text())
		return
	}
	if body == "" && !payloads {
		s.roomChatState(st, el)
		return
	}
	v, err := s.srv.svc.Groups.View(ctx, st.roomID)
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return
	}
	canonical := canonicalLocal(v)
	out := xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "id", el.Attr("id"),
		"from", s.srv.occupantJID(canonical, st.nick))
	if body != "" {
		out.Add(xmlstream.New(xmlstream.NSClient, "body").AddText(body))
	}
	out.Children = append(out.Children, kept...)
	out.Add(occupantID(st.roomID, s.userID))
	var extBytes []byte
	if len(kept) > 0 {
		extBytes = innerBytes(&xmlstream.Element{Children: kept})
	}
	var sent *xmlstream.Element
	_, err = s.srv.svc.Messages.Send(ctx, s.requester(), message.Draft{
		GroupID: st.roomID, Text: body, Extensions: extBytes, ClientID: clientID(el),
	}, func(m *store.Message) any {
		sent = out.Copy()
		sent.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(m.ID, 10), "by", s.srv.roomJID(canonical)))
		return &stanzaOrigin{el: sent}
	})
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
		return
	}
	// The room reflects the message to its sender (section 7.4); the
	// domain's event skips the session that sent it.
	s.send(reAddressed(sent, canonical, st.local, s.srv))
}

// reAddressed returns a room's stanza as a session that joined the room by
// another address (the numeric one, or the alias) must see it.
func reAddressed(el *xmlstream.Element, canonical, local string, srv *Server) *xmlstream.Element {
	if canonical == local {
		return el
	}
	c := el.Copy()
	from, _ := jid.Parse(el.Attr("from"))
	if from.Resource != "" {
		c.SetAttr("from", srv.occupantJID(local, from.Resource))
	} else {
		c.SetAttr("from", srv.roomJID(local))
	}
	for _, ch := range c.Elements() {
		if ch.Is(nsStanzaID, "stanza-id") {
			ch.SetAttr("by", srv.roomJID(local))
		}
	}
	return c
}

// changeSubject sets the group's announcement, under the group's rule for
// who may change its information.
func (s *session) changeSubject(st *seat, el *xmlstream.Element, subject string) {
	err := s.srv.svc.Groups.Update(s.ctx(), s.requester(), st.roomID, group.Change{Announcement: &subject}, nil)
	if err != nil {
		e := errFromDomain(err)
		if e.cond == "not-allowed" {
			e = &stanzaErr{"auth", "forbidden", e.text, nil}
		}
		s.send(stanzaError(el, e))
		return
	}
	// This session's own view: the event skips it.
	s.srv.rooms.mu.Lock()
	st.subject = subject
	s.srv.rooms.mu.Unlock()
	s.send(s.srv.subjectMessageBy(st.local, st.nick, subject))
}

// subjectMessage renders a room's subject, from the room itself.
func (s *Server) subjectMessage(local, subject string) *xmlstream.Element {
	return xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "from", s.roomJID(local), "id", randomID()).
		Add(xmlstream.New(xmlstream.NSClient, "subject").AddText(subject))
}

// subjectMessageBy renders a subject set by an occupant.
func (s *Server) subjectMessageBy(local, nick, subject string) *xmlstream.Element {
	m := s.subjectMessage(local, subject)
	m.SetAttr("from", s.occupantJID(local, nick))
	return m
}

// roomChatState passes a chat state on to the other occupants; composing
// is also the group typing status that Turms members see.
func (s *session) roomChatState(st *seat, el *xmlstream.Element) {
	if el.Child(nsChatStates, "") == nil {
		return // nothing else without a body is worth passing on
	}
	v, err := s.srv.svc.Groups.View(s.ctx(), st.roomID)
	if err != nil {
		return
	}
	out := xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "from", s.srv.occupantJID(canonicalLocal(v), st.nick))
	out.Add(el.Child(nsChatStates, ""), occupantID(st.roomID, s.userID))
	if el.Child(nsChatStates, "composing") != nil {
		s.srv.svc.Messages.Typing(s.ctx(), s.requester(), st.roomID, true, &stanzaOrigin{el: out})
		return
	}
	canonical := canonicalLocal(v)
	s.srv.broadcastRoom(st.roomID, st, func(local string) *xmlstream.Element {
		return reAddressed(out, canonical, local, s.srv)
	})
}

// privateMessage passes a message from one occupant to another (section
// 7.5), from the sender's occupant JID.
func (s *session) privateMessage(st *seat, el *xmlstream.Element, nick string) {
	if st == nil {
		s.send(stanzaError(el, errNotAcceptable("join the room before you write to its occupants")))
		return
	}
	targets := s.srv.rooms.seatsOfNick(st.roomID, nick)
	if len(targets) == 0 {
		s.send(stanzaError(el, errItemNotFound("no such occupant")))
		return
	}
	for _, t := range targets {
		out := el.Copy()
		out.SetAttr("from", s.srv.occupantJID(t.local, st.nick))
		out.SetAttr("to", t.s.jid.String())
		out.Add(xmlstream.New(nsMUCUser, "x"))
		t.s.deliverBytes(xmlstream.Append(nil, out, ""))
	}
}

// sendHistory sends the discussion history of a room from the archive
// (section 7.2.15): the last messages, at most maxstanzas and
// opts.MUCHistory, none when maxchars is 0, and only those after since or
// from the last seconds.
func (s *session) sendHistory(st *seat, v *group.View, h *xmlstream.Element) {
	limit := s.srv.opts.MUCHistory
	var from int64
	if h != nil {
		if h.Attr("maxchars") == "0" {
			return
		}
		if n, err := strconv.Atoi(h.Attr("maxstanzas")); err == nil && n >= 0 && n < limit {
			limit = n
		}
		if n, err := strconv.Atoi(h.Attr("seconds")); err == nil && n >= 0 {
			from = time.Now().Add(-time.Duration(n) * time.Second).UnixMilli()
		}
		if t, err := time.Parse(time.RFC3339, h.Attr("since")); err == nil && t.UnixMilli() > from {
			from = t.UnixMilli()
		}
	}
	if limit <= 0 {
		return
	}
	notSystem := false
	msgs, err := s.srv.svc.Store.Messages().Query(s.ctx(), store.MessageQuery{
		Group: true, TargetIDs: []int64{st.roomID}, System: &notSystem, DeliveredFrom: from,
		Descending: true, Limit: limit,
	})
	if err != nil {
		s.logger().Warn("reading a room's history", "err", err)
		return
	}
	slices.Reverse(msgs)
	for i := range msgs {
		s.sendBytes(s.srv.renderGroupMessage(&msgs[i], st.local, s.srv.senderNick(v, msgs[i].SenderID), true))
	}
}

// renderGroupMessage renders a stored group message as groupchat from the
// sender's occupant JID, with the room's stanza-id; delayed adds the
// archive's timestamp (history).
func (s *Server) renderGroupMessage(m *store.Message, local, nick string, delayed bool) []byte {
	return xmlstream.Append(nil, s.groupMessage(m, local, nick, delayed), "")
}

// groupMessage is renderGroupMessage's stanza.
func (s *Server) groupMessage(m *store.Message, local, nick string, delayed bool) *xmlstream.Element {
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "id", refOf(m),
		"from", s.occupantJID(local, nick))
	if m.Text != "" {
		el.Add(xmlstream.New(xmlstream.NSClient, "body").AddText(m.Text))
	}
	if len(m.Extensions) > 0 {
		el.Children = append(el.Children, xmlstream.Raw(m.Extensions))
	}
	el.Add(occupantID(m.GroupID, m.SenderID))
	el.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(m.ID, 10), "by", s.roomJID(local)))
	if delayed {
		el.Add(xmlstream.New(nsDelay, "delay", "from", s.roomJID(local),
			"stamp", time.UnixMilli(m.DeliveryDate).UTC().Format("2006-01-02T15:04:05.000Z")))
	}
	return el
}

// senderNick is the nick a message's sender appears under in a room: the
// nick they sit (or last sat) under, else their name in the group, else
// their account's name, else their id; a name another occupant holds gets
// the id added.
func (s *Server) senderNick(v *group.View, userID int64) string {
	if nick := s.rooms.nickOf(v.Group.ID, userID); nick != "" {
		return nick
	}
	nick := ""
	if m := v.Members[userID]; m != nil && m.Name != "" {
		nick = m.Name
	} else if u, err := s.svc.Store.Users().Get(s.ctxBackground(), userID); err == nil && u.Name != "" {
		nick = u.Name
	}
	id := strconv.FormatInt(userID, 10)
	switch {
	case nick == "":
		return id
	case s.rooms.taken(v.Group.ID, nick, userID):
		return nick + " (" + id + ")"
	}
	return nick
}
