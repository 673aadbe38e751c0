// Package storetest is the conformance suite every store backend must pass:
// Run it from the backend's tests with a function that opens a fresh,
// empty store.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"hermod/internal/store"
)

// Run runs the suite. open must return a new, empty store each call; Run
// closes it.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, st store.Store)
	}{
		{"Users", testUsers},
		{"UserUpdates", testUserUpdates},
		{"Relationships", testRelationships},
		{"RelationshipGroups", testRelationshipGroups},
		{"FriendRequests", testFriendRequests},
		{"Messages", testMessages},
		{"MessageQueries", testMessageQueries},
		{"MessagesByClientID", testMessagesByClientID},
		{"Archive", testArchive},
		{"ArchivePrefs", testArchivePrefs},
		{"Conversations", testConversations},
		{"Versions", testVersions},
		{"Transactions", testTransactions},
		{"ConcurrentTransactions", testConcurrentTransactions},
		{"StartedTransactions", testStartedTransactions},
		{"Groups", testGroups},
		{"GroupMembers", testGroupMembers},
		{"GroupEnrollment", testGroupEnrollment},
		{"GroupAliases", testGroupAliases},
		{"SettingsAndReactions", testSettingsAndReactions},
		{"Resources", testResources},
		{"PEP", testPEP},
		{"PrivateXML", testPrivateXML},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := open(t)
			defer st.Close()
			tc.fn(t, st)
		})
	}
}

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s (-want +got):\n%s", what, d)
	}
}

func newUser(id int64, login string) *store.User {
	return &store.User{
		ID: id, LoginName: login, Name: "user", Intro: "intro", ProfilePicture: "pic", ProfileAccessStrategy: 1,
		Attributes: []byte(`{"k":1}`), Active: true, RegistrationDate: 100, LastUpdatedDate: 100,
		Credentials: store.Credentials{
			Salt: []byte("salt"), Iterations: 4096,
			SHA1:   store.ScramKeys{StoredKey: []byte("s1"), ServerKey: []byte("k1")},
			SHA256: store.ScramKeys{StoredKey: []byte("s256"), ServerKey: []byte("k256")},
		},
	}
}

func testUsers(t *testing.T, st store.Store) {
	u := newUser(1001, "alice")
	must(t, st.Users().Create(ctx, u))
	wantErr(t, st.Users().Create(ctx, newUser(1001, "other")), store.ErrConflict)
	wantErr(t, st.Users().Create(ctx, newUser(1002, "alice")), store.ErrConflict)
	must(t, st.Users().Create(ctx, newUser(1003, "")))
	must(t, st.Users().Create(ctx, newUser(1002, ""))) // many users without a login name

	got, err := st.Users().Get(ctx, 1001)
	must(t, err)
	diff(t, "user", got, u)
	got, err = st.Users().GetByLoginName(ctx, "alice")
	must(t, err)
	diff(t, "user by login name", got.ID, int64(1001))
	_, err = st.Users().Get(ctx, 9)
	wantErr(t, err, store.ErrNotFound)
	_, err = st.Users().GetByLoginName(ctx, "nobody")
	wantErr(t, err, store.ErrNotFound)
	_, err = st.Users().GetByLoginName(ctx, "")
	wantErr(t, err, store.ErrNotFound)

	many, err := st.Users().GetMany(ctx, []int64{1003, 9, 1001})
	must(t, err)
	if len(many) != 2 || many[0].ID != 1001 || many[1].ID != 1003 {
		t.Fatalf("GetMany: %v", many)
	}
	page, err := st.Users().List(ctx, 1001, 1)
	must(t, err)
	if len(page) != 1 || page[0].ID != 1002 {
		t.Fatalf("List after 1001: %v", page)
	}
	n, err := st.Users().Count(ctx)
	must(t, err)
	if n != 3 {
		t.Fatalf("Count %d", n)
	}
}

