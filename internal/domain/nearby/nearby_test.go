package nearby

import (
	"testing"

	"hermod/internal/domain"
)

type dir map[int64]bool // online users

func (d dir) Status(id int64) (int32, []int32) {
	if d[id] {
		return 0, []int32{0}
	}
	return offline, nil
}

func TestQuery(t *testing.T) {
	online := dir{1: true, 2: true, 3: true, 4: true, 5: false}
	x := New(online, DefaultOptions())
	for id, p := range map[int64][2]float32{
		1: {0, 179.99}, 2: {0, -179.995}, // across the antimeridian, ~1.1 km apart
		3: {60, 10}, 4: {60.05, 10}, 5: {60.01, 10}, // 5 is offline
	} {
		if err := x.Update(id, p[0], p[1], nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name        string
		from        int64
		lat, lon    float32
		count, dist int
		want        []int64
	}{
		{"nearest first, offline left out", 3, 60, 10, 0, 0, []int64{4}},
		{"radius", 3, 60, 10, 0, 1000, nil},
		{"count", 9, 60.02, 10, 1, 0, []int64{3}},
		// The index is a grid of degrees; cells do not wrap at ±180, so
		// users across the antimeridian are not found (a documented limit).
		{"antimeridian", 1, 0, 179.99, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := x.Query(tc.from, tc.lat, tc.lon, tc.count, tc.dist)
			if len(tc.want) == 0 {
				if domain.CodeOf(err) != 1001 {
					t.Fatalf("got %v %v, want NoContent", got, err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
			for i, id := range tc.want {
				if got[i].UserID != id {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	// An offline user found by a query is forgotten.
	if _, ok := x.users[5]; ok {
		t.Fatal("offline user kept")
	}
}

func TestExpiry(t *testing.T) {
	now := int64(1_000_000)
	old := domain.Now
	domain.Now = func() int64 { return now }
	defer func() { domain.Now = old }()
	o := DefaultOptions()
	o.TTLMillis = 1000
	x := New(dir{1: true, 2: true}, o)
	x.Update(1, 10, 10, nil)
	x.Update(2, 10.001, 10, nil)
	now += 2000
	if _, err := x.Query(1, 10, 10, 0, 0); domain.CodeOf(err) != 1001 {
		t.Fatalf("stale location found: %v", err)
	}
	if len(x.users) != 1 {
		t.Fatalf("stale location kept: %d", len(x.users))
	}
}
