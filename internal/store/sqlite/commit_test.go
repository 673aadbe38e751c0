package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"hermod/internal/store"
)

// TestBatchWithoutSavepoints runs batches as the committer does: without
// savepoints while nothing fails; a failing request (an error after a
// write, or a panic) has the batch run again with savepoints, so that it
// alone rolls back, and batches keep them until one passes cleanly.
func TestBatchWithoutSavepoints(t *testing.T) {
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "hermod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	boom := errors.New("boom")
	nextID := int64(0)
	runs := map[int64]int{}
	insert := func(fail string) (*commitReq, int64) {
		nextID++
		id := nextID
		return &commitReq{ctx: ctx, done: make(chan error, 1), fn: func(tx store.Repos) error {
			runs[id]++
			if err := tx.Messages().Insert(ctx, &store.Message{ID: id, SenderID: 1, RecipientID: 2, DeliveryDate: id}); err != nil {
				return err
			}
			switch fail {
			case "error":
				return boom
			case "panic":
				panic("bug")
			}
			return nil
		}}, id
	}
	for _, tc := range []struct {
		name        string
		fail        []string
		wantRuns    []int // each request's; a first try stops at a failure
		wantCareful bool
	}{
		{"clean", []string{"", "", ""}, []int{1, 1, 1}, false},
		{"one fails", []string{"", "error", ""}, []int{2, 2, 1}, true},
		{"careful, clean again", []string{"", ""}, []int{1, 1}, false},
		{"one panics", []string{"panic", "", ""}, []int{2, 1, 1}, true},
		{"careful, a failure again", []string{"", "error"}, []int{1, 1}, true},
		{"careful, then clean", []string{"", ""}, []int{1, 1}, false},
		{"alone and failing", []string{"error"}, []int{1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var batch []*commitReq
			var ids []int64
			for _, f := range tc.fail {
				r, id := insert(f)
				batch, ids = append(batch, r), append(ids, id)
			}
			st.commitBatch(batch)
			for i, r := range batch {
				if runs[ids[i]] != tc.wantRuns[i] {
					t.Errorf("request %d ran %d times, want %d", i, runs[ids[i]], tc.wantRuns[i])
				}
				err := <-r.done
				_, gerr := st.Messages().Get(ctx, ids[i])
				if tc.fail[i] != "" {
					if err == nil || !errors.Is(gerr, store.ErrNotFound) {
						t.Errorf("failing request %d: %v, its write: %v", i, err, gerr)
					}
					continue
				}
				if err != nil || gerr != nil {
					t.Errorf("request %d: %v, its write: %v", i, err, gerr)
				}
			}
			if st.commit.careful != tc.wantCareful {
				t.Errorf("careful %v after the batch, want %v", st.commit.careful, tc.wantCareful)
			}
		})
	}
}
