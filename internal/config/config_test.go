package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hermod.toml")
	os.WriteFile(file, []byte(`
domain = "file.example"
node_id = 3
[turms]
tcp_addr = ":1"
ws_addr = ":2"
heartbeat_timeout = "90s"
[messages]
recall_window = "2m"
`), 0o600)
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse([]string{"--turms-ws-addr", ":4", "--messages-allow-strangers=false"}); err != nil {
		t.Fatal(err)
	}
	env := []string{"HERMOD_TURMS__TCP_ADDR=:3", "HERMOD_NODE_ID=7", "PATH=/bin", "HERMOD_TEST_POSTGRES_DSN=postgres://x"} // a test variable is no setting
	c, err := Load(file, env, fs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"default", c.DataDir, "./hermod-data"},
		{"file", c.Domain, "file.example"},
		{"file duration", c.Turms.HeartbeatTimeout, 90 * time.Second},
		{"file nested", c.Messages.RecallWindow, 2 * time.Minute},
		{"env over file", c.Turms.TCPAddr, ":3"},
		{"env int", c.NodeID, 7},
		{"flag over file", c.Turms.WSAddr, ":4"},
		{"flag bool", c.Messages.AllowStrangers, false},
		{"untouched default", c.Turms.MaxFrameBytes, 16 << 10},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if got := c.SQLitePath(); got != filepath.Join("hermod-data", "hermod.db") {
		t.Errorf("SQLitePath %q", got)
	}
}

func TestRejects(t *testing.T) {
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		toml string
		env  []string
		want string
	}{
		"unknown key":            {toml: "[turms]\ntcp_adr = \":1\"\n", want: "turms.tcp_adr"},
		"bad node":               {toml: "node_id = 300\n", want: "node_id"},
		"low iterations":         {env: []string{"HERMOD_USERS__SCRAM_ITERATIONS=1000"}, want: "scram_iterations"},
		"unknown env":            {env: []string{"HERMOD_NOPE=1"}, want: "HERMOD_NOPE"},
		"bad duration":           {toml: "[turms]\nlogin_timeout = \"soon\"\n", want: "login_timeout"},
		"bad driver":             {toml: "[store]\ndriver = \"mongo\"\n", want: "mongo"},
		"postgres without a dsn": {env: []string{"HERMOD_STORE__DRIVER=postgres"}, want: "store.postgres_dsn"},
		"negative pool":          {env: []string{"HERMOD_STORE__POSTGRES_MAX_CONNS=-1"}, want: "postgres_max_conns"},
		"negative committers":    {env: []string{"HERMOD_STORE__POSTGRES_COMMITTERS=-1"}, want: "postgres_committers"},
	} {
		t.Run(name, func(t *testing.T) {
			path := ""
			if tc.toml != "" {
				path = filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".toml")
				os.WriteFile(path, []byte(tc.toml), 0o600)
			}
			_, err := Load(path, tc.env, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestPostgresStore(t *testing.T) {
	env := []string{"HERMOD_STORE__DRIVER=postgres", "HERMOD_STORE__POSTGRES_DSN=postgres://hermod@db:5432/hermod"}
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	RegisterFlags(fs)
	if err := fs.Parse([]string{"--store-postgres-max-conns=20", "--store-postgres-committers=3"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load("", env, fs)
	if err != nil {
		t.Fatal(err)
	}
	want := StoreConfig{Driver: "postgres", PostgresDSN: "postgres://hermod@db:5432/hermod", PostgresMaxConns: 20, PostgresCommitters: 3}
	if c.Store != want {
		t.Fatalf("%+v, want %+v", c.Store, want)
	}
}

func TestEveryKeyHasAFlagAndHelp(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	RegisterFlags(fs)
	for _, s := range settings() {
		if (s.key != "data_dir" && fs.Lookup(FlagName(s.key)) == nil) || s.help == "" {
			t.Errorf("%s: no flag or no help", s.key)
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration reference in
// step with the Config type.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings() {
		if !strings.Contains(string(readme), "| `"+s.key+"` | `--"+FlagName(s.key)+"` |") {
			t.Errorf("README.md does not document %s", s.key)
		}
	}
}
