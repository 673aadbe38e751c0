package storetest

import (
	"testing"

	"hermod/internal/store"
)

func testGroupAliases(t *testing.T, st store.Store) {
	must(t, st.GroupAliases().Set(ctx, 7, "team"))
	wantErr(t, st.GroupAliases().Set(ctx, 8, "team"), store.ErrConflict)  // the alias is taken
	wantErr(t, st.GroupAliases().Set(ctx, 7, "other"), store.ErrConflict) // the group has one
	if id, err := st.GroupAliases().Lookup(ctx, "team"); err != nil || id != 7 {
		t.Fatalf("Lookup(team) = %d, %v; want 7", id, err)
	}
	_, err := st.GroupAliases().Lookup(ctx, "nobody")
	wantErr(t, err, store.ErrNotFound)
	if a, err := st.GroupAliases().Of(ctx, 7); err != nil || a != "team" {
		t.Fatalf("Of(7) = %q, %v; want team", a, err)
	}
	_, err = st.GroupAliases().Of(ctx, 8)
	wantErr(t, err, store.ErrNotFound)
	must(t, st.GroupAliases().Remove(ctx, 7))
	must(t, st.GroupAliases().Remove(ctx, 7))
	_, err = st.GroupAliases().Lookup(ctx, "team")
	wantErr(t, err, store.ErrNotFound)
	must(t, st.InTx(ctx, func(tx store.Repos) error { return tx.GroupAliases().Set(ctx, 8, "team") }))
	if id, _ := st.GroupAliases().Lookup(ctx, "team"); id != 8 {
		t.Fatalf("a freed alias was not taken again: %d", id)
	}
}