func testUserUpdates(t *testing.T, st store.Store) {
	must(t, st.Users().Create(ctx, newUser(1, "a")))
	must(t, st.Users().Create(ctx, newUser(2, "b")))
	name, intro, pic, empty := "N", "I", "P", ""
	strategy := int32(2)
	attrs := []byte(`{"x":"y"}`)
	inactive := false
	creds := store.Credentials{Salt: []byte("s2"), Iterations: 5000, SHA256: store.ScramKeys{StoredKey: []byte("a"), ServerKey: []byte("b")}}
	must(t, st.Users().Update(ctx, 1, store.UserUpdate{
		Name: &name, Intro: &intro, ProfilePicture: &pic, ProfileAccessStrategy: &strategy,
		Attributes: &attrs, Active: &inactive, Credentials: &creds, LoginName: &empty, LastUpdatedDate: 200,
	}))
	got, err := st.Users().Get(ctx, 1)
	must(t, err)
	want := newUser(1, "")
	want.Name, want.Intro, want.ProfilePicture, want.ProfileAccessStrategy = name, intro, pic, strategy
	want.Attributes, want.Active, want.Credentials, want.LastUpdatedDate = attrs, false, creds, 200
	diff(t, "updated user", got, want)
	taken := "b"
	wantErr(t, st.Users().Update(ctx, 1, store.UserUpdate{LoginName: &taken, LastUpdatedDate: 300}), store.ErrConflict)
	wantErr(t, st.Users().Update(ctx, 9, store.UserUpdate{Name: &name, LastUpdatedDate: 300}), store.ErrNotFound)
	// An update that changes only the date still finds the user.
	must(t, st.Users().Update(ctx, 2, store.UserUpdate{LastUpdatedDate: 400}))
}

func testRelationships(t *testing.T, st store.Store) {
	rels := st.Relationships()
	must(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 2, EstablishmentDate: 10, Name: "Bob"}))
	must(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 3, EstablishmentDate: 11, BlockDate: 11}))
	must(t, rels.Create(ctx, &store.Relationship{OwnerID: 2, RelatedID: 1, EstablishmentDate: 12}))
	wantErr(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 2, EstablishmentDate: 13}), store.ErrConflict)
	wantErr(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 4, GroupIndexes: []int32{5}}), store.ErrNotFound)

	got, err := rels.Get(ctx, 1, 2)
	must(t, err)
	diff(t, "relationship", got, &store.Relationship{OwnerID: 1, RelatedID: 2, EstablishmentDate: 10, Name: "Bob", GroupIndexes: []int32{0}})
	_, err = rels.Get(ctx, 2, 3)
	wantErr(t, err, store.ErrNotFound)

	yes, no := true, false
	for _, tc := range []struct {
		name string
		f    store.RelationshipFilter
		want []int64
	}{
		{"all", store.RelationshipFilter{}, []int64{2, 3}},
		{"ids", store.RelationshipFilter{RelatedIDs: []int64{3, 9}}, []int64{3}},
		{"blocked", store.RelationshipFilter{Blocked: &yes}, []int64{3}},
		{"not blocked", store.RelationshipFilter{Blocked: &no}, []int64{2}},
		{"group 0", store.RelationshipFilter{GroupIndexes: []int32{0}}, []int64{2, 3}},
		{"group 7", store.RelationshipFilter{GroupIndexes: []int32{7}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := rels.List(ctx, 1, tc.f)
			must(t, err)
			var ids []int64
			for _, r := range list {
				ids = append(ids, r.RelatedID)
			}
			diff(t, "related ids", ids, tc.want)
		})
	}

	unblock, note := int64(0), "note"
	must(t, rels.Update(ctx, 1, 3, store.RelationshipUpdate{BlockDate: &unblock, Note: &note}, 20))
	got, err = rels.Get(ctx, 1, 3)
	must(t, err)
	if got.BlockDate != 0 || got.Note != "note" {
		t.Fatalf("after update: %+v", got)
	}
	wantErr(t, rels.Update(ctx, 1, 9, store.RelationshipUpdate{Note: &note}, 21), store.ErrNotFound)
	must(t, rels.Delete(ctx, 1, 3, 22))
	wantErr(t, rels.Delete(ctx, 1, 3, 23), store.ErrNotFound)
	list, err := rels.List(ctx, 1, store.RelationshipFilter{GroupIndexes: []int32{0}})
	must(t, err)
	if len(list) != 1 || list[0].RelatedID != 2 {
		t.Fatalf("group 0 after delete: %v", list)
	}
	// Re-creating a deleted relationship starts clean.
	must(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 3, EstablishmentDate: 24}))
}

