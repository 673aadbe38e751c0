package xmpp

import (
	"slices"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/xmpp/xmlstream"
)

// Bookmarks (XEP-0402, and the XEP-0048 forms older clients read) are the
// user's groups, each with autojoin, so that clients enter every group
// room at login: they are synthesized from the group memberships, not
// stored. A client may publish a bookmark of one of its groups (it gets
// the synthesized one back); retracting one does not leave the group,
// which is what decides.
const (
	nsBookmarks       = "urn:xmpp:bookmarks:1"
	nsBookmarksLegacy = "storage:bookmarks" // XEP-0048, in PEP and in private XML
)

func init() {
	pepProviders[nsBookmarks] = &pepProvider{access: accessWhitelist, items: bookmarkItems, publish: publishBookmark, retract: retractBookmark}
	pepProviders[nsBookmarksLegacy] = &pepProvider{access: accessWhitelist, items: legacyBookmarkItems, publish: publishLegacyBookmarks}
}

// bookmarksModule announces that the XEP-0048 forms are views of the
// XEP-0402 bookmarks (XEP-0402 section 5.3).
func bookmarksModule() *module {
	return &module{accountFeatures: []string{nsBookmarks + "#compat", nsBookmarks + "#compat-pep"}}
}

// bookmark is one group as a bookmark.
type bookmark struct {
	room, name, nick string
}

// bookmarks returns the user's groups as bookmarks, newest group first.
func (s *session) bookmarks(owner int64) ([]bookmark, error) {
	ids, err := s.srv.svc.Groups.JoinedIDs(s.ctx(), owner)
	if err != nil {
		return nil, err
	}
	slices.Reverse(ids)
	out := make([]bookmark, 0, len(ids))
	for _, id := range ids {
		v, err := s.srv.svc.Groups.View(s.ctx(), id)
		if err != nil {
			continue // deleted meanwhile
		}
		out = append(out, s.bookmarkOf(v, owner))
	}
	return out, nil
}

func (s *session) bookmarkOf(v *group.View, owner int64) bookmark {
	return bookmark{room: s.srv.roomJID(canonicalLocal(v)), name: roomName(v), nick: s.srv.senderNick(v, owner)}
}

// item renders a bookmark as a XEP-0402 item payload.
func (b bookmark) item() pepItem {
	c := xmlstream.New(nsBookmarks, "conference", "name", b.name, "autojoin", "true")
	if b.nick != "" {
		c.Add(xmlstream.New(nsBookmarks, "nick").AddText(b.nick))
	}
	return pepItem{id: b.room, payload: xmlstream.Append(nil, c, "")}
}

func bookmarkItems(s *session, owner int64, ids []string, max int) ([]pepItem, error) {
	bs, err := s.bookmarks(owner)
	if err != nil {
		return nil, err
	}
	var out []pepItem
	for _, b := range bs {
		if len(ids) > 0 && !slices.Contains(ids, b.room) {
			continue
		}
		out = append(out, b.item())
		if max > 0 && len(out) == max {
			break
		}
	}
	return out, nil
}

// publishBookmark accepts a bookmark of a room whose group the user is a
// member of, and answers with the group's own.
func publishBookmark(s *session, it pepItem, _ *xmlstream.Element) (pepItem, error) {
	room, ok := s.srv.isMUC(it.id)
	if !ok || room.Local == "" || !room.IsBare() {
		return pepItem{}, errNotAcceptable("bookmarks here are of this server's rooms, which are its groups")
	}
	v, err := s.roomOf(room.Local)
	if err != nil {
		return pepItem{}, errItemNotFound("no such room")
	}
	if _, member := v.Members[s.userID]; !member {
		return pepItem{}, errNotAcceptable("bookmarks are the groups you are a member of: join the room first")
	}
	b := s.bookmarkOf(v, s.userID)
	b.room = it.id
	return b.item(), nil
}

// retractBookmark lets a client drop a bookmark; the group stays, and so
// does its bookmark the next time the list is read.
func retractBookmark(*session, string) error { return nil }

