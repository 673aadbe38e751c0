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
	"strings"
	"sync"
	"sync/atomic"
	"text/template"
	"time"
)

// hermodSettings are what the comparison sets in hermod's config.
type hermodSettings struct {
	Dir        string // its own directory: config, data dir, log
	Domain     string
	MUCDomain  string // where its groups are rooms
	XMPPPort   int
	TurmsPort  int
	AdminPort  int
	AdminToken string
	Iterations int
	Queue      int
}

func (s hermodSettings) DataDir() string    { return filepath.Join(s.Dir, "data") }
func (s hermodSettings) ConfigPath() string { return filepath.Join(s.Dir, "hermod.toml") }
func (s hermodSettings) AdminURL() string   { return fmt.Sprintf("http://127.0.0.1:%d", s.AdminPort) }

// hermodConfig is the whole configuration: loopback only, plain XMPP on
// TCP with SCRAM (no TLS required, as for the peers), Turms over TCP, no
// rate limits, no other listeners. hermod archives every message always.
var hermodConfig = template.Must(template.New("hermod").Parse(`# Written by hermod's bench/compare for one benchmark run.
data_dir = "{{.Dir}}/data"
domain = "{{.Domain}}"

[log]
level = "warn"

[xmpp]
tcp_addr = "127.0.0.1:{{.XMPPPort}}"
tls_addr = ""
ws_addr = ""
wss_addr = ""
require_tls = false
stanzas_per_second = 0
login_failures_per_minute = 0
send_queue = {{.Queue}}
muc_domain = "{{.MUCDomain}}"

[turms]
tcp_addr = "127.0.0.1:{{.TurmsPort}}"
ws_addr = ""
requests_per_second = 0
ip_requests_per_second = 0
login_failures_per_minute = 0
send_queue = {{.Queue}}

[admin]
addr = "127.0.0.1:{{.AdminPort}}"
token = "{{.AdminToken}}"

[users]
scram_iterations = {{.Iterations}}

[storage]
addr = ""
`))

func renderHermodConfig(s hermodSettings) (string, error) {
	var b strings.Builder
	if err := hermodConfig.Execute(&b, s); err != nil {
		return "", err
	}
	return b.String(), nil
}

// hermodNode is one hermod server with its data directory; both hermod
// columns use it, each with a fresh process, so that each is measured from
// its own baseline.
type hermodNode struct {
	set         hermodSettings
	provisioned bool
}

// hermod is a hermod column: the same server measured over one protocol.
type hermod struct {
	env      *environment
	protocol string // xmpp or turms
	proc     *process
}

func (h *hermod) node() *hermodNode { return h.env.hermod }

func (h *hermod) Title() string {
	if h.protocol == "turms" {
		return "hermod Turms"
	}
	return "hermod XMPP"
}
func (h *hermod) Protocol() string { return h.protocol }
func (h *hermod) PID() int         { return h.proc.pid }

func (h *hermod) Target() string {
	if h.protocol == "turms" {
		return fmt.Sprintf("127.0.0.1:%d", h.node().set.TurmsPort)
	}
	return fmt.Sprintf("127.0.0.1:%d", h.node().set.XMPPPort)
}

func (h *hermod) Prepare(context.Context) error {
	if h.env.hermod != nil {
		return nil
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	s := hermodSettings{
		Dir: filepath.Join(h.env.work, "hermod"), Domain: domain, MUCDomain: mucDomain,
		XMPPPort: ports[0], TurmsPort: ports[1], AdminPort: ports[2],
		AdminToken: randomToken(), Iterations: iterations, Queue: sendQueue,
	}
	if err := os.MkdirAll(s.DataDir(), 0o700); err != nil {
		return err
	}
	cfg, err := renderHermodConfig(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(s.ConfigPath(), []byte(cfg), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "admin-token"), []byte(s.AdminToken), 0o600); err != nil {
		return err
	}
	h.env.hermod = &hermodNode{set: s}
	return nil
}

func (h *hermod) Start(ctx context.Context) error {
	s := h.node().set
	proc, err := startProcess("hermod", []string{h.env.hermodBin, "serve", "--config", s.ConfigPath()}, nil,
		s.Dir, filepath.Join(s.Dir, "hermod-"+h.protocol+".log"), "")
	if err != nil {
		return err
	}
	h.proc = proc
	return proc.waitReady(ctx, 60*time.Second, func() error {
		resp, err := http.Get(s.AdminURL() + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("readyz: %s", resp.Status)
		}
		return dialReady(h.Target())()
	})
}

// Provision creates the accounts through the admin API, once for both
// columns: in one batch (POST /v1/users/batch), or, where the API lacks
// it, one POST /v1/users per account, many at once.
func (h *hermod) Provision(ctx context.Context) error {
	n := h.node()
	if n.provisioned {
		return nil
	}
	client := &http.Client{Timeout: 10 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	defer client.CloseIdleConnections()
	post := func(path string, body any) (int, []byte, error) {
		b, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.set.AdminURL()+path, bytes.NewReader(b))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+n.set.AdminToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return resp.StatusCode, msg, nil
	}
	ids := h.env.ids
	code, msg, err := post("/v1/users/batch", map[string]any{
		"first_id": ids[0], "count": len(ids), "password": h.env.password, "name_prefix": "u", "skip_existing": true,
	})
	switch {
	case err != nil:
		return err
	case code == http.StatusCreated:
		n.provisioned = true
		return nil
	case code != http.StatusNotFound && code != http.StatusMethodNotAllowed:
		return fmt.Errorf("POST /v1/users/batch: %d %s", code, msg)
	}
	err = forEachAccount(ctx, ids, 16, func(id int64) error {
		code, msg, err := post("/v1/users", map[string]any{"id": id, "password": h.env.password, "name": fmt.Sprintf("u%d", id)})
		if err != nil {
			return err
		}
		if code != http.StatusCreated && code != http.StatusConflict {
			return fmt.Errorf("POST /v1/users %d: %d %s", id, code, msg)
		}
		return nil
	})
	if err != nil {
		return err
	}
	n.provisioned = true
	return nil
}

// extraBenchArgs give the load tool hermod's admin API, which it uses to
// make a group type for a group larger than the default type holds.
func (h *hermod) extraBenchArgs() []string {
	s := h.node().set
	return []string{"--provision", s.AdminURL(), "--admin-token-file", filepath.Join(s.Dir, "admin-token")}
}

// groupArgs, over XMPP, has the load tool make the group of --members over
// Turms (with the admin API, a group type that holds them all) and the
// online members join it as the room <group id>@conference.<domain>: on
// hermod a room is a group. Over Turms the tool makes the group itself.
func (h *hermod) groupArgs() []string {
	if h.protocol != "xmpp" {
		return nil
	}
	return []string{"--turms-target", fmt.Sprintf("127.0.0.1:%d", h.node().set.TurmsPort), "--muc-domain", mucDomain}
}

func (h *hermod) Stop() error {
	if h.proc == nil {
		return nil
	}
	return h.proc.stop(40 * time.Second)
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