func testRelationshipGroups(t *testing.T, st store.Store) {
	rels := st.Relationships()
	gs, err := rels.ListGroups(ctx, 1)
	must(t, err)
	diff(t, "groups of a new owner", gs, []store.RelationshipGroup{{OwnerID: 1}})

	g1, err := rels.CreateGroup(ctx, 1, "work", 10)
	must(t, err)
	g2, err := rels.CreateGroup(ctx, 1, "family", 11)
	must(t, err)
	if g1.Index != 1 || g2.Index != 2 {
		t.Fatalf("indexes %d %d", g1.Index, g2.Index)
	}
	must(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 2, EstablishmentDate: 12, GroupIndexes: []int32{1}}))
	must(t, rels.Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 3, EstablishmentDate: 12}))
	must(t, rels.AddToGroup(ctx, 1, 2, 2, 13))
	must(t, rels.AddToGroup(ctx, 1, 2, 2, 13)) // idempotent
	wantErr(t, rels.AddToGroup(ctx, 1, 9, 2, 13), store.ErrNotFound)
	wantErr(t, rels.AddToGroup(ctx, 1, 1, 99, 13), store.ErrNotFound)
	r, err := rels.Get(ctx, 1, 2)
	must(t, err)
	diff(t, "groups of 2", r.GroupIndexes, []int32{1, 2})

	must(t, rels.RenameGroup(ctx, 1, 1, "office", 14))
	must(t, rels.RenameGroup(ctx, 1, 0, "friends", 14))
	wantErr(t, rels.RenameGroup(ctx, 1, 9, "x", 14), store.ErrNotFound)
	must(t, rels.RemoveFromGroup(ctx, 1, 2, 2, 15))
	// Deleting group 1 moves its members to group 0.
	must(t, rels.DeleteGroup(ctx, 1, 1, 0, 16))
	wantErr(t, rels.DeleteGroup(ctx, 1, 1, 0, 17), store.ErrNotFound)
	wantErr(t, rels.DeleteGroup(ctx, 1, 0, 0, 17), store.ErrNotFound)
	r, err = rels.Get(ctx, 1, 2)
	must(t, err)
	diff(t, "groups of 2 after the delete", r.GroupIndexes, []int32{0})
	gs, err = rels.ListGroups(ctx, 1)
	must(t, err)
	if len(gs) != 2 || gs[0].Index != 0 || gs[0].Name != "friends" || gs[1].Index != 2 || gs[1].Name != "family" {
		t.Fatalf("groups: %+v", gs)
	}
	// Deleting a relationship removes its memberships.
	must(t, rels.AddToGroup(ctx, 1, 2, 3, 18))
	must(t, rels.Delete(ctx, 1, 3, 19))
	list, err := rels.List(ctx, 1, store.RelationshipFilter{GroupIndexes: []int32{2}})
	must(t, err)
	if len(list) != 0 {
		t.Fatalf("group 2 still holds %v", list)
	}
}