// legacyStorage renders the bookmarks as a XEP-0048 <storage/>.
func (s *session) legacyStorage(owner int64) (*xmlstream.Element, error) {
	bs, err := s.bookmarks(owner)
	if err != nil {
		return nil, err
	}
	st := xmlstream.New(nsBookmarksLegacy, "storage")
	for _, b := range bs {
		c := xmlstream.New(nsBookmarksLegacy, "conference", "jid", b.room, "name", b.name, "autojoin", "true")
		if b.nick != "" {
			c.Add(xmlstream.New(nsBookmarksLegacy, "nick").AddText(b.nick))
		}
		st.Add(c)
	}
	return st, nil
}

func legacyBookmarkItems(s *session, owner int64, ids []string, _ int) ([]pepItem, error) {
	if len(ids) > 0 && !slices.Contains(ids, "current") {
		return nil, nil
	}
	st, err := s.legacyStorage(owner)
	if err != nil {
		return nil, err
	}
	return []pepItem{{id: "current", payload: xmlstream.Append(nil, st, "")}}, nil
}

// publishLegacyBookmarks accepts a XEP-0048 storage and answers with the
// groups' own.
func publishLegacyBookmarks(s *session, _ pepItem, _ *xmlstream.Element) (pepItem, error) {
	its, err := legacyBookmarkItems(s, s.userID, nil, 0)
	if err != nil {
		return pepItem{}, err
	}
	return its[0], nil
}

// privateBookmarks answers XEP-0048 bookmarks in private XML storage
// (XEP-0049): a get reads the groups, a set is accepted and changes
// nothing.
func (s *session) privateBookmarks(iq *xmlstream.Element) (*xmlstream.Element, error) {
	if iq.Attr("type") == "set" {
		return nil, nil
	}
	st, err := s.legacyStorage(s.userID)
	if err != nil {
		return nil, err
	}
	return xmlstream.New(nsPrivate, "query").Add(st), nil
}

// bookmarkNotice renders the change of one bookmark as the PEP event a
// client that follows bookmarks gets (XEP-0402 section 3.2): the group's
// item when the user joined it, a retraction when they left it or it was
// deleted. nil when this session does not follow bookmarks.
func (s *session) bookmarkNotice(groupID int64, joined bool) []byte {
	if !s.available.Load() || !s.follows(nsBookmarks) {
		return nil
	}
	n := &pepNotice{owner: s.userID, node: nsBookmarks, access: accessWhitelist}
	if joined {
		v, err := s.srv.svc.Groups.View(s.ctx(), groupID)
		if err != nil {
			return nil
		}
		n.items = []pepItem{s.bookmarkOf(v, s.userID).item()}
	} else {
		local := s.srv.rooms.localOf(groupID)
		if local == "" {
			alias, err := s.srv.svc.Groups.Alias(s.ctx(), groupID)
			if err != nil && domain.CodeOf(err) != status.ResourceNotFound {
				return nil
			}
			local = alias
		}
		if local == "" {
			local = itoa(groupID)
		}
		n.retracted = []string{s.srv.roomJID(local)}
	}
	return xmlstream.Append(nil, s.srv.pepEvent(n, s.jid.String(), false), "")
}

// bookmarkChanges renders the bookmark notices a group event means for
// this session's user.
func (s *session) bookmarkChanges(ev *event.Event) [][]byte {
	var b []byte
	switch p := ev.Payload.(type) {
	case *event.GroupCreated:
		b = s.bookmarkNotice(p.Group.ID, true)
	case *event.GroupMembersAdded:
		for _, m := range p.Members {
			if m.UserID == s.userID {
				b = s.bookmarkNotice(p.GroupID, true)
			}
		}
	case *event.GroupMembersRemoved:
		if slices.Contains(p.UserIDs, s.userID) {
			b = s.bookmarkNotice(p.GroupID, false)
		}
	case *event.GroupDeleted:
		b = s.bookmarkNotice(p.GroupID, false)
	}
	if b == nil {
		return nil
	}
	return [][]byte{b}
}
