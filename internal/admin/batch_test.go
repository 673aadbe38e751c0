package admin

import (
	"context"
	"strings"
	"testing"
)

func TestUsersBatchAPI(t *testing.T) {
	f := start(t)
	for _, tc := range []struct {
		name, body string
		code       int
		contains   string
	}{
		{"create", `{"first_id":100000,"count":2000,"password":"bench","name_prefix":"b"}`, 201, `"created":2000,"skipped":0,"first_id":100000,"last_id":101999`},
		{"overlap refused whole", `{"first_id":101995,"count":20,"password":"bench"}`, 409, "101995"},
		{"overlap skipped", `{"first_id":101990,"count":20,"password":"bench","skip_existing":true}`, 201, `"created":10,"skipped":10`},
		{"no password", `{"first_id":1,"count":1}`, 400, "password"},
		{"no count", `{"first_id":1,"count":0,"password":"x"}`, 400, "first_id"},
		{"too many", `{"first_id":1,"count":100001,"password":"x"}`, 400, "100000"},
		{"bad first id", `{"first_id":-5,"count":1,"password":"x"}`, 400, "first_id"},
		{"name too long", `{"first_id":1,"count":1,"password":"x","name_prefix":"a-very-long-name-prefix"}`, 400, "longer"},
		{"unknown field", `{"first_id":1,"count":1,"password":"x","admin":true}`, 400, "admin"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, "POST", f.base+"/v1/users/batch", "secret", tc.body)
			if code != tc.code || !strings.Contains(body, tc.contains) {
				t.Fatalf("%d %s, want %d containing %q", code, body, tc.code, tc.contains)
			}
		})
	}
	if code, _ := call(t, "POST", f.base+"/v1/users/batch", "", `{"first_id":1,"count":1,"password":"x"}`); code != 401 {
		t.Fatalf("batch without a token: %d", code)
	}
	ctx := context.Background()
	// Every account of the batch logs in with the batch's password.
	for _, id := range []int64{100000, 100999, 101999, 102009} {
		if _, err := f.users.Authenticate(ctx, id, "bench"); err != nil {
			t.Fatalf("user %d: %v", id, err)
		}
	}
	if _, err := f.users.Authenticate(ctx, 100001, "wrong"); err == nil {
		t.Fatal("a wrong password was accepted")
	}
	u, err := f.users.Get(ctx, 100007)
	if err != nil || u.Name != "b100007" || !u.Active {
		t.Fatalf("user 100007: %+v %v", u, err)
	}
	// The refused batch created nothing, not even its free ids.
	if _, err := f.users.Get(ctx, 102014); err == nil {
		t.Fatal("a refused batch left an account behind")
	}
	// The skipped accounts kept their records.
	if _, err := f.users.Get(ctx, 102009); err != nil {
		t.Fatal(err)
	}
}