func testFriendRequests(t *testing.T, st store.Store) {
	frs := st.FriendRequests()
	a := &store.FriendRequest{ID: 10, RequesterID: 1, RecipientID: 2, Content: "hi", CreationDate: 100, ExpirationDate: 1000}
	b := &store.FriendRequest{ID: 11, RequesterID: 1, RecipientID: 3, CreationDate: 101, ExpirationDate: 1001}
	c := &store.FriendRequest{ID: 12, RequesterID: 3, RecipientID: 2, CreationDate: 102, ExpirationDate: 1002}
	for _, r := range []*store.FriendRequest{a, b, c} {
		must(t, frs.Create(ctx, r))
	}
	wantErr(t, frs.Create(ctx, a), store.ErrConflict)
	got, err := frs.Get(ctx, 10)
	must(t, err)
	diff(t, "request", got, a)
	_, err = frs.Get(ctx, 99)
	wantErr(t, err, store.ErrNotFound)

	got, err = frs.FindPending(ctx, 1, 2, 500)
	must(t, err)
	diff(t, "pending", got.ID, int64(10))
	_, err = frs.FindPending(ctx, 1, 2, 1000) // expired at 1000
	wantErr(t, err, store.ErrNotFound)

	must(t, frs.SetStatus(ctx, 10, store.RequestPending, store.RequestDeclined, "no", 200))
	wantErr(t, frs.SetStatus(ctx, 10, store.RequestPending, store.RequestAccepted, "", 201), store.ErrNotFound)
	wantErr(t, frs.SetStatus(ctx, 99, store.RequestPending, store.RequestAccepted, "", 201), store.ErrNotFound)
	got, err = frs.Get(ctx, 10)
	must(t, err)
	if got.Status != store.RequestDeclined || got.Reason != "no" || got.ResponseDate != 200 {
		t.Fatalf("after SetStatus: %+v", got)
	}
	_, err = frs.FindPending(ctx, 1, 2, 500)
	wantErr(t, err, store.ErrNotFound)

	sent, err := frs.ListSent(ctx, 1)
	must(t, err)
	if len(sent) != 2 || sent[0].ID != 11 || sent[1].ID != 10 {
		t.Fatalf("sent: %v", sent)
	}
	recv, err := frs.ListReceived(ctx, 2)
	must(t, err)
	if len(recv) != 2 || recv[0].ID != 12 || recv[1].ID != 10 {
		t.Fatalf("received: %v", recv)
	}
	for _, v := range []struct {
		user int64
		kind store.VersionKind
		want int64
	}{
		{1, store.VersionSentFriendRequests, 200},
		{2, store.VersionReceivedFriendRequests, 200},
		{3, store.VersionReceivedFriendRequests, 101},
		{3, store.VersionSentFriendRequests, 102},
		{2, store.VersionSentFriendRequests, 0},
	} {
		got, err := st.Versions().Get(ctx, v.user, v.kind)
		must(t, err)
		if got != v.want {
			t.Errorf("version %s of %d: %d, want %d", v.kind, v.user, got, v.want)
		}
	}
}

func testMessages(t *testing.T, st store.Store) {
	ms := st.Messages()
	full := &store.Message{
		ID: 1, SenderID: 10, RecipientID: 20, Text: "hello", Records: [][]byte{{1, 2}, {}, []byte("xyz")},
		DeliveryDate: 1000, PreMessageID: 7, Extensions: []byte("<x/>"), ClientID: "c-1",
	}
	bare := &store.Message{ID: 2, SenderID: 10, GroupID: 30, IsSystem: true, DeliveryDate: 1001}
	must(t, ms.Insert(ctx, full))
	must(t, ms.Insert(ctx, bare))
	wantErr(t, ms.Insert(ctx, full), store.ErrConflict)
	got, err := ms.Get(ctx, 1)
	must(t, err)
	diff(t, "message", got, full)
	got, err = ms.Get(ctx, 2)
	must(t, err)
	if got.Records != nil || got.Extensions != nil || !got.IsGroup() || !got.IsSystem {
		t.Fatalf("bare message: %+v", got)
	}
	_, err = ms.Get(ctx, 3)
	wantErr(t, err, store.ErrNotFound)

	text, mod := "edited", int64(1100)
	recs := [][]byte{{9}}
	ext := []byte("<y/>")
	must(t, ms.Update(ctx, 1, store.MessageUpdate{Text: &text, Records: &recs, ModificationDate: &mod, Extensions: &ext}))
	got, err = ms.Get(ctx, 1)
	must(t, err)
	if got.Text != "edited" || got.ModificationDate != 1100 || len(got.Records) != 1 || got.Records[0][0] != 9 || string(got.Extensions) != "<y/>" {
		t.Fatalf("edited: %+v", got)
	}
	recall := int64(1200)
	must(t, ms.Update(ctx, 1, store.MessageUpdate{RecallDate: &recall}))
	wantErr(t, ms.Update(ctx, 3, store.MessageUpdate{RecallDate: &recall}), store.ErrNotFound)
	got, err = ms.Get(ctx, 1)
	must(t, err)
	if got.RecallDate != 1200 {
		t.Fatalf("recall date %d", got.RecallDate)
	}
}

