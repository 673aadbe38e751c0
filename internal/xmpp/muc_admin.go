package xmpp

import (
	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/xmpp/xmlstream"
)

// roomIQHandler answers an IQ to a room the user may see.
type roomIQHandler func(s *session, iq, payload *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error)

// mucRoomIQ are the namespaces rooms answer besides disco and ping.
var mucRoomIQ = map[string]roomIQHandler{
	nsMUCAdmin: (*session).mucAdmin,
	nsMUCOwner: (*session).mucOwner,
}

// forever is the mute end of a member made a visitor: Turms mutes until a
// date.
const forever = 253402300799000 // 9999-12-31

// mucAdmin answers the admin use cases (XEP-0045 section 9 and 8): lists
// by affiliation or role, and changes of affiliation and role, each mapped
// to the group operation that means the same and checked against the
// group's rules by the domain:
//
//	outcast          blocklist the user (removing them)
//	none             remove the member, or lift the ban
//	member           lift the ban; invite or add a non-member; make a manager a member
//	admin            make a member a manager
//	owner            transfer the ownership (the old owner becomes a manager)
//	role none        kick: remove the member
//	role visitor     mute the member
//	role participant unmute; make a manager a member
//	role moderator   make a member a manager
func (s *session) mucAdmin(iq, q *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error) {
	items := q.Elements()
	if len(items) == 0 {
		return nil, errBadRequest("name an item")
	}
	if iq.Attr("type") == "get" {
		return s.adminList(items[0], local, v)
	}
	for _, it := range items {
		if !it.Is(nsMUCAdmin, "item") {
			return nil, errBadRequest("only items")
		}
		if err := s.adminChange(it, local, v); err != nil {
			return nil, err
		}
		if nv, err := s.srv.svc.Groups.View(s.ctx(), v.Group.ID); err == nil {
			v = nv
		}
	}
	return nil, nil
}

// adminList lists the users with an affiliation or the occupants with a
// role. Members see who else is in their room; the banned are for the
// owner and managers.
func (s *session) adminList(it *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error) {
	role, member := v.Role(s.userID)
	if !member {
		return nil, &stanzaErr{"auth", "forbidden", "the lists are for members", nil}
	}
	out := xmlstream.New(nsMUCAdmin, "query")
	add := func(userID int64, aff, r string) {
		// The nick is the one their messages come from, so that clients
		// show a member and their messages as one person.
		out.Add(xmlstream.New(nsMUCAdmin, "item", "affiliation", aff, "jid", s.srv.bareJID(userID), "role", r,
			"nick", s.srv.senderNick(v, userID)))
	}
	switch want, wantRole := it.Attr("affiliation"), it.Attr("role"); {
	case want == "outcast":
		if role > group.RoleManager {
			return nil, &stanzaErr{"auth", "forbidden", "the ban list is for the owner and managers", nil}
		}
		bs, _, err := s.srv.svc.Groups.Blocked(s.ctx(), v.Group.ID, 0)
		if err != nil && domain.CodeOf(err) != status.NoContent {
			return nil, err
		}
		for _, b := range bs {
			add(b.UserID, "outcast", "")
		}
	case want == "owner" || want == "admin" || want == "member":
		for _, id := range v.MemberIDs {
			if affiliation(v, id) == want {
				add(id, want, "")
			}
		}
	case wantRole == "moderator" || wantRole == "participant" || wantRole == "visitor":
		for _, o := range s.srv.rooms.occupants(v.Group.ID) {
			if mucRole(v, o.userID) == wantRole {
				el := xmlstream.New(nsMUCAdmin, "item", "affiliation", affiliation(v, o.userID), "jid", o.jid, "nick", o.nick, "role", wantRole)
				out.Add(el)
			}
		}
	default:
		return nil, errBadRequest("ask for an affiliation (owner, admin, member, outcast) or a role (moderator, participant, visitor)")
	}
	return out, nil
}

