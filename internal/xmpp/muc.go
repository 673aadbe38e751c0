package xmpp

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// Groups are multi-user chat rooms (XEP-0045) on the MUC service domain:
// group 42 is 42@conference.<domain>, or the alias its creator chose. Rooms
// are persistent, members-only and non-anonymous: membership, roles and
// the blocklist are the group's, kept by the domain; which XMPP sessions
// sit in which room under which nickname (occupancy) is this adapter's own,
// in memory, because only XMPP clients occupy rooms.

const (
	nsMUC        = "http://jabber.org/protocol/muc"
	nsMUCUser    = nsMUC + "#user"
	nsMUCAdmin   = nsMUC + "#admin"
	nsMUCOwner   = nsMUC + "#owner"
	nsConference = "jabber:x:conference" // XEP-0249 direct invitations
	nsDataForms  = "jabber:x:data"
	// nsSelfPingOpt says the service answers an occupant's ping to its own
	// occupant JID itself (XEP-0410).
	nsSelfPingOpt = nsMUC + "#self-ping-optimization"
	nsRoomInfo    = nsMUC + "#roominfo"
	nsRoomConfig  = nsMUC + "#roomconfig"
	// nsStableID says the room passes a message on with the id its sender
	// gave it (XEP-0045 section 7.4).
	nsStableID = nsMUC + "#stable_id"
	// nsOccupantID is XEP-0421: an id of the real user behind an occupant,
	// the same in every stanza, which clients use to tell who reacted or
	// retracted.
	nsOccupantID = "urn:xmpp:occupant-id:0"
)

// occupantID is the XEP-0421 id of userID in a room: stable across
// nicks, sessions and restarts. Rooms are non-anonymous, so it need not
// hide who it stands for; it is a hash so that it is opaque and short.
func occupantID(groupID, userID int64) *xmlstream.Element {
	h := sha256.Sum256([]byte("hermod occupant-id " + strconv.FormatInt(groupID, 10) + " " + strconv.FormatInt(userID, 10)))
	return xmlstream.New(nsOccupantID, "occupant-id", "id", base64.RawURLEncoding.EncodeToString(h[:15]))
}

// maxNick bounds a nickname, in bytes.
const maxNick = 128

// rooms is the occupancy of every room on this node.
type rooms struct {
	mu   sync.Mutex
	byID map[int64]*room
}

func newRooms() *rooms { return &rooms{byID: map[int64]*room{}} }

// room is who sits in one room.
type room struct {
	// local is the room address's canonical local part: the group's alias,
	// or its id.
	local    string
	nicks    map[string]*occupant
	lastNick map[int64]string // the nick each user last had here
	// departures remember, for the last few events that removed
	// occupants, who left under which nick, so that every session that
	// renders the event can say so after they are gone.
	departures []departure
}

// occupant is one nickname in a room and the sessions that sit under it
// (XEP-0045 multi-session nicks: all of one user).
type occupant struct {
	nick   string
	userID int64
	seats  []*seat
}

// seat is one session's place in a room.
type seat struct {
	s      *session
	roomID int64
	// local is the room address the session joined by (the alias or the
	// numeric one): stanzas to it come from that address.
	local string
	nick  string
	// presence is the session's presence in the room, without MUC
	// elements, from the occupant JID.
	presence *xmlstream.Element
	// subject is the subject this session was last told.
	subject string
}

type departure struct {
	groupID int64
	ev      *event.Event
	userID  int64
	nick    string
	seats   []seatRef
}

// seatRef is what a departure keeps of a seat: not the session, which may
// be long gone when the departure is forgotten.
type seatRef struct {
	sessionID int64
	local     string
	jid       string
}

const maxDepartures = 64

// roomJID is a room's bare address.
func (s *Server) roomJID(local string) string { return local + "@" + s.opts.MUCDomain }

// occupantJID is an occupant's address.
func (s *Server) occupantJID(local, nick string) string {
	return local + "@" + s.opts.MUCDomain + "/" + nick
}