func testMessagesByClientID(t *testing.T, st store.Store) {
	ms := st.Messages()
	for _, m := range []store.Message{
		{ID: 1, SenderID: 1, RecipientID: 2, DeliveryDate: 100, ClientID: "a"},
		{ID: 2, SenderID: 1, RecipientID: 2, DeliveryDate: 200, ClientID: "a"}, // a reused id: the latest wins
		{ID: 3, SenderID: 1, RecipientID: 3, DeliveryDate: 300, ClientID: "b"},
		{ID: 4, SenderID: 2, RecipientID: 1, DeliveryDate: 400, ClientID: "b"},
		{ID: 5, SenderID: 1, GroupID: 9, DeliveryDate: 500, ClientID: "b"},
		{ID: 6, SenderID: 1, RecipientID: 2, DeliveryDate: 600},
	} {
		must(t, ms.Insert(ctx, &m))
	}
	for _, tc := range []struct {
		name                       string
		sender, recipient, groupID int64
		clientID                   string
		want                       int64
	}{
		{"latest of a reused id", 1, 2, 0, "a", 2},
		{"another conversation", 1, 3, 0, "b", 3},
		{"another sender", 2, 1, 0, "b", 4},
		{"a group", 1, 0, 9, "b", 5},
		{"a group, recipient ignored", 1, 2, 9, "b", 5},
		{"not in this conversation", 1, 2, 0, "b", 0},
		{"not this sender", 2, 1, 0, "a", 0},
		{"no id never matches", 1, 2, 0, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ms.ByClientID(ctx, tc.sender, tc.recipient, tc.groupID, tc.clientID)
			if tc.want == 0 {
				wantErr(t, err, store.ErrNotFound)
				return
			}
			must(t, err)
			if m.ID != tc.want {
				t.Fatalf("found %d, want %d", m.ID, tc.want)
			}
		})
	}
}

func testMessageQueries(t *testing.T, st store.Store) {
	// Private messages 1..6 between users 1, 2, 3, group messages 7..8.
	for _, m := range []store.Message{
		{ID: 1, SenderID: 1, RecipientID: 2, DeliveryDate: 100},
		{ID: 2, SenderID: 1, RecipientID: 2, DeliveryDate: 200},
		{ID: 3, SenderID: 3, RecipientID: 2, DeliveryDate: 300, IsSystem: true},
		{ID: 4, SenderID: 2, RecipientID: 1, DeliveryDate: 400},
		{ID: 5, SenderID: 1, RecipientID: 2, DeliveryDate: 500, RecallDate: 510},
		{ID: 6, SenderID: 1, RecipientID: 2, DeliveryDate: 500},
		{ID: 7, SenderID: 1, GroupID: 9, DeliveryDate: 600},
		{ID: 8, SenderID: 2, GroupID: 8, DeliveryDate: 700},
	} {
		must(t, st.Messages().Insert(ctx, &m))
	}
	yes, no := true, false
	for _, tc := range []struct {
		name string
		q    store.MessageQuery
		want []int64
	}{
		{"to 2", store.MessageQuery{TargetIDs: []int64{2}}, []int64{1, 2, 3, 6}},
		{"to 2 with recalled", store.MessageQuery{TargetIDs: []int64{2}, WithRecalled: true}, []int64{1, 2, 3, 5, 6}},
		{"to 2 from 1", store.MessageQuery{TargetIDs: []int64{2}, SenderIDs: []int64{1}}, []int64{1, 2, 6}},
		{"system", store.MessageQuery{System: &yes}, []int64{3}},
		{"not system to 2", store.MessageQuery{System: &no, TargetIDs: []int64{2}}, []int64{1, 2, 6}},
		{"ids", store.MessageQuery{IDs: []int64{4, 7, 2}}, []int64{2, 4}},
		{"dates inclusive", store.MessageQuery{DeliveredFrom: 200, DeliveredTo: 400}, []int64{2, 3, 4}},
		{"descending limited", store.MessageQuery{TargetIDs: []int64{2}, Descending: true, Limit: 2}, []int64{6, 3}},
		{"above an id", store.MessageQuery{TargetIDs: []int64{2}, AboveID: 2}, []int64{3, 6}},
		{"above an id, newest first, limited", store.MessageQuery{TargetIDs: []int64{2}, AboveID: 1, Descending: true, Limit: 2}, []int64{6, 3}},
		{"groups", store.MessageQuery{Group: true}, []int64{7, 8}},
		{"group 8", store.MessageQuery{Group: true, TargetIDs: []int64{8}}, []int64{8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms, err := st.Messages().Query(ctx, tc.q)
			must(t, err)
			var ids []int64
			for _, m := range ms {
				ids = append(ids, m.ID)
			}
			diff(t, "ids", ids, tc.want)
			q := tc.q
			q.Limit = 0
			all, err := st.Messages().Query(ctx, q)
			must(t, err)
			n, err := st.Messages().Count(ctx, tc.q)
			must(t, err)
			if n != int64(len(all)) {
				t.Fatalf("Count %d, want %d", n, len(all))
			}
		})
	}
}

