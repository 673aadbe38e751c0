package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xdg-go/scram"
	"go.uber.org/goleak"

	"hermod/internal/config"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestScaled(t *testing.T) {
	tests := []struct {
		scale float64
		want  sizes
	}{
		{1, sizes{Sessions: 18000, Concurrency: 50, Pairs: 100, Window: 8, Rate: 1000, Members: 500, Online: 200, GroupRate: 20, Senders: 4, Duration: 20 * time.Second}},
		{0.05, sizes{Sessions: 900, Concurrency: 50, Pairs: 5, Window: 8, Rate: 50, Members: 25, Online: 10, GroupRate: 5, Senders: 4, Duration: 4 * time.Second}},
		{0.5, sizes{Sessions: 9000, Concurrency: 50, Pairs: 50, Window: 8, Rate: 500, Members: 250, Online: 100, GroupRate: 10, Senders: 4, Duration: 10 * time.Second}},
		// Floors keep each scenario meaningful.
		{0.0001, sizes{Sessions: 10, Concurrency: 50, Pairs: 2, Window: 8, Rate: 20, Members: 10, Online: 5, GroupRate: 5, Senders: 4, Duration: 4 * time.Second}},
	}
	for _, tt := range tests {
		if got := scaled(tt.scale); got != tt.want {
			t.Errorf("scaled(%g) = %+v, want %+v", tt.scale, got, tt.want)
		}
	}
	if got := scaled(1).accounts(); got != 18000 {
		t.Errorf("full run needs %d accounts, want 18000", got)
	}
	if got := (sizes{Sessions: 10, Pairs: 30, Members: 20, Concurrency: 5}).accounts(); got != 60 {
		t.Errorf("accounts for 30 pairs = %d, want 60", got)
	}
}

func TestParseFlags(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !o.full() || o.Docs != "docs/benchmarks.md" || !slices.Equal(o.Columns, columnNames) || !slices.Equal(o.Scenarios, scenarioNames()) {
		t.Errorf("defaults: full %v, docs %q, columns %v, scenarios %v", o.full(), o.Docs, o.Columns, o.Scenarios)
	}
	o, err = parseFlags([]string{"--scale", "0.05", "--sessions", "300", "--duration", "7s", "--servers", "hermod-turms,prosody", "--scenarios", "idle"})
	if err != nil {
		t.Fatal(err)
	}
	if o.full() || o.Docs != "" {
		t.Errorf("a scaled run must not write docs by default: full %v, docs %q", o.full(), o.Docs)
	}
	if o.Sizes.Sessions != 300 || o.Sizes.Duration != 7*time.Second || o.Sizes.Pairs != 5 {
		t.Errorf("sizes = %+v", o.Sizes)
	}
	if !slices.Equal(o.Columns, []string{"hermod-turms", "prosody"}) || !slices.Equal(o.Scenarios, []string{"idle"}) {
		t.Errorf("columns %v, scenarios %v", o.Columns, o.Scenarios)
	}
	if o, _ = parseFlags([]string{"--docs", "-"}); o.Docs != "" {
		t.Errorf("--docs - gave %q", o.Docs)
	}
	for _, bad := range [][]string{
		{"--scale", "0"}, {"--servers", "openfire"}, {"--scenarios", ""}, {"--sessions", "-1"},
		{"--members", "5", "--online", "6"}, {"stray"},
		{"--online", "4", "--senders", "5"}, {"--members", "1", "--online", "1", "--senders", "1"},
	} {
		if _, err := parseFlags(bad); err == nil {
			t.Errorf("parseFlags(%q) accepted", bad)
		}
	}
}

