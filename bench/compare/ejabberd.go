package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// ejabberdSettings are what the comparison sets in ejabberd's config.
type ejabberdSettings struct {
	Dir      string // its own directory: config, ctl config, mnesia spool, logs
	Domain   string
	Node     string // its own Erlang node name
	Port     int    // plain c2s
	DistPort int    // Erlang distribution, so no epmd is needed
	MaxPorts uint64 // Erlang's port (file) limit: the process's fd limit
	Queue    int    // max_fsm_queue
	// MUCDomain is its MUC service; RoomSize the most occupants a room
	// takes (ejabberd's default, 200, would cap the group scenario).
	MUCDomain string
	RoomSize  int
}

func (s ejabberdSettings) ConfigDir() string  { return filepath.Join(s.Dir, "etc") }
func (s ejabberdSettings) ConfigPath() string { return filepath.Join(s.ConfigDir(), "ejabberd.yml") }
func (s ejabberdSettings) CtlPath() string    { return filepath.Join(s.ConfigDir(), "ejabberdctl.cfg") }
func (s ejabberdSettings) Spool() string      { return filepath.Join(s.Dir, "spool") }
func (s ejabberdSettings) Logs() string       { return filepath.Join(s.Dir, "log") }
func (s ejabberdSettings) Accounts() string   { return filepath.Join(s.Dir, "accounts.xml") }

// ejabberdConfig is the whole configuration: loopback only, plain c2s,
// SCRAM-SHA-1 storage (ejabberd 23.01 always uses 4096 iterations; there is
// no option), every message archived, no shaper on the listener.
var ejabberdConfig = template.Must(template.New("ejabberd").Parse(`# Written by hermod's bench/compare for one benchmark run.
hosts:
  - "{{.Domain}}"
loglevel: warning
log_rotate_count: 0
hide_sensitive_log_data: true

listen:
  -
    port: {{.Port}}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: false
    starttls_required: false
    access: c2s
    max_stanza_size: 262144
    shaper: none

auth_method: internal
auth_password_format: scram
auth_scram_hash: sha
disable_sasl_mechanisms: ["X-OAUTH2"]

# Queues as generous as hermod's send queue; no shapers anywhere.
max_fsm_queue: {{.Queue}}
shaper: {}
shaper_rules: {}
registration_timeout: infinity

access_rules:
  c2s:
    allow: all

modules:
  mod_roster: {}
  mod_disco: {}
  mod_ping: {}
  mod_time: {}
  mod_version: {}
  mod_vcard: {}
  mod_privacy: {}
  mod_blocking: {}
  mod_offline: {}
  mod_mam:
    default: always
  # Rooms for the group scenario (the first occupant creates one): every
  # room message archived (mod_mam, room option mam), as hermod archives
  # every group message; rooms persistent; no in-memory discussion history
  # (hermod keeps none: it serves history from the archive, and the load
  # tool asks for none); no shapers, no message interval; room size above
  # the group's.
  mod_muc:
    host: "{{.MUCDomain}}"
    access_create: all
    max_users: {{.RoomSize}}
    history_size: 0
    min_message_interval: 0
    min_presence_interval: 0
    room_shaper: none
    user_message_shaper: none
    user_presence_shaper: none
    default_room_options:
      persistent: true
      mam: true
      max_users: {{.RoomSize}}
`))

// ejabberdCtlConfig is the file ejabberdctl sources: its own node name,
// a fixed distribution port (no epmd), and the port limit.
var ejabberdCtlConfig = template.Must(template.New("ejabberdctl").Parse(`# Written by hermod's bench/compare for one benchmark run.
ERLANG_NODE={{.Node}}
ERL_DIST_PORT={{.DistPort}}
INET_DIST_INTERFACE=127.0.0.1
ERL_EPMD_ADDRESS=127.0.0.1
ERL_MAX_PORTS={{.MaxPorts}}
POLL=true
EJABBERD_BYPASS_WARNINGS=true
`))

func renderEjabberdConfig(s ejabberdSettings) (yml, ctl string, err error) {
	var a, b strings.Builder
	if err := ejabberdConfig.Execute(&a, s); err != nil {
		return "", "", err
	}
	if err := ejabberdCtlConfig.Execute(&b, s); err != nil {
		return "", "", err
	}
	return a.String(), b.String(), nil
}

// ejabberd is the ejabberd column.
type ejabberd struct {
	env  *environment
	set  ejabberdSettings
	proc *process
}

func (e *ejabberd) Title() string    { return "ejabberd " + e.env.versions["ejabberd"] }
func (e *ejabberd) Protocol() string { return "xmpp" }
func (e *ejabberd) Target() string   { return fmt.Sprintf("127.0.0.1:%d", e.set.Port) }
func (e *ejabberd) PID() int         { return e.proc.pid }