// canonicalLocal is the local part a group's room is known by.
func canonicalLocal(v *group.View) string {
	if v.Alias != "" {
		return v.Alias
	}
	return strconv.FormatInt(v.Group.ID, 10)
}

// seatOf returns the session's seat in a room, or nil.
func (r *rooms) seatOf(s *session, groupID int64) *seat {
	r.mu.Lock()
	defer r.mu.Unlock()
	return s.seats[groupID]
}

// occupants returns the occupants of a room, each with the seat whose
// presence stands for it (the latest).
func (r *rooms) occupants(groupID int64) []occupantView {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return nil
	}
	out := make([]occupantView, 0, len(rm.nicks))
	for _, o := range rm.nicks {
		if len(o.seats) == 0 {
			continue
		}
		last := o.seats[len(o.seats)-1]
		out = append(out, occupantView{groupID: groupID, nick: o.nick, userID: o.userID, jid: last.s.jid.String(), presence: last.presence})
	}
	return out
}

// occupantView is a copy of what a presence of an occupant needs.
type occupantView struct {
	groupID  int64
	nick     string
	userID   int64
	jid      string
	presence *xmlstream.Element
}

// sit seats a session under nick, or says why not: the nick belongs to
// another user. It returns whether the session already sat there.
func (r *rooms) sit(st *seat, userID int64, canonical string) (already bool, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[st.roomID]
	if rm == nil {
		rm = &room{nicks: map[string]*occupant{}, lastNick: map[int64]string{}}
		r.byID[st.roomID] = rm
	}
	rm.local = canonical
	o := rm.nicks[st.nick]
	if o != nil && o.userID != userID {
		return false, false
	}
	if old := st.s.seats[st.roomID]; old != nil {
		return true, true
	}
	if o == nil {
		o = &occupant{nick: st.nick, userID: userID}
		rm.nicks[st.nick] = o
	}
	o.seats = append(o.seats, st)
	rm.lastNick[userID] = st.nick
	if st.s.seats == nil {
		st.s.seats = map[int64]*seat{}
	}
	st.s.seats[st.roomID] = st
	return false, true
}

// stand takes a session's seat away; last reports whether its nick has no
// other session left (the occupant left the room).
func (r *rooms) stand(s *session, groupID int64) (st *seat, last bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st = s.seats[groupID]
	if st == nil {
		return nil, false
	}
	delete(s.seats, groupID)
	rm := r.byID[groupID]
	if rm == nil {
		return st, true
	}
	o := rm.nicks[st.nick]
	if o == nil {
		return st, true
	}
	for i, x := range o.seats {
		if x == st {
			o.seats = append(o.seats[:i], o.seats[i+1:]...)
			break
		}
	}
	if len(o.seats) > 0 {
		return st, false
	}
	delete(rm.nicks, st.nick)
	r.dropIfEmpty(groupID, rm)
	return st, true
}

// dropIfEmpty forgets a room nobody sits in. Called with mu held.
func (r *rooms) dropIfEmpty(groupID int64, rm *room) {
	if len(rm.nicks) == 0 && len(rm.departures) == 0 {
		delete(r.byID, groupID)
	}
}

// setPresence records a seat's new presence.
func (r *rooms) setPresence(st *seat, p *xmlstream.Element) {
	r.mu.Lock()
	st.presence = p
	r.mu.Unlock()
}

// nickOf returns the nick userID has (or last had) in a room, "" if none.
func (r *rooms) nickOf(groupID, userID int64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rm := r.byID[groupID]; rm != nil {
		return rm.lastNick[userID]
	}
	return ""
}

// taken reports whether nick is held in a room by a user other than
// userID.
func (r *rooms) taken(groupID int64, nick string, userID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return false
	}
	o := rm.nicks[nick]
	return o != nil && o.userID != userID && len(o.seats) > 0
}

// seats returns every seat of a room (a copy).
func (r *rooms) seats(groupID int64) []*seat {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return nil
	}
	var out []*seat
	for _, o := range rm.nicks {
		out = append(out, o.seats...)
	}
	return out
}

