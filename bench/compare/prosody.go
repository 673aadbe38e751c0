package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// prosodySettings are what the comparison sets in Prosody's config.
type prosodySettings struct {
	Dir        string // its own directory: config, data, pidfile, log
	Domain     string
	MUCDomain  string // its MUC component
	Port       int    // plain c2s
	Iterations int
}

func (s prosodySettings) DataDir() string    { return filepath.Join(s.Dir, "data") }
func (s prosodySettings) ConfigPath() string { return filepath.Join(s.Dir, "prosody.cfg.lua") }

// prosodyConfig is the whole configuration: loopback only, plain c2s with
// SCRAM, every message archived, nothing that would throttle the load.
// Modules are those that match what hermod offers over XMPP (roster,
// disco, ping, time, version, vCard, blocking), plus MAM and offline
// storage; mod_limits is not loaded, so there is no rate limit.
var prosodyConfig = template.Must(template.New("prosody").Parse(`-- Written by hermod's bench/compare for one benchmark run.
pidfile = "{{.Dir}}/prosody.pid"
data_path = "{{.Dir}}/data"
log = { warn = "{{.Dir}}/prosody.log" }
network_backend = "epoll"

interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { {{.Port}} }
c2s_interfaces = { "127.0.0.1" }
c2s_require_encryption = false
s2s_require_encryption = false

-- Only what the comparison measures: no s2s, no HTTP, no rate limits
-- (mod_limits is not loaded), no registration.
modules_enabled = {
	"roster"; "saslauth"; "disco"; "ping"; "time"; "version";
	"vcard_legacy"; "blocklist"; "mam"; "offline";
}
modules_disabled = { "s2s"; "s2s_auth_certs" }

authentication = "internal_hashed"
default_iteration_count = {{.Iterations}}
storage = "internal"

-- Archive every message, as hermod does, and keep it.
default_archive_policy = true
archive_expires_after = "never"
storage_archive_item_limit = 100000000

VirtualHost "{{.Domain}}"

-- Rooms for the group scenario (the first occupant creates one): every
-- room message archived (mod_muc_mam, kept for ever), as hermod archives
-- every group message; rooms persistent, as ejabberd's; no in-memory
-- discussion history (hermod keeps none: it serves history from the
-- archive, and the load tool asks for none). No occupant limit: Prosody's
-- mod_muc has none.
Component "{{.MUCDomain}}" "muc"
	modules_enabled = { "muc_mam" }
	restrict_room_creation = false
	muc_room_default_persistent = true
	muc_room_default_history_length = 0
	muc_log_all_rooms = true
	muc_log_expires_after = "never"
`))

func renderProsodyConfig(s prosodySettings) (string, error) {
	var b strings.Builder
	if err := prosodyConfig.Execute(&b, s); err != nil {
		return "", err
	}
	return b.String(), nil
}

// prosodyEncode is how Prosody's file storage names a host or user
// directory: every byte that is not an ASCII letter or digit becomes %xx
// (lower-case hex).
func prosodyEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

// prosodyAccountPath is where Prosody's internal storage keeps an account.
func prosodyAccountPath(dataDir, host, user string) string {
	return filepath.Join(dataDir, prosodyEncode(host), "accounts", prosodyEncode(user)+".dat")
}

// prosodyAccount renders an account as Prosody's internal_hashed
// authentication reads it: a Lua table with the SCRAM-SHA-1 StoredKey and
// ServerKey in hex, the salt as a string and the iteration count.
func prosodyAccount(c credential) string {
	return fmt.Sprintf("return {\n\t[\"iteration_count\"] = %d;\n\t[\"salt\"] = %s;\n\t[\"server_key\"] = %q;\n\t[\"stored_key\"] = %q;\n};\n",
		c.Iterations, luaString(c.Salt), hex.EncodeToString(c.ServerKey), hex.EncodeToString(c.StoredKey))
}

// luaString quotes s as a Lua string literal, escaping every byte that is
// not printable ASCII as a decimal escape.
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		default:
			b.WriteString("\\" + strconv.Itoa(int(c)))
		}
	}
	b.WriteByte('"')
	return b.String()
}

// writeProsodyAccounts creates the accounts directly in Prosody's file
// storage: Prosody has no bulk API, and creating 18,000 accounts through
// prosodyctl, which derives each key in Lua, would take hours.
func writeProsodyAccounts(dataDir, host string, creds []credential) error {
	dir := filepath.Dir(prosodyAccountPath(dataDir, host, "x"))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	for _, c := range creds {
		path := prosodyAccountPath(dataDir, host, strconv.FormatInt(c.ID, 10))
		if err := os.WriteFile(path, []byte(prosodyAccount(c)), 0o640); err != nil {
			return err
		}
	}
	return nil
}

// prosody is the Prosody column.
type prosody struct {
	env  *environment
	set  prosodySettings
	proc *process
}

func (p *prosody) Title() string    { return "Prosody " + p.env.versions["prosody"] }
func (p *prosody) Protocol() string { return "xmpp" }
func (p *prosody) Target() string   { return fmt.Sprintf("127.0.0.1:%d", p.set.Port) }
func (p *prosody) PID() int         { return p.proc.pid }

func (p *prosody) Prepare(ctx context.Context) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	p.set = prosodySettings{Dir: filepath.Join(p.env.work, "prosody"), Domain: domain, MUCDomain: mucDomain, Port: ports[0], Iterations: iterations}
	if err := os.MkdirAll(p.set.DataDir(), 0o750); err != nil {
		return err
	}
	cfg, err := renderProsodyConfig(p.set)
	if err != nil {
		return err
	}
	if err := os.WriteFile(p.set.ConfigPath(), []byte(cfg), 0o640); err != nil {
		return err
	}
	start := time.Now()
	creds, err := p.env.credentials(ctx)
	if err != nil {
		return err
	}
	if err := writeProsodyAccounts(p.set.DataDir(), domain, creds); err != nil {
		return fmt.Errorf("prosody accounts: %w", err)
	}
	p.env.logf("prosody: %d accounts written to its storage in %s", len(creds), time.Since(start).Round(time.Millisecond))
	return chownTree(p.set.Dir, "prosody")
}

func (p *prosody) Start(ctx context.Context) error {
	// Run as the prosody user (Prosody refuses root); -F keeps it in the
	// foreground, with its pid the one measured.
	proc, err := startProcess("prosody", []string{"prosody", "-F", "--config", p.set.ConfigPath()}, nil,
		p.set.Dir, filepath.Join(p.set.Dir, "console.log"), "prosody")
	if err != nil {
		return err
	}
	p.proc = proc
	return proc.waitReady(ctx, 60*time.Second, dialReady(p.Target()))
}

func (p *prosody) Provision(context.Context) error { return nil } // done in Prepare

// groupArgs has the group scenario's occupants meet in one room of its MUC
// component.
func (p *prosody) groupArgs() []string { return []string{"--room", benchRoom} }

func (p *prosody) Stop() error {
	if p.proc == nil {
		return nil
	}
	return p.proc.stop(30 * time.Second)
}
