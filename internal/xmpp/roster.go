package xmpp

import (
	"errors"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"

	"hermod/internal/domain"
	"hermod/internal/domain/relation"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

const (
	nsRoster    = "jabber:iq:roster"
	nsRosterVer = "urn:xmpp:features:rosterver"
)

// The roster (RFC 6121 section 2) is the user's relationships seen from
// XMPP. A relationship owner->related sends the owner's presence to the
// related user, as Turms relays status changes to related users, so the
// owner's item for related has subscription "from", or "both" when the
// relationship also exists the other way (a friendship). A pending friend
// request the user sent shows as an item with ask="subscribe". Blocked
// relationships are not in the roster but in the blocklist (XEP-0191).
// Groups are the relationship groups other than the default group 0.
func rosterModule() *module {
	return &module{
		streamFeatures: [][2]string{{nsRosterVer, "ver"}},
		iq:             map[string]iqHandler{nsRoster: (*session).rosterIQ},
	}
}

type rosterItem struct {
	userID       int64
	name         string
	subscription string // none, from, both, or remove in a push
	ask          bool
	groups       []string
}

func (s *session) rosterIQ(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != s.userID {
		return nil, errForbidden("")
	}
	if iq.Attr("type") == "get" {
		items, ver, err := s.rosterItems()
		if err != nil {
			return nil, err
		}
		s.roster.Store(true)
		if v := q.Attr("ver"); v != "" && v == ver {
			return nil, nil // XEP-0237: unchanged, the client's copy is current
		}
		out := xmlstream.New(nsRoster, "query", "ver", ver)
		for _, it := range items {
			out.Add(s.srv.itemElement(it))
		}
		return out, nil
	}
	items := q.Elements()
	if len(items) != 1 || !items[0].Is(nsRoster, "item") {
		return nil, errBadRequest("a roster set has exactly one item")
	}
	it := items[0]
	a, serr := s.resolve(it.Attr("jid"))
	if serr != nil {
		return nil, serr
	}
	if !a.local || a.server || !a.jid.IsBare() {
		return nil, errNotAllowed("only users of this server can be contacts")
	}
	if a.userID == 0 {
		return nil, errItemNotFound("no such user")
	}
	if a.userID == s.userID {
		return nil, errNotAllowed("you cannot be your own contact")
	}
	if it.Attr("subscription") == "remove" {
		if err := s.srv.svc.Relations.RemoveContact(s.ctx(), s.requester(), a.userID); err != nil {
			return nil, err
		}
		s.pushItem(a.userID) // to this resource too; the event skips it
		return nil, nil
	}
	if err := s.setItem(a.userID, it); err != nil {
		return nil, err
	}
	s.pushItem(a.userID)
	return nil, nil
}

// setItem creates or changes the relationship behind a roster item: its
// name and its groups (created as needed).
func (s *session) setItem(related int64, it *xmlstream.Element) error {
	ctx, rels := s.ctx(), s.srv.svc.Relations
	name := it.Attr("name")
	existing, _, err := rels.Relationships(ctx, s.userID, store.RelationshipFilter{RelatedIDs: []int64{related}}, 0)
	if err != nil && !isNoContent(err) {
		return err
	}
	var cur []int32
	if len(existing) == 0 {
		if err := rels.CreateRelationship(ctx, s.requester(), related, false, nil, &name, nil); err != nil {
			return err
		}
	} else {
		if existing[0].BlockDate != 0 {
			return errNotAllowed("the contact is blocked; unblock it first")
		}
		cur = existing[0].GroupIndexes
		if existing[0].Name != name {
			if err := rels.UpdateRelationship(ctx, s.requester(), related, relation.RelationshipChange{Name: &name}, nil); err != nil {
				return err
			}
		}
	}
	groups, _, err := rels.Groups(ctx, s.userID, 0)
	if err != nil && !isNoContent(err) {
		return err
	}
	byName := make(map[string]int32, len(groups))
	for _, g := range groups {
		if g.Index != 0 {
			byName[g.Name] = g.Index
		}
	}
	want := make(map[int32]bool)
	for _, g := range it.Elements() {
		if !g.Is(nsRoster, "group") {
			continue
		}
		gn := strings.TrimSpace(g.Text())
		if gn == "" {
			continue
		}
		idx, ok := byName[gn]
		if !ok {
			if idx, err = rels.CreateGroup(ctx, s.requester(), gn, nil); err != nil {
				return err
			}
			byName[gn] = idx
		}
		want[idx] = true
	}
	for idx := range want {
		if !slices.Contains(cur, idx) {
			if err := rels.UpdateRelationship(ctx, s.requester(), related, relation.RelationshipChange{NewGroupIndex: &idx}, nil); err != nil {
				return err
			}
		}
	}
	for _, idx := range cur {
		if idx != 0 && !want[idx] {
			if err := rels.UpdateRelationship(ctx, s.requester(), related, relation.RelationshipChange{DeleteGroupIndex: &idx}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// isNoContent reports the domain's "nothing there" answers to list queries.
func isNoContent(err error) bool {
	c := domain.CodeOf(err)
	return c == status.NoContent || c == status.AlreadyUpToDate
}

// rosterItems computes the roster and its version: a hash of its content,
// so the version changes exactly when the roster does, whichever side's
// change caused it.
func (s *session) rosterItems() ([]rosterItem, string, error) {
	ctx, rels := s.ctx(), s.srv.svc.Relations
	notBlocked := false
	list, _, err := rels.Relationships(ctx, s.userID, store.RelationshipFilter{Blocked: &notBlocked}, 0)
	if err != nil && !isNoContent(err) {
		return nil, "", err
	}
	groups, _, err := rels.Groups(ctx, s.userID, 0)
	if err != nil && !isNoContent(err) {
		return nil, "", err
	}
	groupName := make(map[int32]string, len(groups))
	for _, g := range groups {
		groupName[g.Index] = g.Name
	}
	items := make([]rosterItem, 0, len(list))
	ids := make([]int64, 0, len(list))
	for _, r := range list {
		it := rosterItem{userID: r.RelatedID, name: r.Name, subscription: "from"}
		if back, err := s.srv.svc.Store.Relationships().Get(ctx, r.RelatedID, s.userID); err == nil && back.BlockDate == 0 {
			it.subscription = "both"
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, "", err
		}
		for _, gi := range r.GroupIndexes {
			if gi != 0 {
				it.groups = append(it.groups, groupName[gi])
			}
		}
		slices.Sort(it.groups)
		items = append(items, it)
		ids = append(ids, r.RelatedID)
	}
	sent, _, err := rels.FriendRequests(ctx, s.userID, true, 0)
	if err != nil && !isNoContent(err) {
		return nil, "", err
	}
	for _, fr := range sent {
		if fr.Status != store.RequestPending || slices.Contains(ids, fr.RecipientID) {
			continue
		}
		items = append(items, rosterItem{userID: fr.RecipientID, subscription: "none", ask: true})
		ids = append(ids, fr.RecipientID)
	}
	if err := s.fillNames(items, ids); err != nil {
		return nil, "", err
	}
	slices.SortFunc(items, func(a, b rosterItem) int { return compareInt64(a.userID, b.userID) })
	return items, rosterVersion(items), nil
}

// fillNames gives items without a name of their own the user's profile
// name, so that XMPP clients show people as Turms clients do.
func (s *session) fillNames(items []rosterItem, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	users, err := s.srv.svc.Users.Profiles(s.ctx(), ids, 0)
	if err != nil && !isNoContent(err) {
		return err
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for i := range items {
		if items[i].name == "" {
			items[i].name = names[items[i].userID]
		}
	}
	return nil
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func rosterVersion(items []rosterItem) string {
	h := fnv.New64a()
	for _, it := range items {
		h.Write(strconv.AppendInt(nil, it.userID, 10))
		h.Write([]byte{0})
		h.Write([]byte(it.name))
		h.Write([]byte{0})
		h.Write([]byte(it.subscription))
		if it.ask {
			h.Write([]byte{1})
		}
		for _, g := range it.groups {
			h.Write([]byte{0})
			h.Write([]byte(g))
		}
		h.Write([]byte{'\n'})
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

func (s *Server) itemElement(it rosterItem) *xmlstream.Element {
	el := xmlstream.New(nsRoster, "item", "jid", s.bareJID(it.userID), "subscription", it.subscription, "name", it.name)
	if it.ask {
		el.SetAttr("ask", "subscribe")
	}
	for _, g := range it.groups {
		el.Add(xmlstream.New(nsRoster, "group").AddText(g))
	}
	return el
}

// pushItem sends this resource a roster push (RFC 6121 section 2.1.6) for
// the item of userID as it now is, if the resource asked for its roster.
func (s *session) pushItem(userID int64) {
	if b := s.rosterPush(userID); b != nil {
		s.sendBytes(b)
	}
}

// rosterPush renders the push for userID's item, or nil when this
// resource does not follow its roster.
func (s *session) rosterPush(userID int64) []byte {
	if !s.roster.Load() {
		return nil
	}
	items, ver, err := s.rosterItems()
	if err != nil {
		s.logger().Warn("computing a roster push", "err", err)
		return nil
	}
	it := rosterItem{userID: userID, subscription: "remove"}
	for _, x := range items {
		if x.userID == userID {
			it = x
		}
	}
	return s.srv.pushBytes(it, ver, s.t.parentNS())
}

// pushBytes renders a roster push of one item.
func (s *Server) pushBytes(it rosterItem, ver, parentNS string) []byte {
	push := xmlstream.New(xmlstream.NSClient, "iq", "type", "set", "id", "push"+randomID()[:8]).
		Add(xmlstream.New(nsRoster, "query", "ver", ver).Add(s.itemElement(it)))
	return xmlstream.Append(nil, push, parentNS)
}
