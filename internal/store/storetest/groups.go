package storetest

import (
	"testing"

	"hermod/internal/store"
)

func testGroups(t *testing.T, st store.Store) {
	gt := &store.GroupType{ID: 1, Name: "t", SizeLimit: 10, InvitationStrategy: 3, JoinStrategy: 2, InfoUpdateStrategy: 1,
		MemberInfoUpdateStrategy: 2, GuestSpeakable: true, EnableReadReceipt: true}
	must(t, st.GroupTypes().Create(ctx, gt))
	wantErr(t, st.GroupTypes().Create(ctx, gt), store.ErrConflict)
	got, err := st.GroupTypes().Get(ctx, 1)
	must(t, err)
	diff(t, "group type", got, gt)
	_, err = st.GroupTypes().Get(ctx, 2)
	wantErr(t, err, store.ErrNotFound)
	types, err := st.GroupTypes().List(ctx)
	must(t, err)
	diff(t, "types", types, []store.GroupType{*gt})

	g := &store.Group{ID: 10, TypeID: 1, CreatorID: 1, OwnerID: 1, Name: "n", Intro: "i", Announcement: "a", MinScore: 5,
		Active: true, Attributes: []byte(`{"k":1}`), CreationDate: 100, LastUpdatedDate: 100}
	must(t, st.Groups().Create(ctx, g))
	wantErr(t, st.Groups().Create(ctx, g), store.ErrConflict)
	gg, err := st.Groups().Get(ctx, 10)
	must(t, err)
	diff(t, "group", gg, g)
	name, owner, del := "m", int64(2), int64(300)
	must(t, st.Groups().Update(ctx, 10, store.GroupUpdate{Name: &name, OwnerID: &owner, LastUpdatedDate: 200}))
	gg, _ = st.Groups().Get(ctx, 10)
	if gg.Name != "m" || gg.OwnerID != 2 || gg.LastUpdatedDate != 200 || gg.Intro != "i" {
		t.Fatalf("updated group: %+v", gg)
	}
	wantErr(t, st.Groups().Update(ctx, 11, store.GroupUpdate{Name: &name, LastUpdatedDate: 1}), store.ErrNotFound)
	n, err := st.Groups().CountOwned(ctx, 2)
	must(t, err)
	if n != 1 {
		t.Fatalf("owned: %d", n)
	}
	must(t, st.Groups().Create(ctx, &store.Group{ID: 11, OwnerID: 2, Active: true, CreationDate: 1, LastUpdatedDate: 1}))
	must(t, st.Groups().Update(ctx, 11, store.GroupUpdate{DeletionDate: &del, LastUpdatedDate: 300}))
	n, _ = st.Groups().CountOwned(ctx, 2)
	if n != 1 {
		t.Fatalf("owned after a deletion: %d", n)
	}
	many, err := st.Groups().GetMany(ctx, []int64{11, 10, 12})
	must(t, err)
	if len(many) != 2 || many[0].ID != 10 || many[1].DeletionDate != 300 {
		t.Fatalf("GetMany: %+v", many)
	}
}

func testGroupMembers(t *testing.T, st store.Store) {
	m := func(g, u int64, role int32) store.GroupMember {
		return store.GroupMember{GroupID: g, UserID: u, Role: role, JoinDate: 5}
	}
	must(t, st.GroupMembers().Add(ctx, []store.GroupMember{m(1, 3, 2), m(1, 2, 0), m(2, 2, 2)}))
	wantErr(t, st.GroupMembers().Add(ctx, []store.GroupMember{m(1, 4, 2), m(1, 3, 2)}), store.ErrConflict)
	list, err := st.GroupMembers().List(ctx, 1, nil)
	must(t, err)
	diff(t, "members", list, []store.GroupMember{m(1, 2, 0), m(1, 3, 2)})
	list, _ = st.GroupMembers().List(ctx, 1, []int64{3, 9})
	diff(t, "some members", list, []store.GroupMember{m(1, 3, 2)})
	n, _ := st.GroupMembers().Count(ctx, 1)
	if n != 2 {
		t.Fatalf("count %d", n)
	}
	ids, _ := st.GroupMembers().GroupIDs(ctx, 2)
	diff(t, "group ids", ids, []int64{1, 2})
	name, mute := "x", int64(99)
	must(t, st.GroupMembers().Update(ctx, 1, 3, store.GroupMemberUpdate{Name: &name, MuteEndDate: &mute}))
	got, err := st.GroupMembers().Get(ctx, 1, 3)
	must(t, err)
	if got.Name != "x" || got.MuteEndDate != 99 || got.Role != 2 {
		t.Fatalf("updated member: %+v", got)
	}
	wantErr(t, st.GroupMembers().Update(ctx, 1, 9, store.GroupMemberUpdate{Name: &name}), store.ErrNotFound)
	removed, err := st.GroupMembers().Remove(ctx, 1, []int64{3, 9})
	must(t, err)
	if removed != 1 {
		t.Fatalf("removed %d", removed)
	}
	removed, _ = st.GroupMembers().Remove(ctx, 2, nil)
	if removed != 1 {
		t.Fatalf("removed all: %d", removed)
	}
	_, err = st.GroupMembers().Get(ctx, 2, 2)
	wantErr(t, err, store.ErrNotFound)

	must(t, st.GroupVersions().Bump(ctx, 1, store.GroupVersionMembers, 50))
	must(t, st.GroupVersions().Bump(ctx, 1, store.GroupVersionMembers, 40))
	v, _ := st.GroupVersions().Get(ctx, 1, store.GroupVersionMembers)
	w, _ := st.GroupVersions().Get(ctx, 1, store.GroupVersionBlocklist)
	if v != 50 || w != 0 {
		t.Fatalf("versions %d %d", v, w)
	}

	must(t, st.Conversations().UpsertGroupReadDate(ctx, 1, 2, 10))
	must(t, st.Conversations().UpsertGroupReadDate(ctx, 1, 2, 20))
	must(t, st.Conversations().UpsertGroupReadDate(ctx, 1, 3, 5))
	rd, err := st.Conversations().ListGroup(ctx, []int64{1})
	must(t, err)
	diff(t, "group read dates", rd, []store.GroupReadDate{{GroupID: 1, MemberID: 2, ReadDate: 20}, {GroupID: 1, MemberID: 3, ReadDate: 5}})
}
