package xmpp

import (
	"context"

	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// A room's archive (XEP-0313 section 5) is its group's messages, the same
// records Turms members query, with archive ids equal to the stanza-ids
// the room gives them. Rooms are members-only: members read the archive,
// whether or not they sit in the room.

func init() {
	mucRoomIQ[nsMAM] = (*session).roomMAM
}

func (s *session) roomMAM(iq, payload *xmlstream.Element, local string, v *group.View) (*xmlstream.Element, error) {
	if _, member := v.Members[s.userID]; !member {
		return nil, &stanzaErr{"auth", "forbidden", "the archive is for the group's members", nil}
	}
	if payload.Local == "prefs" {
		return nil, errFeatureNotImplemented("a room's archive has no preferences")
	}
	return s.answerMAM(iq, payload, roomArchive{s: s, v: v, local: local})
}

// roomArchive is the archive of one room, as the address local names it.
type roomArchive struct {
	s     *session
	v     *group.View
	local string
}

func (a roomArchive) address() string { return a.s.srv.roomJID(a.local) }

// scope selects the group's messages; with names an occupant (the room's
// address with a nick) or, the room being non-anonymous, a user's JID.
// Recalled messages are left out; the system messages that announced their
// recall are in, as retractions (XEP-0424: the archive keeps them).
func (a roomArchive) scope(_ context.Context, with jid.JID) (store.MessageQuery, bool, error) {
	q := store.MessageQuery{Group: true, TargetIDs: []int64{a.v.Group.ID}}
	if with.IsZero() {
		return q, true, nil
	}
	var sender int64
	switch {
	case with.Domain == a.s.srv.opts.MUCDomain && with.Resource != "":
		if r, err := a.s.roomOf(with.Local); err != nil || r.Group.ID != a.v.Group.ID {
			return q, false, nil
		}
		sender = a.s.srv.userOfNick(a.v, with.Resource)
	case with.Domain == a.s.srv.opts.Domain && with.Local != "":
		sender = a.s.localID(with.Local)
	}
	if sender == 0 {
		return q, false, nil
	}
	q.SenderIDs = []int64{sender}
	return q, true, nil
}

func (a roomArchive) holds(m *store.Message) bool { return m.GroupID == a.v.Group.ID }

// forwarded renders an archived group message as the room sent it: from
// the sender's occupant JID, with the real JID (the room is non-anonymous).
func (a roomArchive) forwarded(m *store.Message) *xmlstream.Element {
	var el *xmlstream.Element
	if m.IsSystem {
		el = a.s.srv.archivedRoomRetraction(m, a.local, a.s.srv.senderNick(a.v, m.SenderID))
	} else {
		el = a.s.srv.groupMessage(m, a.local, a.s.srv.senderNick(a.v, m.SenderID), false)
	}
	el.Add(xmlstream.New(nsMUCUser, "x").Add(xmlstream.New(nsMUCUser, "item", "jid", a.s.srv.bareJID(m.SenderID))))
	return el
}

// userOfNick returns the user a nick stands for in a room: the occupant
// with it, else the member whose messages come from it; 0 if none.
func (s *Server) userOfNick(v *group.View, nick string) int64 {
	if seats := s.rooms.seatsOfNick(v.Group.ID, nick); len(seats) > 0 {
		return seats[0].s.userID
	}
	for _, id := range v.MemberIDs {
		if s.senderNick(v, id) == nick {
			return id
		}
	}
	return 0
}