// seatsOfNick returns the seats under a nick (a copy).
func (r *rooms) seatsOfNick(groupID int64, nick string) []*seat {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil || rm.nicks[nick] == nil {
		return nil
	}
	return append([]*seat(nil), rm.nicks[nick].seats...)
}

// depart removes userID from a room because of ev, once: the first call
// takes the user's seats away and remembers them; later calls for the same
// event (from the other sessions that render it) get the same answer.
// ok is false when the user sat nowhere in the room.
func (r *rooms) depart(groupID int64, ev *event.Event, userID int64) (departure, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return departure{}, false
	}
	for _, d := range rm.departures {
		if d.ev == ev && d.userID == userID {
			return d, true
		}
	}
	var d departure
	for nick, o := range rm.nicks {
		if o.userID != userID || len(o.seats) == 0 {
			continue
		}
		d = departure{groupID: groupID, ev: ev, userID: userID, nick: nick}
		for _, st := range o.seats {
			delete(st.s.seats, groupID)
			d.seats = append(d.seats, seatRef{sessionID: st.s.id, local: st.local, jid: st.s.jid.String()})
		}
		delete(rm.nicks, nick)
		break
	}
	if d.ev == nil {
		return departure{}, false
	}
	rm.departures = append(rm.departures, d)
	if len(rm.departures) > maxDepartures {
		rm.departures = rm.departures[1:]
	}
	return d, true
}

func (d departure) roomID() int64 { return d.groupID }

// departAll removes everyone from a room because of ev (the group was
// deleted), once, and returns the departures.
func (r *rooms) departAll(groupID int64, ev *event.Event) []departure {
	r.mu.Lock()
	rm := r.byID[groupID]
	var users []int64
	if rm != nil {
		for _, o := range rm.nicks {
			if len(o.seats) > 0 {
				users = append(users, o.userID)
			}
		}
	}
	r.mu.Unlock()
	for _, uid := range users {
		r.depart(groupID, ev, uid)
	}
	return r.departuresOf(groupID, ev)
}

// departuresOf returns the departures ev caused from a room.
func (r *rooms) departuresOf(groupID int64, ev *event.Event) []departure {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return nil
	}
	var out []departure
	for _, d := range rm.departures {
		if d.ev == ev {
			out = append(out, d)
		}
	}
	return out
}

// departureOf returns the departure of userID that ev caused.
func (r *rooms) departureOf(groupID int64, ev *event.Event, userID int64) (departure, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rm := r.byID[groupID]; rm != nil {
		for _, d := range rm.departures {
			if d.ev == ev && d.userID == userID {
				return d, true
			}
		}
	}
	return departure{}, false
}

// lastDeparture returns the latest departure of userID from a room: what
// the session that caused it (which the event skips) renders.
func (r *rooms) lastDeparture(groupID, userID int64) (departure, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return departure{}, false
	}
	for i := len(rm.departures) - 1; i >= 0; i-- {
		if rm.departures[i].userID == userID {
			return rm.departures[i], true
		}
	}
	return departure{}, false
}

// userIDs returns the users sitting in a room.
func (r *rooms) userIDs(groupID int64) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	rm := r.byID[groupID]
	if rm == nil {
		return nil
	}
	var out []int64
	for _, o := range rm.nicks {
		if len(o.seats) > 0 {
			out = append(out, o.userID)
		}
	}
	return out
}

// localOf returns the canonical local part of a room someone sat in on
// this node, "" if none did.
func (r *rooms) localOf(groupID int64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rm := r.byID[groupID]; rm != nil {
		return rm.local
	}
	return ""
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// seated reports whether userID sits in a room.
func (r *rooms) seated(groupID, userID int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rm := r.byID[groupID]; rm != nil {
		for _, o := range rm.nicks {
			if o.userID == userID && len(o.seats) > 0 {
				return true
			}
		}
	}
	return false
}

// joinedRooms returns the session's seats (a copy).
func (r *rooms) joinedRooms(s *session) []*seat {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*seat, 0, len(s.seats))
	for _, st := range s.seats {
		out = append(out, st)
	}
	return out
}

