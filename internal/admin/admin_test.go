package admin

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"hermod/internal/domain/group"
	"hermod/internal/domain/user"
	"hermod/internal/idgen"
	"hermod/internal/metrics"
	"hermod/internal/router"
	"hermod/internal/store/sqlite"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fixture struct {
	base  string
	users *user.Service
	ready *atomic.Bool
}

func start(t *testing.T) fixture {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hermod.db"))
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := idgen.New(0)
	rt := router.New()
	users := user.New(st, rt, ids, user.DefaultOptions())
	groups, err := group.New(context.Background(), st, rt, ids, rt, group.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ready := &atomic.Bool{}
	ready.Store(true)
	m := metrics.New()
	m.MessageStored()
	srv := New(Options{
		Addr: "127.0.0.1:0", Token: "secret", Users: users, Groups: groups, Metrics: m,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(context.Context) error {
			if !ready.Load() {
				return errors.New("store down")
			}
			return nil
		},
	})
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Shutdown(context.Background())
		st.Close()
		http.DefaultClient.CloseIdleConnections()
	})
	return fixture{base: "http://" + srv.Addr().String(), users: users, ready: ready}
}

func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestUsersAPI(t *testing.T) {
	f := start(t)
	for _, tc := range []struct {
		name, method, path, token, body string
		code                            int
		contains                        string
	}{
		{"no token", "GET", "/v1/users", "", "", 401, "bearer"},
		{"wrong token", "GET", "/v1/users", "nope", "", 401, "bearer"},
		{"add", "POST", "/v1/users", "secret", `{"id":1001,"password":"pw","name":"Alice","login_name":"alice"}`, 201, `"login_name":"alice"`},
		{"duplicate", "POST", "/v1/users", "secret", `{"id":1001,"password":"pw"}`, 409, "taken"},
		{"bad json", "POST", "/v1/users", "secret", `{"id":`, 400, "bad JSON"},
		{"unknown field", "POST", "/v1/users", "secret", `{"id":5,"password":"x","admin":true}`, 400, "admin"},
		{"no password", "POST", "/v1/users", "secret", `{"id":5}`, 400, "password"},
		{"get", "GET", "/v1/users/1001", "secret", "", 200, `"name":"Alice"`},
		{"get missing", "GET", "/v1/users/5", "secret", "", 404, "no user"},
		{"get bad id", "GET", "/v1/users/x", "secret", "", 400, "positive"},
		{"list", "GET", "/v1/users?limit=10", "secret", "", 200, `"id":1001`},
		{"passwd", "PUT", "/v1/users/1001/password", "secret", `{"password":"new"}`, 204, ""},
		{"passwd missing", "PUT", "/v1/users/5/password", "secret", `{"password":"new"}`, 404, ""},
		{"deactivate", "POST", "/v1/users/1001/deactivate", "secret", "", 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, tc.method, f.base+tc.path, tc.token, tc.body)
			if code != tc.code || !strings.Contains(body, tc.contains) {
				t.Fatalf("%d %s, want %d containing %q", code, body, tc.code, tc.contains)
			}
			if strings.Contains(body, "salt") || strings.Contains(body, "stored") {
				t.Fatalf("credentials leaked: %s", body)
			}
		})
	}
	// The password really changed and the account is really inactive.
	if _, err := f.users.Authenticate(context.Background(), 1001, "new"); err == nil || !strings.Contains(err.Error(), "NOT_ACTIVE") {
		t.Fatalf("after passwd and deactivate: %v", err)
	}
	call(t, "POST", f.base+"/v1/users/1001/activate", "secret", "")
	if _, err := f.users.Authenticate(context.Background(), 1001, "new"); err != nil {
		t.Fatalf("after activate: %v", err)
	}
}

func TestProbesAndMetrics(t *testing.T) {
	f := start(t)
	if code, _ := call(t, "GET", f.base+"/healthz", "", ""); code != 200 {
		t.Fatalf("healthz %d", code)
	}
	if code, _ := call(t, "GET", f.base+"/readyz", "", ""); code != 200 {
		t.Fatalf("readyz %d", code)
	}
	f.ready.Store(false)
	if code, _ := call(t, "GET", f.base+"/readyz", "", ""); code != 503 {
		t.Fatalf("readyz while the store is down: %d", code)
	}
	code, body := call(t, "GET", f.base+"/metrics", "", "")
	if code != 200 || !strings.Contains(body, "hermod_messages_stored_total 1") || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics %d:\n%.500s", code, body)
	}
	if code, _ := call(t, "GET", f.base+"/debug/pprof/", "", ""); code != 401 {
		t.Fatalf("pprof without a token: %d", code)
	}
}

func TestRefusesNonLoopback(t *testing.T) {
	s := New(Options{Addr: "0.0.0.0:0", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := s.Start(); err == nil {
		s.Shutdown(context.Background())
		t.Fatal("listening on 0.0.0.0 without AllowRemote")
	}
}

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	tok, err := LoadOrCreateToken("", dir)
	if err != nil || len(tok) != 64 {
		t.Fatalf("token %q, %v", tok, err)
	}
	st, _ := os.Stat(filepath.Join(dir, TokenFile))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v", st.Mode())
	}
	again, _ := LoadOrCreateToken("", dir)
	if again != tok {
		t.Fatal("token not reused")
	}
	if got, _ := LoadOrCreateToken("configured", dir); got != "configured" {
		t.Fatal("configured token ignored")
	}
}

func TestGroupTypesAPI(t *testing.T) {
	f := start(t)
	for _, tc := range []struct {
		name, method, body string
		code               int
		contains           string
	}{
		{"default exists", "GET", "", 200, `"name":"DEFAULT","size_limit":500`},
		{"add", "POST", `{"id":7,"name":"big","size_limit":3000,"invitation_strategy":"OWNER_MANAGER","guest_speakable":true}`, 201, `"join_strategy":"INVITATION"`},
		{"duplicate", "POST", `{"id":7,"name":"again","size_limit":5}`, 409, ""},
		{"bad strategy", "POST", `{"name":"x","size_limit":5,"join_strategy":"MAGIC"}`, 400, "MAGIC"},
		{"no size", "POST", `{"name":"x","size_limit":0}`, 400, "size limit"},
		{"listed", "GET", "", 200, `"name":"big"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(t, tc.method, f.base+"/v1/group-types", "secret", tc.body)
			if code != tc.code || !strings.Contains(body, tc.contains) {
				t.Fatalf("%d %s, want %d containing %q", code, body, tc.code, tc.contains)
			}
		})
	}
}
