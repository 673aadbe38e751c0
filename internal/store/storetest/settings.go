package storetest

import (
	"testing"

	"hermod/internal/store"
)

func testSettingsAndReactions(t *testing.T, st store.Store) {
	s := func(scope store.SettingScope, target int64, name, v string, at int64) store.Setting {
		return store.Setting{OwnerID: 1, Scope: scope, TargetID: target, Name: name, Value: []byte(v), UpdatedDate: at}
	}
	must(t, st.Settings().Upsert(ctx, []store.Setting{s(0, 0, "a", `1`, 5), s(0, 0, "b", `"x"`, 5), s(1, 7, "a", `true`, 6), s(2, 9, "a", `2`, 6)}))
	must(t, st.Settings().Upsert(ctx, []store.Setting{s(0, 0, "a", `3`, 8)}))
	user, err := st.Settings().List(ctx, store.SettingFilter{OwnerID: 1, Scope: store.ScopeUser})
	must(t, err)
	diff(t, "user settings", user, []store.Setting{s(0, 0, "a", `3`, 8), s(0, 0, "b", `"x"`, 5)})
	named, _ := st.Settings().List(ctx, store.SettingFilter{OwnerID: 1, Scope: store.ScopePrivateConversation, TargetIDs: []int64{7}, Names: []string{"a"}})
	diff(t, "conversation setting", named, []store.Setting{s(1, 7, "a", `true`, 6)})
	n, err := st.Settings().Delete(ctx, store.SettingFilter{OwnerID: 1, Scope: store.ScopeUser, Names: []string{"b"}})
	must(t, err)
	if n != 1 {
		t.Fatalf("deleted %d", n)
	}
	n, _ = st.Settings().Delete(ctx, store.SettingFilter{OwnerID: 1, Scope: store.ScopeGroupConversation})
	if n != 1 {
		t.Fatalf("deleted group settings: %d", n)
	}

	r := func(msg, user int64, typ int32, at int64) store.MessageReaction {
		return store.MessageReaction{MessageID: msg, UserID: user, Type: typ, CreationDate: at}
	}
	must(t, st.Reactions().Add(ctx, []store.MessageReaction{r(1, 2, 5, 10), r(1, 3, 5, 9), r(1, 2, 1, 11), r(2, 2, 1, 1)}))
	must(t, st.Reactions().Add(ctx, []store.MessageReaction{r(1, 2, 5, 99)})) // kept as it was
	rs, err := st.Reactions().List(ctx, []int64{1})
	must(t, err)
	diff(t, "reactions", rs, []store.MessageReaction{r(1, 2, 1, 11), r(1, 3, 5, 9), r(1, 2, 5, 10)})
	n, _ = st.Reactions().Remove(ctx, 1, 2, []int32{5, 6})
	if n != 1 {
		t.Fatalf("removed %d", n)
	}
}

func testResources(t *testing.T, st store.Store) {
	a := &store.Resource{Type: store.ResourceMessageAttachment, Key: "10", UploaderID: 1, UserID: 2, Name: "a.txt", MediaType: "text/plain", Size: 5, CreationDate: 100}
	g := &store.Resource{Type: store.ResourceMessageAttachment, Key: "11", UploaderID: 1, GroupID: 7, Size: 1, CreationDate: 200}
	p := &store.Resource{Type: store.ResourceUserPicture, Key: "1", UploaderID: 1, Size: 3, CreationDate: 50}
	for _, r := range []*store.Resource{a, g, p} {
		must(t, st.Resources().Put(ctx, r))
	}
	got, err := st.Resources().Get(ctx, store.ResourceMessageAttachment, "10")
	must(t, err)
	diff(t, "resource", got, a)
	_, err = st.Resources().Get(ctx, store.ResourceUserPicture, "10")
	wantErr(t, err, store.ErrNotFound)
	mine, _ := st.Resources().List(ctx, store.ResourceFilter{UploaderID: 1})
	if len(mine) != 2 || mine[0].Key != "11" {
		t.Fatalf("uploaded: %+v", mine)
	}
	private := true
	toTwo, _ := st.Resources().List(ctx, store.ResourceFilter{UserIDs: []int64{2}, Private: &private})
	if len(toTwo) != 1 || toTwo[0].Key != "10" {
		t.Fatalf("private: %+v", toTwo)
	}
	must(t, st.Resources().Share(ctx, a.Type, "10", 3, 0))
	must(t, st.Resources().Share(ctx, a.Type, "10", 0, 9))
	if ok, _ := st.Resources().SharedWith(ctx, a.Type, "10", 3, nil); !ok {
		t.Fatal("not shared with the user")
	}
	if ok, _ := st.Resources().SharedWith(ctx, a.Type, "10", 4, []int64{9}); !ok {
		t.Fatal("not shared with the group")
	}
	shared, _ := st.Resources().List(ctx, store.ResourceFilter{SharedWithUser: 3})
	if len(shared) != 1 {
		t.Fatalf("shared: %+v", shared)
	}
	must(t, st.Resources().Unshare(ctx, a.Type, "10", 3, 0))
	if ok, _ := st.Resources().SharedWith(ctx, a.Type, "10", 3, nil); ok {
		t.Fatal("still shared")
	}
	must(t, st.Resources().Delete(ctx, a.Type, "10"))
	wantErr(t, st.Resources().Delete(ctx, a.Type, "10"), store.ErrNotFound)
}
