package xmpp

import (
	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// mucIQ answers an IQ to the MUC service, a room or an occupant.
func (s *session) mucIQ(iq *xmlstream.Element, to jid.JID) {
	switch iq.Attr("type") {
	case "get", "set":
	case "result", "error":
		return // the rooms ask clients nothing
	default:
		s.send(stanzaError(iq, errBadRequest("an IQ's type is get, set, result or error")))
		return
	}
	payloads := iq.Elements()
	if iq.Attr("id") == "" || len(payloads) != 1 {
		s.send(stanzaError(iq, errBadRequest("an IQ needs an id and exactly one child")))
		return
	}
	p := payloads[0]
	var out *xmlstream.Element
	var err error
	switch {
	case p.Space == nsPing:
		err = s.mucPing(iq, to)
	case p.Space == nsDiscoInfo:
		out, err = s.mucDiscoInfo(iq, p, to)
	case p.Space == nsDiscoItems:
		out, err = s.mucDiscoItems(iq, p, to)
	case to.Local == "" || !to.IsBare():
		err = errServiceUnavailable("")
	default:
		h := mucRoomIQ[p.Space]
		if h == nil {
			err = errServiceUnavailable("")
			break
		}
		v, verr := s.roomOf(to.Local)
		if verr != nil || !s.mayView(v) {
			err = errRoomNotFound()
			break
		}
		out, err = h(s, iq, p, to.Local, v)
	}
	if err != nil {
		if _, ok := err.(*stanzaErr); !ok && domain.CodeOf(err) == status.ServerInternalError {
			s.logger().Error("MUC IQ failed", "ns", p.Space, "err", err)
		}
		s.send(stanzaError(iq, errFromDomain(err)))
		return
	}
	s.send(result(iq, out))
}

// mucPing answers XMPP ping to the service, a room, and an occupant's own
// JID, which is how a client checks that it is still in the room
// (XEP-0410): the service answers for the occupant while it sits there
// and says not-acceptable once it does not.
func (s *session) mucPing(iq *xmlstream.Element, to jid.JID) error {
	if iq.Attr("type") != "get" {
		return errBadRequest("")
	}
	switch {
	case to.Local == "":
		return nil
	case to.IsBare():
		v, err := s.roomOf(to.Local)
		if err != nil || !s.mayView(v) {
			return errRoomNotFound()
		}
		return nil
	}
	st := s.seatByLocal(to.Local)
	switch {
	case st == nil:
		return &stanzaErr{"cancel", "not-acceptable", "not in the room", nil}
	case st.nick != to.Resource:
		// Another occupant: the service does not pass pings on.
		if len(s.srv.rooms.seatsOfNick(st.roomID, to.Resource)) == 0 {
			return errItemNotFound("no such occupant")
		}
		return errServiceUnavailable("")
	}
	return nil
}
