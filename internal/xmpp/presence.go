package xmpp

import (
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/domain/presence"
	"hermod/internal/domain/relation"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// turmsResource is the resource under which a user's Turms sessions
// appear to XMPP contacts: Turms has one status per user, not per device.
const turmsResource = "turms"

// statusOfShow maps an XMPP <show/> to a Turms user status.
func statusOfShow(show string) int32 {
	switch show {
	case "away", "xa":
		return presence.Away
	case "dnd":
		return presence.DoNotDisturb
	}
	return presence.Available
}

// showOfStatus maps a Turms user status to an XMPP <show/> ("" for none).
func showOfStatus(st int32) string {
	switch st {
	case presence.Away, presence.BeRightBack:
		return "away"
	case presence.Busy, presence.DoNotDisturb:
		return "dnd"
	}
	return ""
}

func (s *session) handlePresence(el *xmlstream.Element) {
	typ := el.Attr("type")
	switch typ {
	case "", "unavailable":
		if el.Attr("to") == "" {
			s.broadcastPresence(el, typ == "unavailable")
			return
		}
		s.directedPresence(el)
	case "subscribe", "subscribed", "unsubscribe", "unsubscribed":
		s.subscription(el, typ)
	case "probe":
		a, serr := s.resolve(el.Attr("to"))
		if serr == nil && a.userID != 0 && a.jid.IsBare() && s.receivesPresenceOf(a.userID) {
			s.sendAll(s.srv.presenceOf(a.userID, s.userID, nil))
		}
	case "error":
	default:
		s.send(stanzaError(el, errBadRequest("unknown presence type")))
	}
}

// broadcastPresence handles presence without a 'to': the resource's
// availability, sent to the user's contacts and other resources (RFC 6121
// section 4.2 and 4.4).
func (s *session) broadcastPresence(el *xmlstream.Element, unavailable bool) {
	if unavailable {
		s.goUnavailable(el)
		return
	}
	p := s.srv.stampAvatar(s.stamp(el), s.userID)
	st := statusOfShow(el.ChildText(xmlstream.NSClient, "show"))
	first := !s.available.Swap(true)
	s.presence.Store(p)
	s.describe()
	defer s.learnCaps(p)
	origin := &stanzaOrigin{el: p}
	var err error
	if first && st == presence.Available {
		// Coming online is not a status request: Turms clients are not told.
		cur, _ := s.srv.svc.Router.Status(s.userID)
		err = s.srv.svc.Presence.Announce(s.ctx(), s.userID, s.id, cur, origin)
	} else {
		err = s.srv.svc.Presence.Update(s.ctx(), s.userID, s.id, st, nil, origin)
	}
	if err != nil {
		s.logger().Warn("broadcasting presence", "err", err)
	}
	s.sendBytes(origin.bytes()) // the sender's own resource gets it back too
	if first {
		s.initialPresence()
	}
}

// stamp copies a client's presence as the server sends it on: from the
// full JID, to nobody in particular.
func (s *session) stamp(el *xmlstream.Element) *xmlstream.Element {
	p := el.Copy()
	p.SetAttr("from", s.jid.String())
	p.SetAttr("to", "")
	p.Space = xmlstream.NSClient
	return p
}

// initialPresence sends a resource that just became available what it
// missed: its contacts' presence, pending subscription requests and the
// messages that arrived while the user had no XMPP session.
func (s *session) initialPresence() {
	s.sendAll(s.srv.presenceOf(s.userID, s.userID, s)) // the user's other resources
	items, _, err := s.rosterItems()
	if err != nil {
		s.logger().Warn("probing contacts", "err", err)
	}
	for _, it := range items {
		if it.subscription == "both" {
			s.sendAll(s.srv.presenceOf(it.userID, s.userID, nil))
		}
	}
	received, _, err := s.srv.svc.Relations.FriendRequests(s.ctx(), s.userID, false, 0)
	if err != nil && !isNoContent(err) {
		s.logger().Warn("listing friend requests", "err", err)
	}
	for _, fr := range received {
		if fr.Status == store.RequestPending {
			s.send(s.srv.subscribeRequest(&fr))
		}
	}
	s.sendPendingInvitations() // muc_invite.go
	s.deliverOffline()
}

func (s *session) goUnavailable(el *xmlstream.Element) {
	if !s.available.Swap(false) {
		return
	}
	s.presence.Store(nil)
	s.describe()
	var p *xmlstream.Element
	if el != nil {
		p = s.stamp(el)
	} else {
		p = xmlstream.New(xmlstream.NSClient, "presence", "type", "unavailable", "from", s.jid.String())
	}
	st, _ := s.srv.svc.Router.Status(s.userID)
	if err := s.srv.svc.Presence.Announce(s.ctx(), s.userID, s.id, st, &stanzaOrigin{el: p}); err != nil {
		s.logger().Warn("broadcasting unavailability", "err", err)
	}
	for uid := range s.directed {
		s.srv.svc.Messages.Relay(s.ctx(), s.requester(), uid, &stanzaOrigin{el: p})
	}
	s.directed = nil
	s.unavailableToComponents(p) // component*.go
	s.leaveAllRooms(el != nil)
	if el != nil {
		s.sendBytes(xmlstream.Append(nil, p, "")) // echo to the resource itself
	}
	s.markDelivered()
}

// directedPresence passes presence to one entity (RFC 6121 section 4.6),
// remembered so that it gets our unavailable presence too.
func (s *session) directedPresence(el *xmlstream.Element) {
	a, serr := s.resolve(el.Attr("to"))
	if serr != nil || !a.local || a.userID == 0 {
		return // presence to unknown entities is dropped silently
	}
	if err := s.relay(el, a); err != nil {
		return
	}
	if el.Attr("type") == "unavailable" {
		delete(s.directed, a.userID)
		return
	}
	if s.directed == nil {
		s.directed = make(map[int64]bool)
	}
	s.directed[a.userID] = true
}

// subscription maps the RFC 6121 section 3 handshake onto friend requests:
// subscribe sends one (or accepts theirs), subscribed accepts one,
// unsubscribed declines one or stops sharing presence, unsubscribe cancels
// ours or ends the friendship.
func (s *session) subscription(el *xmlstream.Element, typ string) {
	a, serr := s.resolve(el.Attr("to"))
	if serr != nil || !a.local || a.server || a.userID == 0 || a.userID == s.userID {
		return // RFC 6121: silently ignored
	}
	ctx, rels, r := s.ctx(), s.srv.svc.Relations, s.requester()
	theirs := s.pendingRequest(a.userID, s.userID)
	var err error
	switch typ {
	case "subscribe":
		switch {
		case theirs != nil:
			err = s.accept(theirs)
		case s.receivesPresenceOf(a.userID):
			s.send(xmlstream.New(xmlstream.NSClient, "presence", "type", "subscribed", "from", s.srv.bareJID(a.userID)))
		default:
			_, err = rels.CreateFriendRequest(ctx, r, a.userID, el.ChildText(xmlstream.NSClient, "status"), nil)
			if err == nil {
				s.pushItem(a.userID)
			}
		}
	case "subscribed":
		if theirs != nil {
			err = s.accept(theirs)
		}
	case "unsubscribed":
		if theirs != nil {
			err = rels.ReplyFriendRequest(ctx, r, theirs.ID, relation.Decline, "", nil)
		} else {
			err = rels.DeleteRelationship(ctx, r, a.userID, nil, nil, nil)
		}
		s.pushItem(a.userID)
	case "unsubscribe":
		err = rels.RemoveContact(ctx, r, a.userID)
		s.pushItem(a.userID)
	}
	switch c := domain.CodeOf(err); c {
	case status.OK, status.CreateExistingFriendRequest, status.ResourceNotFound,
		status.BlockedUserToSendFriendRequest:
	default:
		s.logger().Warn("subscription", "type", typ, "code", c, "err", err)
	}
}

// accept accepts a friend request. This resource learns of the new
// friendship here: the domain's event skips the session that caused it.
func (s *session) accept(fr *store.FriendRequest) error {
	err := s.srv.svc.Relations.ReplyFriendRequest(s.ctx(), s.requester(), fr.ID, relation.Accept, "", nil)
	if err == nil {
		s.pushItem(fr.RequesterID)
		s.sendAll(s.srv.presenceOf(fr.RequesterID, s.userID, nil))
	}
	return err
}

// pendingRequest returns the pending friend request from one user to
// another, or nil.
func (s *session) pendingRequest(from, to int64) *store.FriendRequest {
	fr, err := s.srv.svc.Store.FriendRequests().FindPending(s.ctx(), from, to, domain.Now())
	if err != nil {
		return nil
	}
	return fr
}

// receivesPresenceOf reports whether other shares presence with this user:
// other relates to them without blocking them.
func (s *session) receivesPresenceOf(other int64) bool {
	if other == s.userID {
		return true
	}
	r, err := s.srv.svc.Store.Relationships().Get(s.ctx(), other, s.userID)
	return err == nil && r.BlockDate == 0
}

// subscribeRequest renders a friend request as a subscription request.
func (s *Server) subscribeRequest(fr *store.FriendRequest) *xmlstream.Element {
	p := xmlstream.New(xmlstream.NSClient, "presence", "type", "subscribe", "from", s.bareJID(fr.RequesterID))
	if fr.Content != "" {
		p.Add(xmlstream.New(xmlstream.NSClient, "status").AddText(fr.Content))
	}
	return p
}

// presenceOf renders the current presence of every session of userID as
// viewer may see it: each available XMPP resource's last presence, and
// one presence for the user's Turms sessions with their status.
func (s *Server) presenceOf(userID, viewer int64, except *session) [][]byte {
	var out [][]byte
	turms := false
	for _, o := range s.svc.Router.Sessions(userID) {
		x, ok := o.(*session)
		if !ok {
			turms = true
			continue
		}
		if x == except || !x.available.Load() {
			continue
		}
		if p := x.presence.Load(); p != nil {
			out = append(out, xmlstream.Append(nil, s.stampAvatar(p, userID), ""))
		}
	}
	st, remote := s.svc.Router.Snapshot(userID)
	for _, r := range remote { // other nodes' sessions
		_, p, isXMPP := remoteResource(r.Info)
		if !isXMPP {
			turms = true
		} else if p != nil {
			out = append(out, p)
		}
	}
	if turms {
		out = append(out, s.turmsPresenceAs(userID, viewer, st.Status, true))
	}
	return out
}

// turmsPresence renders the presence of userID's Turms sessions, or their
// absence: unavailable when the user has no Turms session or, to others,
// is invisible.
func (s *Server) turmsPresence(userID, viewer int64) []byte {
	st, remote := s.svc.Router.Snapshot(userID)
	online := false
	for _, o := range s.svc.Router.Sessions(userID) {
		if _, isXMPP := o.(*session); !isXMPP {
			online = true
			break
		}
	}
	for _, r := range remote {
		if _, _, isXMPP := remoteResource(r.Info); !isXMPP {
			online = true
		}
	}
	return s.turmsPresenceAs(userID, viewer, st.Status, online)
}

// turmsPresenceAs renders the presence of userID's Turms sessions given
// the user's status and whether any Turms session is online.
func (s *Server) turmsPresenceAs(userID, viewer int64, st int32, online bool) []byte {
	from := strconv.FormatInt(userID, 10) + "@" + s.opts.Domain + "/" + turmsResource
	p := xmlstream.New(xmlstream.NSClient, "presence", "from", from)
	if !online || st == presence.Offline || (st == presence.Invisible && userID != viewer) {
		p.SetAttr("type", "unavailable")
	} else {
		if show := showOfStatus(st); show != "" {
			p.Add(xmlstream.New(xmlstream.NSClient, "show").AddText(show))
		}
		p.Add(turmsCaps())
		p = s.stampAvatar(p, userID)
	}
	return xmlstream.Append(nil, p, "")
}
