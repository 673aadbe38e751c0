package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"
)

// ejabberdSettings are what the comparison sets in ejabberd's config.
type ejabberdSettings struct {
	Dir      string // its own directory: config, ctl config, mnesia spool, logs
	Domain   string
	Node     string // its own Erlang node name
	Port     int    // plain c2s
	APIPort  int    // mod_http_api, to register the accounts
	DistPort int    // Erlang distribution, so no epmd is needed
	MaxPorts uint64 // Erlang's port (file) limit: the process's fd limit
	Queue    int    // max_fsm_queue
}

func (s ejabberdSettings) ConfigDir() string  { return filepath.Join(s.Dir, "etc") }
func (s ejabberdSettings) ConfigPath() string { return filepath.Join(s.ConfigDir(), "ejabberd.yml") }
func (s ejabberdSettings) CtlPath() string    { return filepath.Join(s.ConfigDir(), "ejabberdctl.cfg") }
func (s ejabberdSettings) Spool() string      { return filepath.Join(s.Dir, "spool") }
func (s ejabberdSettings) Logs() string       { return filepath.Join(s.Dir, "log") }

// ejabberdConfig is the whole configuration: loopback only, plain c2s,
// SCRAM-SHA-1 storage (ejabberd 23.01 always uses 4096 iterations; there is
// no option), every message archived, no shaper on the listener, and an
// HTTP API on loopback that may only register accounts.
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
  -
    port: {{.APIPort}}
    ip: "127.0.0.1"
    module: ejabberd_http
    request_handlers:
      /api: mod_http_api

auth_method: internal
auth_password_format: scram
auth_scram_hash: sha
disable_sasl_mechanisms: ["X-OAUTH2"]

# Queues as generous as hermod's send queue; no shapers anywhere.
max_fsm_queue: {{.Queue}}
shaper: {}
shaper_rules: {}
registration_timeout: infinity

acl:
  loopback:
    ip:
      - 127.0.0.0/8

access_rules:
  c2s:
    allow: all

api_permissions:
  "register from loopback":
    from:
      - mod_http_api
    who:
      acl: loopback
    what:
      - register

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
  mod_http_api: {}
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

func (e *ejabberd) Prepare(context.Context) error {
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	e.set = ejabberdSettings{
		Dir: filepath.Join(e.env.work, "ejabberd"), Domain: domain,
		Node: fmt.Sprintf("hermodcompare%d@localhost", os.Getpid()),
		Port: ports[0], APIPort: ports[1], DistPort: ports[2],
		MaxPorts: e.env.fdLimit, Queue: sendQueue,
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
	return chownTree(e.set.Dir, "ejabberd")
}

func (e *ejabberd) Start(ctx context.Context) error {
	// ejabberdctl runs the VM as the ejabberd user (through su when root);
	// its own config dir keeps Debian's /etc/ejabberd out of it.
	argv := []string{"ejabberdctl", "--config-dir", e.set.ConfigDir(), "--config", e.set.ConfigPath(),
		"--ctl-config", e.set.CtlPath(), "--logs", e.set.Logs(), "--spool", e.set.Spool(),
		"--node", e.set.Node, "foreground"}
	proc, err := startProcess("ejabberd", argv, nil, e.set.Dir, filepath.Join(e.set.Dir, "console.log"), "")
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
		if err := dialReady(e.Target())(); err != nil {
			return err
		}
		return dialReady(fmt.Sprintf("127.0.0.1:%d", e.set.APIPort))()
	})
	return err
}

// Provision registers the accounts through mod_http_api, many at once; the
// server derives the SCRAM keys itself, as it would for any registration.
func (e *ejabberd) Provision(ctx context.Context) error {
	url := fmt.Sprintf("http://127.0.0.1:%d/api/register", e.set.APIPort)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	return forEachAccount(ctx, e.env.ids, 16, func(id int64) error {
		body, _ := json.Marshal(map[string]string{"user": strconv.FormatInt(id, 10), "host": domain, "password": e.env.password})
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		// A rerun on the same spool finds the account there: fine.
		if resp.StatusCode != http.StatusOK && !bytes.Contains(msg, []byte("already registered")) {
			return fmt.Errorf("register %d: %s: %s", id, resp.Status, msg)
		}
		return nil
	})
}

func (e *ejabberd) Stop() error {
	if e.proc == nil {
		return nil
	}
	return e.proc.stop(60 * time.Second)
}

// forEachAccount runs fn for every id on workers goroutines and returns the
// first error (after which the rest are not started).
func forEachAccount(ctx context.Context, ids []int64, workers int, fn func(int64) error) error {
	var (
		next     atomic.Int64
		firstErr error
		once     sync.Once
		failed   atomic.Bool
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			for !failed.Load() && ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(ids)) {
					return
				}
				if err := fn(ids[i]); err != nil {
					once.Do(func() { firstErr = err })
					failed.Store(true)
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