func (e *ejabberd) Prepare(ctx context.Context) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	e.set = ejabberdSettings{
		Dir: filepath.Join(e.env.work, "ejabberd"), Domain: domain,
		Node: fmt.Sprintf("hermodcompare%d@localhost", os.Getpid()),
		Port: ports[0], DistPort: ports[1],
		MaxPorts: e.env.fdLimit, Queue: sendQueue,
		MUCDomain: mucDomain, RoomSize: max(200, len(e.env.ids)),
	}
	for _, d := range []string{e.set.ConfigDir(), e.set.Spool(), e.set.Logs()} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return err
		}
	}
	yml, ctl, err := renderEjabberdConfig(e.set)
	if err != nil {
		return err
	}
	if err := os.WriteFile(e.set.ConfigPath(), []byte(yml), 0o640); err != nil {
		return err
	}
	if err := os.WriteFile(e.set.CtlPath(), []byte(ctl), 0o640); err != nil {
		return err
	}
	creds, err := e.env.credentials(ctx)
	if err != nil {
		return err
	}
	if err := writePIEFXIS(e.set.Accounts(), domain, creds); err != nil {
		return err
	}
	return chownTree(e.set.Dir, "ejabberd")
}

func (e *ejabberd) Start(ctx context.Context) error {
	// ejabberdctl runs the VM as the ejabberd user (started as that user,
	// see asUser); its own config dir keeps Debian's /etc/ejabberd out.
	argv := append(e.ctl(), "foreground")
	proc, err := startProcess("ejabberd", argv, nil, e.set.Dir, filepath.Join(e.set.Dir, "console.log"), "ejabberd")
	if err != nil {
		return err
	}
	e.proc = proc
	root := proc.cmd.Process.Pid
	err = proc.waitReady(ctx, 120*time.Second, func() error {
		if proc.pid == root {
			pid, err := findDescendant(root, "beam.smp", e.set.Node)
			if err != nil {
				return fmt.Errorf("no Erlang VM yet: %w", err)
			}
			proc.pid = pid
		}
		return dialReady(e.Target())()
	})
	if err != nil {
		return err
	}
	// The listener opens before every command is registered: the import
	// must wait for the node to say it has started.
	return proc.waitReady(ctx, 120*time.Second, func() error {
		out, err := e.ctlCommand(ctx, "status").CombinedOutput()
		if err != nil {
			return fmt.Errorf("ejabberdctl status: %v: %s", err, firstLine(string(out)))
		}
		return nil
	})
}

// ctlCommand is an ejabberdctl command to this node, run as the ejabberd
// user.
func (e *ejabberd) ctlCommand(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ejabberdctl", append(e.ctl()[1:], args...)...)
	cmd.Dir = e.set.Dir
	cmd.Env = serverEnviron()
	asUser(cmd, "ejabberd") // the user exists: Start ran as it
	return cmd
}

// ctl is ejabberdctl with this instance's own config dir, ctl config,
// logs, spool and node, so Debian's /etc/ejabberd plays no part.
func (e *ejabberd) ctl() []string {
	return []string{"ejabberdctl", "--config-dir", e.set.ConfigDir(), "--config", e.set.ConfigPath(),
		"--ctl-config", e.set.CtlPath(), "--logs", e.set.Logs(), "--spool", e.set.Spool(),
		"--node", e.set.Node}
}

// Provision imports the accounts with their SCRAM keys from a XEP-0227
// file in one ejabberdctl call (import_piefxis): registering them one by
// one, through mod_http_api or ejabberdctl, has ejabberd derive each key in
// Erlang, which took over four minutes for 18,000 here.
func (e *ejabberd) Provision(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	out, err := e.ctlCommand(ctx, "--no-timeout", "import_piefxis", e.set.Accounts()).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ejabberdctl import_piefxis: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if err := checkLogin(e.Target(), e.env.ids[len(e.env.ids)-1], e.env.password); err != nil {
		return fmt.Errorf("the imported accounts do not log in (%w); see %s", err, e.set.Logs())
	}
	return nil
}

// writePIEFXIS writes the accounts as a XEP-0227 document whose users
// carry SCRAM credentials (stored key, server key, salt, iteration count)
// rather than passwords. ejabberd keeps the three values base64-encoded in
// its SCRAM record, and its 23.01 import decodes the file's base64 once
// into that record as it is; so each value is written base64-encoded twice
// (Provision checks that a login works).
func writePIEFXIS(path, host string, creds []credential) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "<?xml version='1.0' encoding='UTF-8'?>\n<server-data xmlns='urn:xmpp:pie:0'>\n<host jid='%s'>\n", host)
	for _, c := range creds {
		fmt.Fprintf(w, "<user name='%d'><scram-credentials xmlns='urn:xmpp:pie:0#scram' mechanism='SCRAM-SHA-1'>"+
			"<iter-count>%d</iter-count><salt>%s</salt><server-key>%s</server-key><stored-key>%s</stored-key>"+
			"</scram-credentials></user>\n",
			c.ID, c.Iterations, b64twice([]byte(c.Salt)), b64twice(c.ServerKey), b64twice(c.StoredKey))
	}
	w.WriteString("</host>\n</server-data>\n")
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func b64twice(b []byte) string {
	enc := base64.StdEncoding
	return enc.EncodeToString([]byte(enc.EncodeToString(b)))
}

// groupArgs has the group scenario's occupants meet in one room of its MUC
// service.
func (e *ejabberd) groupArgs() []string { return []string{"--room", benchRoom} }

func (e *ejabberd) Stop() error {
	if e.proc == nil {
		return nil
	}
	return e.proc.stop(60 * time.Second)
}
