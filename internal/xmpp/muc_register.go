package xmpp

import (
	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// Registering with a room (XEP-0045 section 7.10) is asking to become a
// member of its group: a group that takes whoever asks adds the user at
// once, a group that takes join requests gets one (the form's FAQ entry is
// its content) for its owner and managers to answer, others refuse.
// Cancelling the registration (<remove/>) leaves the group. The owner's
// and managers' clients get each request as a registration approval form
// (section 9.9), and submitting it answers the join request.

const nsMUCRegister = nsMUC + "#register"

func init() {
	mucRoomIQ[nsRegister] = (*session).roomRegister
}

func (s *session) roomRegister(iq, q *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error) {
	ctx, groups := s.ctx(), s.srv.svc.Groups
	_, member := v.Members[s.userID]
	if iq.Attr("type") == "get" {
		out := xmlstream.New(nsRegister, "query")
		if member {
			return out.Add(xmlstream.New(nsRegister, "registered"),
				xmlstream.New(nsRegister, "username").AddText(s.srv.senderNick(v, s.userID))), nil
		}
		return out.Add(xmlstream.New(nsRegister, "instructions").AddText("Ask to become a member of "+roomName(v)+"."),
			dataForm("form", nsMUCRegister,
				field("muc#register_roomnick", "text-single", ""),
				field("muc#register_faqentry", "text-multi", ""))), nil
	}
	if q.Child(nsRegister, "remove") != nil {
		if !member {
			return nil, errItemNotFound("not a member")
		}
		return nil, forbidden(groups.RemoveMembers(ctx, s.requester(), v.Group.ID, []int64{s.userID}, nil, false, nil))
	}
	if member {
		return nil, nil // already registered
	}
	var note string
	if x := q.Child(nsDataForms, "x"); x != nil {
		note = formField(x, "muc#register_faqentry")
	}
	switch v.Type.JoinStrategy {
	case group.JoinMembershipRequest:
		return nil, forbidden(groups.AddMembers(ctx, s.requester(), v.Group.ID, group.NewMembers{UserIDs: []int64{s.userID}}, nil))
	case group.JoinRequest:
		_, err := groups.RequestToJoin(ctx, s.requester(), v.Group.ID, note, nil)
		if domain.CodeOf(err) == status.BlockedUserSendGroupJoinRequest {
			return nil, &stanzaErr{"auth", "forbidden", "you are banned from this room", nil}
		}
		if err != nil {
			return nil, forbidden(err)
		}
		return nil, nil
	case group.JoinQuestion:
		return nil, errNotAcceptable("this group asks questions: answer them with a Turms client")
	}
	return nil, errNotAllowed("this group takes members by invitation only")
}

// formField returns the first value of a form field.
func formField(x *xmlstream.Element, name string) string {
	for _, f := range x.Elements() {
		if f.Is(nsDataForms, "field") && f.Attr("var") == name {
			return f.ChildText(nsDataForms, "value")
		}
	}
	return ""
}

// approvalRequest renders a pending join request as the registration
// approval form its group's owner and managers get (section 9.9).
func (s *session) approvalRequest(jr *store.GroupJoinRequest) [][]byte {
	v, err := s.srv.svc.Groups.View(s.ctx(), jr.GroupID)
	if err != nil || !v.IsAdmin(s.userID) {
		return nil
	}
	jidField := field("muc#jid", "jid-single", s.srv.bareJID(jr.RequesterID))
	allow := field("muc#register_allow", "boolean", "0")
	allow.SetAttr("label", "Allow this person to become a member?")
	form := dataForm("form", nsMUCRegister,
		field("muc#register_roomnick", "text-single", s.srv.senderNick(v, jr.RequesterID)),
		field("muc#register_faqentry", "text-multi", jr.Content),
		jidField, allow)
	form.Add(xmlstream.New(nsDataForms, "title").AddText("Registration request"))
	m := xmlstream.New(xmlstream.NSClient, "message", "from", s.srv.roomJID(canonicalLocal(v)), "id", randomID()).
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText(s.srv.bareJID(jr.RequesterID) + " asks to become a member: " + jr.Content)).
		Add(form)
	return [][]byte{xmlstream.Append(nil, m, "")}
}

// approval handles a submitted approval form, a message to the room:
// it accepts or declines the requester's pending join request.
func (s *session) approval(el, x *xmlstream.Element, to jid.JID) {
	v, err := s.roomOf(to.Local)
	if err != nil || !s.mayView(v) {
		s.send(stanzaError(el, errRoomNotFound()))
		return
	}
	who, err := jid.Parse(formField(x, "muc#jid"))
	requester := int64(0)
	if err == nil && who.Domain == s.srv.opts.Domain {
		requester = s.localID(who.Local)
	}
	reqs, _, err := s.srv.svc.Groups.JoinRequests(s.ctx(), s.userID, &v.Group.ID, 0)
	if err != nil && domain.CodeOf(err) != status.NoContent {
		s.send(stanzaError(el, forbidden(err).(*stanzaErr)))
		return
	}
	for _, jr := range reqs {
		if jr.RequesterID != requester || jr.Status != store.RequestPending {
			continue
		}
		reply := group.Decline
		if a := formField(x, "muc#register_allow"); a == "1" || a == "true" {
			reply = group.Accept
		}
		if err := s.srv.svc.Groups.ReplyJoinRequest(s.ctx(), s.requester(), jr.ID, reply, "", nil); err != nil {
			s.send(stanzaError(el, forbidden(err).(*stanzaErr)))
		}
		return
	}
	s.send(stanzaError(el, errItemNotFound("no pending request from that user")))
}

// renderJoinRequest renders a join request event: the approval form to
// the group's owner and managers while it is pending.
func (s *session) renderJoinRequest(ev *event.Event) [][]byte {
	p, ok := ev.Payload.(*event.GroupJoinRequestChanged)
	if !ok || p.Request.Status != store.RequestPending || p.Request.RequesterID == s.userID {
		return nil
	}
	return s.approvalRequest(&p.Request)
}