// The config the comparison gives hermod must load as hermod loads it: a
// renamed setting fails here, not in the middle of a run.
func TestHermodConfigLoads(t *testing.T) {
	s := hermodSettings{Dir: t.TempDir(), Domain: domain, MUCDomain: mucDomain, XMPPPort: 15222, TurmsPort: 15510, AdminPort: 15810,
		AdminToken: "tok", Iterations: iterations, Queue: sendQueue}
	text, err := renderHermodConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.ConfigPath(), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(s.ConfigPath(), nil, nil)
	if err != nil {
		t.Fatalf("hermod rejects the comparison's config: %v\n%s", err, text)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"data_dir", cfg.DataDir, s.DataDir()},
		{"xmpp.tcp_addr", cfg.XMPP.TCPAddr, "127.0.0.1:15222"},
		{"xmpp.tls_addr", cfg.XMPP.TLSAddr, ""},
		{"xmpp.ws_addr", cfg.XMPP.WSAddr, ""},
		{"xmpp.require_tls", cfg.XMPP.RequireTLS, false},
		{"xmpp.stanzas_per_second", cfg.XMPP.StanzasPerSecond, 0},
		{"xmpp.muc_domain", cfg.XMPP.MUCDomain, "conference.localhost"},
		{"turms.tcp_addr", cfg.Turms.TCPAddr, "127.0.0.1:15510"},
		{"turms.ws_addr", cfg.Turms.WSAddr, ""},
		{"turms.requests_per_second", cfg.Turms.RequestsPerSecond, 0},
		{"turms.ip_requests_per_second", cfg.Turms.IPRequestsPerSecond, 0},
		{"admin.addr", cfg.Admin.Addr, "127.0.0.1:15810"},
		{"users.scram_iterations", cfg.Users.ScramIterations, 4096},
		{"storage.addr", cfg.Storage.Addr, ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// 4096 is hermod's own default, which the peers are set to match.
func TestIterationsMatchHermod(t *testing.T) {
	if got := config.Default().Users.ScramIterations; got != iterations {
		t.Errorf("hermod's default is %d iterations, the comparison sets %d everywhere", got, iterations)
	}
}

var luaField = regexp.MustCompile(`\["(\w+)"\] = ("(?:[^"\\]|\\.)*"|\d+);`)

// parseProsodyAccount reads back the fields of an account file written by
// prosodyAccount.
func parseProsodyAccount(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range luaField.FindAllStringSubmatch(text, -1) {
		v := m[2]
		if strings.HasPrefix(v, `"`) {
			v = v[1 : len(v)-1]
		}
		out[m[1]] = v
	}
	if !strings.HasPrefix(text, "return {") || len(out) != 4 {
		t.Fatalf("account file is not the expected Lua table:\n%s", text)
	}
	return out
}

// A SCRAM-SHA-1 server holding what the account file says accepts the
// password and nothing else: the keys are right for Prosody to check.
func TestProsodyAccountAuthenticates(t *testing.T) {
	c, err := deriveCredential(100000, "pässword", "0123456789abcdef", 4096)
	if err != nil {
		t.Fatal(err)
	}
	f := parseProsodyAccount(t, prosodyAccount(c))
	iters, _ := strconv.Atoi(f["iteration_count"])
	stored, err1 := hex.DecodeString(f["stored_key"])
	server, err2 := hex.DecodeString(f["server_key"])
	if err := errors.Join(err1, err2); err != nil || iters != 4096 || f["salt"] != "0123456789abcdef" {
		t.Fatalf("fields %v: %v", f, err)
	}
	cred := scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: f["salt"], Iters: iters}, StoredKey: stored, ServerKey: server}
	for _, tt := range []struct {
		password string
		ok       bool
	}{{"pässword", true}, {"password", false}, {"pässword ", false}} {
		if got := scramLogin(t, cred, "100000", tt.password); got != tt.ok {
			t.Errorf("login with %q: %v, want %v", tt.password, got, tt.ok)
		}
	}
}

// scramLogin runs a whole SCRAM-SHA-1 exchange against cred.
func scramLogin(t *testing.T, cred scram.StoredCredentials, user, password string) bool {
	t.Helper()
	srv, err := scram.SHA1.NewServer(func(string) (scram.StoredCredentials, error) { return cred, nil })
	if err != nil {
		t.Fatal(err)
	}
	cl, err := scram.SHA1.NewClient(user, password, "")
	if err != nil {
		t.Fatal(err)
	}
	cc, sc := cl.NewConversation(), srv.NewConversation()
	msg, err := cc.Step("")
	for i := 0; err == nil && !sc.Done(); i++ {
		if msg, err = sc.Step(msg); err != nil || sc.Done() && !sc.Valid() {
			break
		}
		if msg, err = cc.Step(msg); err != nil {
			break
		}
	}
	return err == nil && sc.Valid()
}