// adminChange applies one item of an admin set.
func (s *session) adminChange(it *xmlstream.Element, local string, v *group.View) error {
	ctx, groups, r := s.ctx(), s.srv.svc.Groups, s.requester()
	gid := v.Group.ID
	target, err := s.adminTarget(it, v)
	if err != nil {
		return err
	}
	role, member := v.Role(target)
	wasSeated := s.srv.rooms.seated(gid, target)
	removed := false
	setRole := func(to group.Role) error {
		if !member {
			return errNotAcceptable("make the user a member first")
		}
		if role == to {
			return nil
		}
		return groups.UpdateMember(ctx, r, gid, target, group.MemberChange{Role: &to}, nil)
	}
	mute := func(until int64) error {
		if !member {
			return errNotAcceptable("not a member")
		}
		return groups.UpdateMember(ctx, r, gid, target, group.MemberChange{MuteEndDate: &until}, nil)
	}
	if aff := it.Attr("affiliation"); aff != "" {
		switch aff {
		case "outcast":
			err, removed = groups.Block(ctx, r, gid, target, nil), member
		case "none":
			if member {
				err, removed = groups.RemoveMembers(ctx, r, gid, []int64{target}, nil, false, nil), true
			} else {
				err = groups.Unblock(ctx, r, gid, target, nil)
			}
		case "member":
			switch {
			case !member:
				if blocked, _ := groups.IsBlocked(ctx, gid, target); blocked {
					if err = groups.Unblock(ctx, r, gid, target, nil); err != nil {
						break
					}
				}
				err = s.invite(v, s.srv.bareJID(target), it.ChildText(nsMUCAdmin, "reason"), nil)
			case role == group.RoleOwner:
				err = errNotAcceptable("the owner stays owner until they transfer the ownership")
			default:
				err = setRole(group.RoleMember)
			}
		case "admin":
			err = setRole(group.RoleManager)
		case "owner":
			if !member {
				err = errNotAcceptable("make the user a member first")
			} else if role != group.RoleOwner {
				err = groups.Update(ctx, r, gid, group.Change{SuccessorID: &target}, nil)
			}
		default:
			err = errBadRequest("unknown affiliation")
		}
	} else {
		switch it.Attr("role") {
		case "none":
			if !member {
				return errNotAcceptable("not in the room")
			}
			err, removed = groups.RemoveMembers(ctx, r, gid, []int64{target}, nil, false, nil), true
		case "visitor":
			err = mute(forever)
		case "participant":
			if m := v.Members[target]; m != nil && m.MuteEndDate > domain.Now() {
				err = mute(0)
			}
			if err == nil && role == group.RoleManager {
				err = setRole(group.RoleMember)
			}
		case "moderator":
			err = setRole(group.RoleManager)
		default:
			err = errBadRequest("name an affiliation or a role")
		}
	}
	if err != nil {
		if se, ok := err.(*stanzaErr); ok {
			return se
		}
		e := errFromDomain(err)
		if e.cond == "not-allowed" {
			e = &stanzaErr{"auth", "forbidden", e.text, nil}
		}
		return e
	}
	if !wasSeated {
		return nil
	}
	if removed {
		// The event skipped this session: render its own view of the
		// departure the other sessions caused.
		if d, ok := s.srv.rooms.lastDeparture(gid, target); ok {
			nv, _ := groups.View(ctx, gid)
			s.sendAll(s.renderDeparture(d, nv, s.userID))
		}
		return nil
	}
	s.broadcastOccupant(gid, target)
	return nil
}

// adminTarget finds the user an admin item names, by JID or by nick.
func (s *session) adminTarget(it *xmlstream.Element, v *group.View) (int64, error) {
	if j := it.Attr("jid"); j != "" {
		a, serr := s.resolve(j)
		switch {
		case serr != nil:
			return 0, serr
		case !a.local || a.server || a.userID == 0:
			return 0, errItemNotFound("no such user")
		}
		return a.userID, nil
	}
	if nick := it.Attr("nick"); nick != "" {
		seats := s.srv.rooms.seatsOfNick(v.Group.ID, nick)
		if len(seats) == 0 {
			return 0, errItemNotFound("no occupant has that nickname")
		}
		return seats[0].s.userID, nil
	}
	return 0, errBadRequest("an item names a jid or a nick")
}

// occupantUpdate renders for this session a member's current presence in
// a room they sit in, with their affiliation and role as they are now.
func (s *session) occupantUpdate(groupID, userID int64) [][]byte {
	st := s.srv.rooms.seatOf(s, groupID)
	v, err := s.srv.svc.Groups.View(s.ctx(), groupID)
	if st == nil || err != nil {
		return nil
	}
	var out [][]byte
	for _, o := range s.srv.rooms.occupants(groupID) {
		if o.userID != userID {
			continue
		}
		var codes []string
		if userID == s.userID {
			codes = []string{codeSelf}
		}
		out = append(out, xmlstream.Append(nil, s.srv.occupantPresence(st.local, o, v, false, nil, codes...), ""))
	}
	return out
}

// broadcastOccupant tells every occupant (this session too) a user's
// new affiliation and role, after a change this session made.
func (s *session) broadcastOccupant(groupID, userID int64) {
	v, err := s.srv.svc.Groups.View(s.ctx(), groupID)
	if err != nil {
		return
	}
	for _, o := range s.srv.rooms.occupants(groupID) {
		if o.userID != userID {
			continue
		}
		for _, st := range s.srv.rooms.seats(groupID) {
			codes := []string(nil)
			if st.s.userID == userID {
				codes = []string{codeSelf}
			}
			b := xmlstream.Append(nil, s.srv.occupantPresence(st.local, o, v, false, nil, codes...), "")
			if st.s == s {
				s.sendBytes(b)
			} else {
				st.s.deliverBytes(b)
			}
		}
	}
}

