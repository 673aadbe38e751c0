package xmpp

import (
	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// mediatedInvitation handles invitations sent through a room and declines
// of them (XEP-0045 section 7.8.2): an invitation is a group invitation
// when the group's invitees must accept, else the invitee is added at
// once; either way the invitee hears of it from the room.
func (s *session) mediatedInvitation(el *xmlstream.Element, to jid.JID) {
	v, err := s.roomOf(to.Local)
	if err != nil || !s.mayView(v) {
		s.send(stanzaError(el, errRoomNotFound()))
		return
	}
	x := el.Child(nsMUCUser, "x")
	for _, c := range x.Elements() {
		switch {
		case c.Is(nsMUCUser, "invite"):
			if err := s.invite(v, c.Attr("to"), c.ChildText(nsMUCUser, "reason"), nil); err != nil {
				s.send(stanzaError(el, errFromDomain(err)))
				return
			}
		case c.Is(nsMUCUser, "decline"):
			inv := s.pendingInvitation(v.Group.ID)
			if inv == 0 {
				s.send(stanzaError(el, errItemNotFound("no pending invitation to decline")))
				return
			}
			if err := s.srv.svc.Groups.ReplyInvitation(s.ctx(), s.requester(), inv, group.Decline, c.ChildText(nsMUCUser, "reason"), nil); err != nil {
				s.send(stanzaError(el, errFromDomain(err)))
				return
			}
		}
	}
}

// invite invites (or adds) the user at address into the group. origin,
// when not nil, is the stanza the invitee gets instead of a mediated
// invitation (a direct invitation, as its sender sent it).
func (s *session) invite(v *group.View, address, reason string, origin any) error {
	a, serr := s.resolve(address)
	switch {
	case address == "":
		return errBadRequest("an invitation names its invitee")
	case serr != nil:
		return serr
	case !a.local:
		return errRemoteServerNotFound()
	case a.userID == 0 || a.server:
		return errItemNotFound("no such user")
	}
	groups := s.srv.svc.Groups
	if v.RequiresApproval() {
		_, err := groups.Invite(s.ctx(), s.requester(), v.Group.ID, a.userID, reason, origin)
		return err
	}
	return groups.AddMembers(s.ctx(), s.requester(), v.Group.ID, group.NewMembers{UserIDs: []int64{a.userID}}, origin)
}

// directInvitation handles an XEP-0249 invitation a user sends another
// user to one of the rooms here: it becomes the same group invitation as
// a mediated one. It reports false when x names no room of this server, so
// that the message goes on as it is.
func (s *session) directInvitation(el, x *xmlstream.Element, invitee address) bool {
	room, ok := s.srv.isMUC(x.Attr("jid"))
	if !ok || room.Local == "" {
		return false
	}
	v, err := s.roomOf(room.Local)
	if err != nil || !s.mayView(v) {
		s.send(stanzaError(el, errRoomNotFound()))
		return true
	}
	out := el.Copy()
	out.SetAttr("from", s.jid.String())
	if err := s.invite(v, invitee.jid.Bare().String(), x.Attr("reason"), &stanzaOrigin{el: out}); err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
	}
	return true
}

// sendPendingInvitations tells a resource that became available of the
// group invitations waiting for the user, which came while it was away.
func (s *session) sendPendingInvitations() {
	invs, _, err := s.srv.svc.Groups.Invitations(s.ctx(), s.userID, nil, false, 0)
	if err != nil {
		return
	}
	for _, inv := range invs {
		if inv.Status == store.RequestPending {
			s.sendAll(s.invitationTo(inv.GroupID, inv.InviterID, inv.Content))
		}
	}
}