func TestLuaString(t *testing.T) {
	for in, want := range map[string]string{
		"abc":        `"abc"`,
		`a"b\c`:      `"a\"b\\c"`,
		"\x00\n\xff": `"\0\10\255"`,
	} {
		if got := luaString(in); got != want {
			t.Errorf("luaString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestProsodyPaths(t *testing.T) {
	for _, tt := range []struct{ host, user, want string }{
		{"localhost", "100000", "d/localhost/accounts/100000.dat"},
		{"bench.example", "a-b", "d/bench%2eexample/accounts/a%2db.dat"},
	} {
		if got := prosodyAccountPath("d", tt.host, tt.user); got != tt.want {
			t.Errorf("path(%s, %s) = %s, want %s", tt.host, tt.user, got, tt.want)
		}
	}
}

func TestWriteProsodyAccounts(t *testing.T) {
	dir := t.TempDir()
	ids := accountIDs(12)
	creds, err := deriveCredentials(context.Background(), ids, "pw", 4096)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeProsodyAccounts(dir, domain, creds); err != nil {
		t.Fatal(err)
	}
	salts := map[string]bool{}
	for _, id := range ids {
		b, err := os.ReadFile(prosodyAccountPath(dir, domain, strconv.FormatInt(id, 10)))
		if err != nil {
			t.Fatal(err)
		}
		f := parseProsodyAccount(t, string(b))
		salts[f["salt"]] = true
		stored, _ := hex.DecodeString(f["stored_key"])
		server, _ := hex.DecodeString(f["server_key"])
		cred := scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: f["salt"], Iters: 4096}, StoredKey: stored, ServerKey: server}
		if !scramLogin(t, cred, strconv.FormatInt(id, 10), "pw") {
			t.Errorf("account %d does not authenticate", id)
		}
	}
	if len(salts) != len(ids) {
		t.Errorf("%d salts for %d accounts: each needs its own", len(salts), len(ids))
	}
}

func TestDeriveCredentialsStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := deriveCredentials(ctx, accountIDs(100), "pw", 4096); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled derivation: %v", err)
	}
}