// mucOwner answers the owner use cases (XEP-0045 section 10): the room
// configuration form, which is the group's information, and destroying
// the room, which deletes the group.
func (s *session) mucOwner(iq, q *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error) {
	ctx, groups := s.ctx(), s.srv.svc.Groups
	if d := q.Child(nsMUCOwner, "destroy"); d != nil {
		if iq.Attr("type") != "set" {
			return nil, errBadRequest("")
		}
		if err := groups.Delete(ctx, s.requester(), v.Group.ID, nil); err != nil {
			return nil, forbidden(err)
		}
		// The event went to the other sessions; empty the room of whoever
		// is left (this session), and tell this session.
		mark := &event.Event{}
		s.srv.rooms.departAll(v.Group.ID, mark)
		if dep, ok := s.srv.rooms.lastDeparture(v.Group.ID, s.userID); ok {
			for _, st := range dep.seats {
				if st.sessionID == s.id {
					pr := s.srv.occupantPresence(st.local, occupantView{groupID: v.Group.ID, nick: dep.nick, userID: s.userID, jid: s.jid.String()}, nil, true, nil, codeSelf)
					pr.Child(nsMUCUser, "x").Add(xmlstream.New(nsMUCUser, "destroy").Add(
						xmlstream.New(nsMUCUser, "reason").AddText(d.ChildText(nsMUCOwner, "reason"))))
					s.send(pr)
				}
			}
		}
		return nil, nil
	}
	if !v.MayUpdateInfo(s.userID) {
		return nil, &stanzaErr{"auth", "forbidden", "the configuration is for those who may change the group's information", nil}
	}
	if iq.Attr("type") == "get" {
		return xmlstream.New(nsMUCOwner, "query").Add(s.configForm(v)), nil
	}
	x := q.Child(nsDataForms, "x")
	if x == nil {
		return nil, errBadRequest("a configuration is a data form")
	}
	switch x.Attr("type") {
	case "cancel":
		return nil, nil
	case "submit":
	default:
		return nil, errBadRequest("submit or cancel the form")
	}
	var c group.Change
	for _, f := range x.Elements() {
		if !f.Is(nsDataForms, "field") {
			continue
		}
		val := f.ChildText(nsDataForms, "value")
		switch f.Attr("var") {
		case "muc#roomconfig_roomname":
			c.Name = &val
		case "muc#roomconfig_roomdesc":
			c.Intro = &val
		case "muc#roomconfig_subject":
			c.Announcement = &val
		}
	}
	if c.Name == nil && c.Intro == nil && c.Announcement == nil {
		return nil, nil // an instant room, or nothing the group keeps
	}
	if err := groups.Update(ctx, s.requester(), v.Group.ID, c, nil); err != nil {
		return nil, forbidden(err)
	}
	// Occupants hear that the configuration changed (status 104); the
	// group's members' sessions get the update event.
	note := xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "id", randomID()).
		Add(xmlstream.New(nsMUCUser, "x").Add(xmlstream.New(nsMUCUser, "status", "code", codeConfigChange)))
	s.srv.broadcastRoom(v.Group.ID, nil, func(l string) *xmlstream.Element {
		n := note.Copy()
		n.SetAttr("from", s.srv.roomJID(l))
		return n
	})
	return nil, nil
}

// forbidden maps a domain refusal to forbidden, as XEP-0045 answers those
// without the privilege.
func forbidden(err error) error {
	if err == nil {
		return nil
	}
	e := errFromDomain(err)
	if e.cond == "not-allowed" {
		return &stanzaErr{"auth", "forbidden", e.text, nil}
	}
	return e
}

// configForm is the room configuration form: the group's name,
// description and announcement, and what the group's rules fix (a
// persistent, members-only, non-anonymous room).
func (s *session) configForm(v *group.View) *xmlstream.Element {
	fixed := func(name, typ, value, label string) *xmlstream.Element {
		f := field(name, typ, value)
		f.SetAttr("label", label)
		return f
	}
	whois := fixed("muc#roomconfig_whois", "list-single", "anyone", "Who may see real addresses (the group's members, always)")
	whois.Add(xmlstream.New(nsDataForms, "option", "label", "Anyone").Add(xmlstream.New(nsDataForms, "value").AddText("anyone")))
	return dataForm("form", nsRoomConfig,
		fixed("muc#roomconfig_roomname", "text-single", v.Group.Name, "Name"),
		fixed("muc#roomconfig_roomdesc", "text-single", v.Group.Intro, "Description"),
		fixed("muc#roomconfig_subject", "text-single", v.Group.Announcement, "Announcement"),
		fixed("muc#roomconfig_persistentroom", "boolean", "1", "Persistent (groups always are)"),
		fixed("muc#roomconfig_membersonly", "boolean", "1", "Members only (groups always are)"),
		fixed("muc#roomconfig_publicroom", "boolean", "0", "Listed for non-members (groups never are)"),
		fixed("muc#roomconfig_changesubject", "boolean", boolString(v.MembersMayUpdateInfo()), "Members may change the subject (the group type's rule)"),
		whois,
	)
}