func testConversations(t *testing.T, st store.Store) {
	cs := st.Conversations()
	must(t, cs.UpsertPrivateReadDate(ctx, 1, 2, 100))
	must(t, cs.UpsertPrivateReadDate(ctx, 1, 3, 150))
	must(t, cs.UpsertPrivateReadDate(ctx, 1, 2, 200))
	must(t, cs.UpsertPrivateReadDate(ctx, 2, 1, 300))
	all, err := cs.ListPrivate(ctx, 1, nil)
	must(t, err)
	diff(t, "all of 1", all, []store.PrivateConversation{{OwnerID: 1, TargetID: 2, ReadDate: 200}, {OwnerID: 1, TargetID: 3, ReadDate: 150}})
	some, err := cs.ListPrivate(ctx, 1, []int64{3, 4})
	must(t, err)
	diff(t, "1 with 3", some, []store.PrivateConversation{{OwnerID: 1, TargetID: 3, ReadDate: 150}})
}

func testVersions(t *testing.T, st store.Store) {
	v := st.Versions()
	got, err := v.Get(ctx, 1, store.VersionRelationships)
	must(t, err)
	if got != 0 {
		t.Fatalf("fresh version %d", got)
	}
	must(t, v.Bump(ctx, 1, store.VersionRelationships, 500))
	must(t, v.Bump(ctx, 1, store.VersionRelationships, 400)) // never backwards
	must(t, v.Bump(ctx, 1, store.VersionRelationshipGroups, 300))
	got, _ = v.Get(ctx, 1, store.VersionRelationships)
	if got != 500 {
		t.Fatalf("version %d, want 500", got)
	}
	// Relationship writes bump their owner's version.
	must(t, st.Relationships().Create(ctx, &store.Relationship{OwnerID: 2, RelatedID: 1, EstablishmentDate: 700}))
	got, _ = v.Get(ctx, 2, store.VersionRelationships)
	if got != 700 {
		t.Fatalf("version after create %d, want 700", got)
	}
	must(t, st.Relationships().Delete(ctx, 2, 1, 800))
	got, _ = v.Get(ctx, 2, store.VersionRelationships)
	if got != 800 {
		t.Fatalf("version after delete %d, want 800", got)
	}
	_, err = st.Relationships().CreateGroup(ctx, 2, "g", 900)
	must(t, err)
	got, _ = v.Get(ctx, 2, store.VersionRelationshipGroups)
	if got != 900 {
		t.Fatalf("groups version %d, want 900", got)
	}
}