// isMUC reports whether to addresses the MUC service or one of its rooms,
// and parses it.
func (s *Server) isMUC(to string) (jid.JID, bool) {
	if to == "" {
		return jid.JID{}, false
	}
	rest := to
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	if !strings.EqualFold(rest, s.opts.MUCDomain) {
		return jid.JID{}, false
	}
	j, err := jid.Parse(to)
	if err != nil {
		return jid.JID{Domain: s.opts.MUCDomain, Local: "\x00"}, true // malformed: answered by the handlers
	}
	return j, true
}

// handleMUC processes a stanza to the MUC service or a room.
func (s *session) handleMUC(el *xmlstream.Element, to jid.JID) {
	if to.Local == "\x00" {
		if el.Attr("type") != "error" {
			s.send(stanzaError(el, &stanzaErr{"modify", "jid-malformed", "", nil}))
		}
		return
	}
	switch el.Local {
	case "iq":
		s.mucIQ(el, to)
	case "message":
		s.mucMessage(el, to)
	case "presence":
		s.mucPresence(el, to)
	}
}

// roomOf finds the group a room address names: its id, or its alias.
func (s *session) roomOf(local string) (*group.View, error) {
	var id int64
	if n, err := strconv.ParseInt(local, 10, 64); err == nil && n > 0 {
		id = n
	} else {
		var err error
		if id, err = s.srv.svc.Groups.ByAlias(s.ctx(), local); err != nil {
			return nil, err
		}
	}
	return s.srv.svc.Groups.ViewAs(s.ctx(), id, s.userID)
}

// errRoomNotFound is what a user learns of a room that does not exist or
// that they may not see: the same, so that rooms are not probed.
func errRoomNotFound() *stanzaErr { return errItemNotFound("no such room") }

// mayView reports whether the user may see a room: a member, someone
// invited, or anyone when the group takes whoever asks.
func (s *session) mayView(v *group.View) bool {
	if _, ok := v.Members[s.userID]; ok {
		return true
	}
	if v.MayJoinByAsking() || v.TakesJoinRequests() {
		return true // anyone may ask to join these
	}
	return s.pendingInvitation(v.Group.ID) != 0
}

// pendingInvitation returns the id of a pending invitation of the user
// into a group, 0 if none.
func (s *session) pendingInvitation(groupID int64) int64 {
	invs, _, err := s.srv.svc.Groups.Invitations(s.ctx(), s.userID, nil, false, 0)
	if err != nil {
		return 0
	}
	for _, inv := range invs {
		if inv.GroupID == groupID && inv.Status == store.RequestPending {
			return inv.ID
		}
	}
	return 0
}

// affiliation maps a group role (and the blocklist) to a MUC affiliation.
func affiliation(v *group.View, userID int64) string {
	role, ok := v.Role(userID)
	switch {
	case !ok:
		return "none"
	case role == group.RoleOwner:
		return "owner"
	case role == group.RoleManager:
		return "admin"
	case role == group.RoleMember:
		return "member"
	}
	return "none"
}

// mucRole maps a group role and mute to a MUC role: owner and managers
// moderate, members take part, the muted and guests who may not speak
// only listen.
func mucRole(v *group.View, userID int64) string {
	m := v.Members[userID]
	switch {
	case m == nil:
		return "none"
	case m.Role <= group.RoleManager:
		return "moderator"
	case m.MuteEndDate > domain.Now() || (m.Role >= group.RoleGuest && !v.Type.GuestSpeakable):
		return "visitor"
	}
	return "participant"
}