// The XEP-0227 file ejabberd imports holds, per user, SCRAM credentials
// that authenticate the password.
func TestPIEFXIS(t *testing.T) {
	ids := accountIDs(3)
	creds, err := deriveCredentials(context.Background(), ids, "pw", 4096)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "accounts.xml")
	if err := writePIEFXIS(path, domain, creds); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var doc struct {
		XMLName xml.Name `xml:"urn:xmpp:pie:0 server-data"`
		Host    struct {
			JID   string `xml:"jid,attr"`
			Users []struct {
				Name  string `xml:"name,attr"`
				Scram struct {
					XMLName   xml.Name `xml:"urn:xmpp:pie:0#scram scram-credentials"`
					Mechanism string   `xml:"mechanism,attr"`
					Iter      int      `xml:"iter-count"`
					Salt      string   `xml:"salt"`
					ServerKey string   `xml:"server-key"`
					StoredKey string   `xml:"stored-key"`
				} `xml:"scram-credentials"`
			} `xml:"user"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if doc.Host.JID != domain || len(doc.Host.Users) != len(ids) {
		t.Fatalf("host %q with %d users", doc.Host.JID, len(doc.Host.Users))
	}
	for i, u := range doc.Host.Users {
		// Encoded twice: once for the file, once as ejabberd stores them.
		salt, err1 := unb64twice(u.Scram.Salt)
		stored, err2 := unb64twice(u.Scram.StoredKey)
		server, err3 := unb64twice(u.Scram.ServerKey)
		if err := errors.Join(err1, err2, err3); err != nil || u.Name != strconv.FormatInt(ids[i], 10) ||
			u.Scram.Mechanism != "SCRAM-SHA-1" || u.Scram.Iter != 4096 {
			t.Fatalf("user %d: %+v: %v", i, u, err)
		}
		cred := scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: u.Scram.Iter}, StoredKey: stored, ServerKey: server}
		if !scramLogin(t, cred, u.Name, "pw") || scramLogin(t, cred, u.Name, "pW") {
			t.Errorf("user %s's credentials do not check the password", u.Name)
		}
	}
}

// Where Lua is installed (it comes with Prosody), Lua itself must read
// the config and an account file.
func unb64twice(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(string(b))
}

func TestProsodyFilesAreLua(t *testing.T) {
	lua, err := exec.LookPath("lua5.4")
	if err != nil {
		const how = "lua5.4 not installed (apt-get install lua5.4, or prosody, which brings it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(how)
		}
		t.Skip(how)
	}
	dir := t.TempDir()
	cfg, err := renderProsodyConfig(prosodySettings{Dir: dir, Domain: domain, MUCDomain: mucDomain, Port: 15222, Iterations: 4096})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := deriveCredential(1, "pw", "salt\x01\"x", 4096)
	acct := prosodyAccount(c)
	os.WriteFile(filepath.Join(dir, "cfg.lua"), []byte(cfg), 0o600)
	os.WriteFile(filepath.Join(dir, "acct.dat"), []byte(acct), 0o600)
	// The config calls VirtualHost and Component, which Prosody defines;
	// what follows Component is that component's (kept apart here, as
	// Prosody does). The account file is a chunk returning a table.
	script := `
local seen, global = { opts = {} }, {}
local env = setmetatable({
	VirtualHost = function(h) seen.host = h end,
	Component = function(h) seen.component = h; return function(plugin) seen.plugin = plugin end end,
}, { __index = function(_, k) return global[k] end, __newindex = function(_, k, v)
	if seen.component then seen.opts[k] = v else global[k] = v end
end })
local f = assert(loadfile(arg[1], "t", env)); f()
assert(seen.host == "localhost", "host")
assert(global.default_iteration_count == 4096, "iterations")
assert(global.c2s_require_encryption == false, "encryption")
assert(global.c2s_ports[1] == 15222, "port")
assert(global.default_archive_policy == true and global.modules_enabled[9] == "mam", "archive policy")
assert(seen.component == "conference.localhost" and seen.plugin == "muc", "muc component")
local o = seen.opts
assert(o.modules_enabled[1] == "muc_mam" and o.muc_log_all_rooms == true and o.muc_log_expires_after == "never", "room archive")
assert(o.muc_room_default_persistent == true and o.muc_room_default_history_length == 0, "room defaults")
local a = assert(loadfile(arg[2], "t", {}))()
assert(a.iteration_count == 4096 and a.salt == "salt\1\"x" and #a.stored_key == 40 and #a.server_key == 40, "account")
print("ok")`
	os.WriteFile(filepath.Join(dir, "check.lua"), []byte(script), 0o600)
	out, err := exec.Command(lua, filepath.Join(dir, "check.lua"), filepath.Join(dir, "cfg.lua"), filepath.Join(dir, "acct.dat")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("lua: %v\n%s", err, out)
	}
}

func TestEjabberdConfig(t *testing.T) {
	s := ejabberdSettings{Dir: "/w", Domain: domain, Node: "n@localhost", Port: 15222, DistPort: 15999, MaxPorts: 20000, Queue: 10000,
		MUCDomain: mucDomain, RoomSize: 600}
	yml, ctl, err := renderEjabberdConfig(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"port: 15222\n    ip: \"127.0.0.1\"\n    module: ejabberd_c2s",
		"auth_password_format: scram", "auth_scram_hash: sha", "max_fsm_queue: 10000",
		"mod_mam:\n    default: always", "mod_offline: {}",
		"mod_muc:\n    host: \"conference.localhost\"\n", "\n    max_users: 600\n", "history_size: 0",
		"default_room_options:\n      persistent: true\n      mam: true\n      max_users: 600\n",
	} {
		if !strings.Contains(yml, want) {
			t.Errorf("ejabberd.yml lacks %q", want)
		}
	}
	if strings.Contains(yml, "\t") {
		t.Error("ejabberd.yml has a tab, which YAML forbids for indentation")
	}
	for _, want := range []string{"ERLANG_NODE=n@localhost\n", "ERL_DIST_PORT=15999\n", "ERL_MAX_PORTS=20000\n"} {
		if !strings.Contains(ctl, want) {
			t.Errorf("ejabberdctl.cfg lacks %q", want)
		}
	}
}

func TestAccountList(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	if err := writeAccountList(path, accountIDs(3), "s3cret"); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	var lines []string
	for s := bufio.NewScanner(f); s.Scan(); {
		lines = append(lines, s.Text())
	}
	if want := []string{"100000 s3cret", "100001 s3cret", "100002 s3cret"}; !slices.Equal(lines, want) {
		t.Errorf("lines %q, want %q", lines, want)
	}
}

func TestForEachAccount(t *testing.T) {
	var mu sync.Mutex
	seen := map[int64]int{}
	ids := accountIDs(500)
	err := forEachAccount(context.Background(), ids, 7, func(id int64) error {
		mu.Lock()
		seen[id]++
		mu.Unlock()
		return nil
	})
	if err != nil || len(seen) != len(ids) {
		t.Fatalf("err %v, %d of %d ids", err, len(seen), len(ids))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("id %d done %d times", id, n)
		}
	}
	boom := errors.New("boom")
	var calls int
	err = forEachAccount(context.Background(), ids, 1, func(id int64) error {
		calls++
		if id == 100010 {
			return boom
		}
		return nil
	})
	if !errors.Is(err, boom) || calls != 11 {
		t.Errorf("err %v after %d calls, want boom after 11", err, calls)
	}
}

func TestUpstreamVersion(t *testing.T) {
	for in, want := range map[string]string{
		"0.12.3-1+deb12u1":        "0.12.3",
		"23.01-1":                 "23.01",
		"1:25.2.3+dfsg-1+deb12u4": "25.2.3",
		"":                        "",
	} {
		if got := upstreamVersion(in); got != want {
			t.Errorf("upstreamVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNumberFindsNestedAndFlatKeys(t *testing.T) {
	d, err := flattenJSON([]byte(`{"messages_per_s": 1234.5, "target": {"cpu_percent": 80, "rss_bytes": {"baseline": 1048576}}, "latency": {"p99": 3}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		keys []string
		want float64
		ok   bool
	}{
		{[]string{"messages_per_s"}, 1234.5, true},
		{[]string{"cpu_percent"}, 80, true},
		{[]string{"rss_baseline_bytes", "rss_bytes.baseline"}, 1048576, true},
		{[]string{"latency_p99_ms", "latency.p99"}, 3, true},
		{[]string{"logins_per_s"}, 0, false},
	} {
		if got, ok := number(d, tt.keys...); got != tt.want || ok != tt.ok {
			t.Errorf("number(%v) = %v, %v; want %v, %v", tt.keys, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		d    int
		want string
	}{{1234567.891, 0, "1,234,568"}, {999, 1, "999.0"}, {1000, 0, "1,000"}, {-1234.5, 1, "-1,234.5"}, {0.5, 2, "0.50"}} {
		if got := formatFloat(tt.f, tt.d); got != tt.want {
			t.Errorf("formatFloat(%v, %d) = %s, want %s", tt.f, tt.d, got, tt.want)
		}
	}
	for ms, want := range map[float64]string{0.123: "0.12", 12.34: "12.3", 178.4: "178"} {
		if got := formatMs(ms); got != want {
			t.Errorf("formatMs(%v) = %s, want %s", ms, got, want)
		}
	}
}

func TestTable(t *testing.T) {
	data := func(s string) map[string]any {
		d, err := flattenJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	s := sizes{Sessions: 1800, Concurrency: 50, Pairs: 5, Window: 8, Rate: 50, Members: 25, Online: 10, GroupRate: 5, Duration: 4 * time.Second}
	r := &report{Sizes: s, Columns: []columnResult{
		{Title: "Prosody 0.12.3", Results: map[string]outcome{
			"idle": {Data: data(`{"sessions_held": 900, "rss_per_session_bytes": 35840, "rss_baseline_bytes": 20971520, "rss_peak_bytes": 52428800, "errors": 0}`)},
			"chat": {Data: data(`{"messages_per_s": 700.4, "latency_p50_ms": 12.25, "latency_p99_ms": 178.4, "cpu_percent": 99.6, "errors": 2}`)},
		}},
		{Title: "ejabberd 23.01", Err: errors.New("start: ejabberd exited\nboom")},
		{Title: "hermod XMPP", Results: map[string]outcome{
			"idle": {Data: data(`{"sessions_held": 900, "rss_baseline_bytes": 10485760, "rss_peak_bytes": 18780160}`)},
			"chat": {Err: "did not finish within 1m4s"},
		}},
		{Title: "hermod Turms", Results: map[string]outcome{
			"idle": {Data: data(`{"sessions_held": 899, "rss_per_session_bytes": 4096, "rss_baseline_bytes": 10485760, "rss_peak_bytes": 14680064, "errors": 1}`)},
			"chat": {Unsupported: true},
		}},
	}}
	want := `| Scenario | Metric | Prosody 0.12.3 | ejabberd 23.01 | hermod XMPP | hermod Turms |
|---|---|--:|--:|--:|--:|
| idle: 1,800 sessions | sessions held | 900 | failed [1] | 900 | 899 |
|  | memory per session (KiB) | 35.0 | failed [1] | 9.0 | 4.0 |
|  | server memory, baseline → peak (MiB) | 20 → 50 | failed [1] | 10 → 18 | 10 → 14 |
|  | errors | 0 | failed [1] | – | 1 |
| chat: 5 pairs, window 8, 4s | messages delivered/s | 700 | failed [1] | failed [2] | n/a |
|  | latency p50 / p99 (ms) | 12.2 / 178 | failed [1] | failed [2] | n/a |
|  | server CPU (% of one core) | 100 | failed [1] | failed [2] | n/a |
|  | errors | 2 | failed [1] | failed [2] | n/a |
`
	if got := r.table([]string{"idle", "chat"}); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
	wantNotes := "\n[1] ejabberd 23.01: start: ejabberd exited boom\n[2] hermod XMPP, chat: did not finish within 1m4s\n"
	if got := r.footnotes(); got != wantNotes {
		t.Errorf("footnotes:\n%q\nwant:\n%q", got, wantNotes)
	}
}

func TestUnsupported(t *testing.T) {
	for _, tt := range []struct {
		log  string
		want bool
	}{
		{"bench: starting\nhermod: the xmpp group scenario (MUC) is not supported yet: use --protocol turms\n", true},
		// A failure whose samples mention it earlier is still a failure.
		{"error_samples: feature not supported by peer\nhermod: 12 of 20 sessions failed\n", false},
		{"", false},
	} {
		if got := unsupported(tt.log); got != tt.want {
			t.Errorf("unsupported(%q) = %v, want %v", tt.log, got, tt.want)
		}
	}
}

func TestFindRepo(t *testing.T) {
	here, _ := filepath.Abs("../..")
	for _, dir := range []string{".", "../..", "../../internal"} {
		if got, err := findRepo(dir); err != nil || got != here {
			t.Errorf("findRepo(%s) = %s, %v; want %s", dir, got, err, here)
		}
	}
	if _, err := findRepo(t.TempDir()); err == nil {
		t.Error("a directory outside the tree was taken for it")
	}
}

func TestOpenFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if got, err := openFileLimit(os.Getpid()); err != nil || got != lim.Cur {
		t.Errorf("openFileLimit = %d, %v; want %d", got, err, lim.Cur)
	}
}

func TestDocument(t *testing.T) {
	o, err := parseFlags([]string{"--scale", "0.05", "--scenarios", "idle"})
	if err != nil {
		t.Fatal(err)
	}
	r := &report{
		Started: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Took: 150 * time.Second, Sizes: o.Sizes,
		Machine:  machine{CPU: "AMD EPYC", Cores: 2, MemoryKB: 24683520, Kernel: "Linux 6.1", OS: "Debian GNU/Linux 12 (bookworm)", Load: "0.12"},
		Versions: map[string]string{"prosody": "0.12.3", "ejabberd": "23.01", "erlang": "25.2.3", "lua": "5.4.4", "hermod": "abc1234", "go": "go1.26.8"},
		Columns:  []columnResult{{Title: "Prosody 0.12.3", Results: map[string]outcome{"idle": {Data: map[string]any{"sessions_held": 900.0}}}}},
	}
	doc := r.document(o)
	for _, want := range []string{
		"`go run ./bench/compare --scale 0.05 --scenarios idle` on 2026-11-30 12:00 UTC (the run took 2m30s)",
		"- CPU: AMD EPYC, 2 cores (`nproc`)\n", "- Memory: 23.5 GiB\n", "- Kernel: Linux 6.1; Debian GNU/Linux 12 (bookworm)\n",
		"- Open files per process: 20,000", "- Load average when the run started: 0.12\n",
		"Prosody 0.12.3 (Lua 5.4.4), ejabberd 23.01 (Erlang/OTP 25.2.3), hermod abc1234 (go1.26.8)",
		"| idle: 900 sessions | sessions held | 900 |\n",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the document lacks %q:\n%s", want, doc)
		}
	}
}

// settle waits out a busy process to its limit and returns early for a
// quiet one.
func TestSettle(t *testing.T) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	busy := settle(context.Background(), os.Getpid(), 2500*time.Millisecond)
	close(stop)
	<-done
	if busy < 2500*time.Millisecond {
		t.Errorf("settle returned after %s while the process spun", busy)
	}
	if quiet := settle(context.Background(), os.Getpid(), 30*time.Second); quiet >= 30*time.Second {
		t.Errorf("settle waited its whole limit for a quiet process")
	}
}

// The group scenario runs over XMPP on every XMPP column, the same load
// everywhere: the peers' occupants meet in one room of their MUC service,
// hermod's join the group the load tool makes over Turms; the Turms column
// has the tool make the group itself.
func TestGroupArgs(t *testing.T) {
	env := &environment{accounts: "/w/accounts.txt", hermod: &hermodNode{set: hermodSettings{
		Dir: "/w/hermod", XMPPPort: 15222, TurmsPort: 15510, AdminPort: 15810,
	}}}
	o, err := parseFlags([]string{"--scale", "0.05", "--senders", "3"})
	if err != nil {
		t.Fatal(err)
	}
	group := scenarioByName("group")
	flagValue := func(args []string, name string) (string, bool) {
		i := slices.Index(args, name)
		if i < 0 || i+1 >= len(args) {
			return "", false
		}
		return args[i+1], true
	}
	load := map[string]string{"--members": "25", "--online": "10", "--senders": "3", "--rate": "5", "--window": "8", "--duration": "4s"}
	tests := []struct {
		column                      string
		protocol, room, turmsTarget string
	}{
		{"prosody", "xmpp", "bench@conference.localhost", ""},
		{"ejabberd", "xmpp", "bench@conference.localhost", ""},
		{"hermod-xmpp", "xmpp", "", "127.0.0.1:15510"},
		{"hermod-turms", "turms", "", ""},
	}
	// A column as it is once its server runs.
	running := func(name string) column {
		c := newColumn(name, env)
		switch c := c.(type) {
		case *prosody:
			c.proc = &process{pid: 42}
		case *ejabberd:
			c.proc = &process{pid: 42}
		case *hermod:
			c.proc = &process{pid: 42}
		}
		return c
	}
	for _, tt := range tests {
		args := benchArgs(o, env, running(tt.column), group, "/w/r.json")
		if args[0] != "bench" || args[1] != "group" {
			t.Errorf("%s: %q", tt.column, args)
		}
		if got, _ := flagValue(args, "--protocol"); got != tt.protocol {
			t.Errorf("%s: --protocol %q, want %q", tt.column, got, tt.protocol)
		}
		if got, ok := flagValue(args, "--room"); got != tt.room || ok != (tt.room != "") {
			t.Errorf("%s: --room %q, want %q", tt.column, got, tt.room)
		}
		if got, ok := flagValue(args, "--turms-target"); got != tt.turmsTarget || ok != (tt.turmsTarget != "") {
			t.Errorf("%s: --turms-target %q, want %q", tt.column, got, tt.turmsTarget)
		}
		for name, want := range load {
			if got, _ := flagValue(args, name); got != want {
				t.Errorf("%s: %s %q, want %q", tt.column, name, got, want)
			}
		}
		// Only the group scenario names a room.
		chat := benchArgs(o, env, running(tt.column), scenarioByName("chat"), "/w/r.json")
		if slices.Contains(chat, "--room") || slices.Contains(chat, "--turms-target") {
			t.Errorf("%s: chat with a group's flags: %q", tt.column, chat)
		}
	}
}