// testConcurrentTransactions: transactions from many goroutines at once
// (a backend may commit them together) each commit or roll back as a
// whole: a failing one, or one that panics, takes none of the others'
// work with it, and a conflict inside one is reported to it alone.
func testConcurrentTransactions(t *testing.T, st store.Store) {
	boom := errors.New("boom")
	must(t, st.Messages().Insert(ctx, &store.Message{ID: 1_000_000, SenderID: 1, RecipientID: 2, DeliveryDate: 1}))
	var wg sync.WaitGroup
	errs := make([]error, 400)
	for i := range errs {
		wg.Go(func() {
			id := int64(i + 1)
			errs[i] = st.InTx(ctx, func(tx store.Repos) error {
				if err := tx.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id}); err != nil {
					return err
				}
				if err := tx.Conversations().UpsertPrivateReadDate(ctx, 1, 2, id); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return boom
				case 2: // a duplicate key: this transaction's error
					return tx.Messages().Insert(ctx, &store.Message{ID: 1_000_000, SenderID: 1, RecipientID: 2, DeliveryDate: 1})
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		_, gerr := st.Messages().Get(ctx, int64(i+1))
		switch i % 4 {
		case 1:
			wantErr(t, err, boom)
			wantErr(t, gerr, store.ErrNotFound)
		case 2:
			wantErr(t, err, store.ErrConflict)
			wantErr(t, gerr, store.ErrNotFound)
		default:
			must(t, err)
			must(t, gerr)
		}
	}
	n, err := st.Messages().Count(ctx, store.MessageQuery{})
	must(t, err)
	if n != 201 {
		t.Fatalf("%d messages, want 201", n)
	}
}

// testStartedTransactions: one goroutine starts many transactions before
// waiting for any (a connection's pipelined requests); each is answered
// alone, as with InTx, and a store that is closed refuses new ones.
func testStartedTransactions(t *testing.T, st store.Store) {
	boom := errors.New("boom")
	pending := make([]store.Pending, 100)
	for i := range pending {
		id := int64(i + 1)
		pending[i] = st.StartTx(ctx, func(tx store.Repos) error {
			if err := tx.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id}); err != nil {
				return err
			}
			if id%10 == 0 {
				return boom
			}
			return tx.Conversations().UpsertPrivateReadDate(ctx, 1, 2, id)
		})
	}
	for i, p := range pending {
		err := p.Wait()
		_, gerr := st.Messages().Get(ctx, int64(i+1))
		if (i+1)%10 == 0 {
			wantErr(t, err, boom)
			wantErr(t, gerr, store.ErrNotFound)
			continue
		}
		must(t, err)
		must(t, gerr)
	}
	n, err := st.Messages().Count(ctx, store.MessageQuery{})
	must(t, err)
	if n != 90 {
		t.Fatalf("%d messages, want 90", n)
	}
	must(t, st.Close())
	if err := st.StartTx(ctx, func(store.Repos) error { return nil }).Wait(); err == nil {
		t.Fatal("a closed store started a transaction")
	}
}

func testTransactions(t *testing.T, st store.Store) {
	boom := errors.New("boom")
	err := st.InTx(ctx, func(tx store.Repos) error {
		must(t, tx.Users().Create(ctx, newUser(1, "")))
		must(t, tx.Messages().Insert(ctx, &store.Message{ID: 1, SenderID: 1, RecipientID: 2, DeliveryDate: 1}))
		// Reads inside the transaction see its writes.
		if _, err := tx.Users().Get(ctx, 1); err != nil {
			t.Errorf("read inside the transaction: %v", err)
		}
		return boom
	})
	wantErr(t, err, boom)
	_, err = st.Users().Get(ctx, 1)
	wantErr(t, err, store.ErrNotFound)
	_, err = st.Messages().Get(ctx, 1)
	wantErr(t, err, store.ErrNotFound)

	must(t, st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.Users().Create(ctx, newUser(1, "")); err != nil {
			return err
		}
		if err := tx.FriendRequests().Create(ctx, &store.FriendRequest{ID: 5, RequesterID: 1, RecipientID: 2, CreationDate: 10}); err != nil {
			return err
		}
		return tx.Relationships().Create(ctx, &store.Relationship{OwnerID: 1, RelatedID: 2, EstablishmentDate: 10})
	}))
	if _, err := st.Users().Get(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Relationships().Get(ctx, 1, 2); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Versions().Get(ctx, 2, store.VersionReceivedFriendRequests); v != 10 {
		t.Fatalf("version bumped in the transaction: %d", v)
	}
}