// mucDiscoInfo answers service discovery of the service and its rooms.
func (s *session) mucDiscoInfo(iq, q *xmlstream.Element, to jid.JID) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" {
		return nil, errBadRequest("")
	}
	if q.Attr("node") != "" {
		return nil, errItemNotFound("no such node")
	}
	out := xmlstream.New(nsDiscoInfo, "query")
	if to.Local == "" {
		out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "conference", "type", "text", "name", "Groups"))
		for _, f := range []string{nsDiscoInfo, nsDiscoItems, nsMUC, nsConference, nsStanzaID, nsSelfPingOpt} {
			out.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
		}
		return out, nil
	}
	v, err := s.roomOf(to.Local)
	if err != nil || !s.mayView(v) {
		return nil, errRoomNotFound()
	}
	if !to.IsBare() {
		return nil, errServiceUnavailable("")
	}
	out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "conference", "type", "text", "name", roomName(v)))
	for _, f := range s.srv.roomFeatures() {
		out.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
	}
	form := dataForm("result", nsRoomInfo,
		field("muc#roominfo_description", "text-single", v.Group.Intro),
		field("muc#roominfo_subject", "text-single", v.Group.Announcement),
		field("muc#roominfo_occupants", "text-single", strconv.Itoa(len(s.srv.rooms.userIDs(v.Group.ID)))),
		field("muc#roomconfig_roomname", "text-single", roomName(v)),
		field("muc#roomconfig_changesubject", "boolean", boolString(v.MembersMayUpdateInfo())),
	)
	if hash := s.roomAvatarHash(v.Group.ID); hash != "" {
		form.Add(field("muc#roominfo_avatarhash", "text-multi", hash))
	}
	out.Add(form)
	return out, nil
}

// roomFeatures are a room's disco features: persistent, members-only,
// non-anonymous, unmoderated, hidden from non-members, with stanza ids.
func (s *Server) roomFeatures() []string {
	return []string{nsDiscoInfo, nsDiscoItems, nsMUC, "muc_persistent", "muc_membersonly", "muc_nonanonymous",
		"muc_unmoderated", "muc_hidden", "muc_unsecured", nsStanzaID, nsSelfPingOpt, nsConference, nsMAM, nsMAMExtended,
		nsOccupantID, nsStableID}
}

func (s *session) mucDiscoItems(iq, q *xmlstream.Element, to jid.JID) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" {
		return nil, errBadRequest("")
	}
	if q.Attr("node") != "" {
		return nil, errItemNotFound("no such node")
	}
	out := xmlstream.New(nsDiscoItems, "query")
	if to.Local == "" {
		// The rooms the user may see: their groups (rooms are hidden).
		gs, _, err := s.srv.svc.Groups.JoinedGroups(s.ctx(), s.userID, 0)
		if err != nil && domain.CodeOf(err) != status.NoContent {
			return nil, err
		}
		for _, g := range gs {
			if g.DeletionDate != 0 {
				continue
			}
			v, err := s.srv.svc.Groups.View(s.ctx(), g.ID)
			if err != nil {
				continue
			}
			out.Add(xmlstream.New(nsDiscoItems, "item", "jid", s.srv.roomJID(canonicalLocal(v)), "name", roomName(v)))
		}
		return out, nil
	}
	v, err := s.roomOf(to.Local)
	if err != nil || !s.mayView(v) {
		return nil, errRoomNotFound()
	}
	if _, member := v.Members[s.userID]; member {
		for _, o := range s.srv.rooms.occupants(v.Group.ID) {
			out.Add(xmlstream.New(nsDiscoItems, "item", "jid", s.srv.occupantJID(to.Local, o.nick)))
		}
	}
	return out, nil
}

// roomName is a room's display name: the group's name, or its address.
func roomName(v *group.View) string {
	if v.Group.Name != "" {
		return v.Group.Name
	}
	return canonicalLocal(v)
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// dataForm builds a XEP-0004 form with a FORM_TYPE.
func dataForm(typ, formType string, fields ...*xmlstream.Element) *xmlstream.Element {
	x := xmlstream.New(nsDataForms, "x", "type", typ)
	x.Add(xmlstream.New(nsDataForms, "field", "var", "FORM_TYPE", "type", "hidden").
		Add(xmlstream.New(nsDataForms, "value").AddText(formType)))
	return x.Add(fields...)
}

func field(name, typ, value string) *xmlstream.Element {
	f := xmlstream.New(nsDataForms, "field", "var", name, "type", typ)
	return f.Add(xmlstream.New(nsDataForms, "value").AddText(value))
}

// ctxBackground is the context of domain calls made for no session.
func (s *Server) ctxBackground() context.Context { return context.Background() }
