package storetest

import (
	"testing"

	"hermod/internal/store"
)

// testArchive checks the queries of a user's archive: what they sent and
// received, filtered by peer, paged by cursor both ways.
func testArchive(t *testing.T, st store.Store) {
	// User 1's archive: 1..7 (5 recalled, 4 to themselves); 8 is between
	// others, 9 a group message of user 1.
	for _, m := range []store.Message{
		{ID: 1, SenderID: 1, RecipientID: 2, DeliveryDate: 100},
		{ID: 2, SenderID: 2, RecipientID: 1, DeliveryDate: 200},
		{ID: 3, SenderID: 3, RecipientID: 1, DeliveryDate: 300},
		{ID: 4, SenderID: 1, RecipientID: 1, DeliveryDate: 300},
		{ID: 5, SenderID: 1, RecipientID: 3, DeliveryDate: 400, RecallDate: 410},
		{ID: 6, SenderID: 1, RecipientID: 3, DeliveryDate: 500},
		{ID: 7, SenderID: 2, RecipientID: 1, DeliveryDate: 500},
		{ID: 8, SenderID: 2, RecipientID: 3, DeliveryDate: 600},
		{ID: 9, SenderID: 1, GroupID: 7, DeliveryDate: 700},
	} {
		must(t, st.Messages().Insert(ctx, &m))
	}
	at := func(date, id int64) *store.MessageCursor { return &store.MessageCursor{DeliveryDate: date, ID: id} }
	for _, tc := range []struct {
		name string
		q    store.MessageQuery
		want []int64
	}{
		{"all", store.MessageQuery{ParticipantID: 1}, []int64{1, 2, 3, 4, 6, 7}},
		{"with recalled", store.MessageQuery{ParticipantID: 1, WithRecalled: true}, []int64{1, 2, 3, 4, 5, 6, 7}},
		{"newest first", store.MessageQuery{ParticipantID: 1, Descending: true}, []int64{7, 6, 4, 3, 2, 1}},
		{"last two", store.MessageQuery{ParticipantID: 1, Descending: true, Limit: 2}, []int64{7, 6}},
		{"first three", store.MessageQuery{ParticipantID: 1, Limit: 3}, []int64{1, 2, 3}},
		{"with 2", store.MessageQuery{ParticipantID: 1, PeerIDs: []int64{2}}, []int64{1, 2, 7}},
		{"with self", store.MessageQuery{ParticipantID: 1, PeerIDs: []int64{1}}, []int64{4}},
		{"not with 2", store.MessageQuery{ParticipantID: 1, ExcludedPeerIDs: []int64{2}}, []int64{3, 4, 6}},
		{"with 2 or 3 not 3", store.MessageQuery{ParticipantID: 1, PeerIDs: []int64{2, 3}, ExcludedPeerIDs: []int64{3}}, []int64{1, 2, 7}},
		{"after a cursor", store.MessageQuery{ParticipantID: 1, After: at(300, 3)}, []int64{4, 6, 7}},
		{"before a cursor", store.MessageQuery{ParticipantID: 1, Before: at(300, 4)}, []int64{1, 2, 3}},
		{"page back", store.MessageQuery{ParticipantID: 1, Before: at(500, 6), Descending: true, Limit: 2}, []int64{4, 3}},
		{"between cursors", store.MessageQuery{ParticipantID: 1, After: at(100, 1), Before: at(500, 7)}, []int64{2, 3, 4, 6}},
		{"dates", store.MessageQuery{ParticipantID: 1, DeliveredFrom: 200, DeliveredTo: 300}, []int64{2, 3, 4}},
		{"ids", store.MessageQuery{ParticipantID: 1, IDs: []int64{8, 9, 2, 6}}, []int64{2, 6}},
		{"a user with none", store.MessageQuery{ParticipantID: 4}, nil},
		{"group after a cursor", store.MessageQuery{Group: true, TargetIDs: []int64{7}, After: at(700, 9)}, nil},
		{"group before a cursor", store.MessageQuery{Group: true, TargetIDs: []int64{7}, Before: at(700, 10)}, []int64{9}},
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

func testArchivePrefs(t *testing.T, st store.Store) {
	p, err := st.ArchivePrefs().Get(ctx, 1)
	must(t, err)
	diff(t, "unset prefs", p, &store.ArchivePrefs{UserID: 1, Default: store.ArchiveAlways})
	want := &store.ArchivePrefs{UserID: 1, Default: store.ArchiveRoster, Always: []int64{2, 1 << 50}, Never: []int64{3}}
	must(t, st.ArchivePrefs().Put(ctx, want))
	p, err = st.ArchivePrefs().Get(ctx, 1)
	must(t, err)
	diff(t, "prefs", p, want)
	want = &store.ArchivePrefs{UserID: 1, Default: store.ArchiveNever}
	must(t, st.ArchivePrefs().Put(ctx, want))
	p, err = st.ArchivePrefs().Get(ctx, 1)
	must(t, err)
	diff(t, "replaced prefs", p, want)
	p, err = st.ArchivePrefs().Get(ctx, 2)
	must(t, err)
	diff(t, "another user's prefs", p, &store.ArchivePrefs{UserID: 2})
}
