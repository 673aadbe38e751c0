package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// machine describes the computer the run measured on.
type machine struct {
	CPU      string
	Cores    int
	MemoryKB int64
	Kernel   string
	OS       string
	// Load is the load average over the minute before the run: a busy
	// machine makes every figure noisy.
	Load string
}

func describeMachine() machine {
	m := machine{Cores: runtime.NumCPU()}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb, err := strconv.ParseInt(strings.TrimSuffix(procField("/proc/meminfo", "MemTotal"), " kB"), 10, 64); err == nil {
		m.MemoryKB = kb
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.OS = osRelease()
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		m.Load = strings.Fields(string(b))[0]
	}
	return m
}

// otherServers lists XMPP servers running on the machine that the
// comparison did not start: they would share the cores with the one
// measured.
func otherServers() []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		line, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(strings.TrimRight(string(line), "\x00"), "\x00")
		if len(args) == 0 {
			continue
		}
		cmd := strings.Join(args, " ")
		name := filepath.Base(args[0])
		switch {
		case strings.HasPrefix(name, "lua") && strings.Contains(cmd, "prosody"),
			name == "beam.smp" && strings.Contains(cmd, "ejabberd"),
			name == "hermod" && len(args) > 1 && args[1] == "serve":
			if len(cmd) > 120 {
				cmd = cmd[:120] + "…"
			}
			out = append(out, fmt.Sprintf("%d %s", pid, cmd))
		}
	}
	return out
}

// procField is the value of the first "key: value" line of a /proc file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func osRelease() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// serverVersions are the versions of everything measured: the Debian
// packages' upstream versions, hermod's git description, Go's version.
func serverVersions(ctx context.Context, repo string) map[string]string {
	v := map[string]string{"go": runtime.Version()}
	for _, p := range []struct{ key, pkg string }{
		{"prosody", "prosody"}, {"ejabberd", "ejabberd"}, {"erlang", "erlang-base"}, {"lua", "lua5.4"},
	} {
		v[p.key] = upstreamVersion(commandOutput(ctx, "", "dpkg-query", "-W", "-f=${Version}", p.pkg))
	}
	v["hermod"] = strings.TrimSpace(commandOutput(ctx, repo, "git", "describe", "--always", "--dirty"))
	return v
}

// upstreamVersion drops a Debian version's epoch and revision:
// "1:25.2.3+dfsg-1+deb12u4" is 25.2.3.
func upstreamVersion(deb string) string {
	deb = strings.TrimSpace(deb)
	if _, after, ok := strings.Cut(deb, ":"); ok {
		deb = after
	}
	if i := strings.LastIndexByte(deb, '-'); i > 0 {
		deb = deb[:i]
	}
	deb, _, _ = strings.Cut(deb, "+")
	return deb
}

// document is docs/benchmarks.md: the machine, the settings, the table.
func (r *report) document(o options) string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "# hermod, Prosody and ejabberd side by side\n\n")
	fmt.Fprintf(&b, "Measured by `go run ./bench/compare%s` on %s (the run took %s). Each server ran alone on the\n",
		flagsNote(o), r.Started.Format("2006-01-02 15:04 MST"), r.Took)
	b.WriteString("machine, configured by the program on loopback with the same settings, and was stopped before the\n")
	b.WriteString("next one started; the load came from `hermod bench` on the same machine.\n\n")
	b.WriteString("## Machine\n\n")
	fmt.Fprintf(&b, "- CPU: %s, %d cores (`nproc`)\n", orUnknown(m.CPU), m.Cores)
	fmt.Fprintf(&b, "- Memory: %.1f GiB\n", float64(m.MemoryKB)/(1<<20))
	fmt.Fprintf(&b, "- Kernel: %s; %s\n", orUnknown(m.Kernel), orUnknown(m.OS))
	fmt.Fprintf(&b, "- Open files per process: %s (each server's limit)\n", group3(fmt.Sprint(o.FDLimit)))
	fmt.Fprintf(&b, "- Load average when the run started: %s\n", orUnknown(m.Load))
	v := r.Versions
	fmt.Fprintf(&b, "- Prosody %s (Lua %s), ejabberd %s (Erlang/OTP %s), hermod %s (%s), all from Debian but hermod\n\n",
		orUnknown(v["prosody"]), orUnknown(v["lua"]), orUnknown(v["ejabberd"]), orUnknown(v["erlang"]), orUnknown(v["hermod"]), v["go"])
	b.WriteString("## Settings, the same for every server\n\n")
	b.WriteString(settingsNote)
	b.WriteString("\n## Results\n\n")
	b.WriteString(r.table(o.Scenarios))
	b.WriteString(r.footnotes())
	b.WriteString("\n" + metricsNote)
	return b.String()
}

func flagsNote(o options) string {
	if len(o.Args) == 0 {
		return ""
	}
	return " " + strings.Join(o.Args, " ")
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

const settingsNote = `- Accounts: the same numeric ids (100000 upwards; the XMPP localpart is the id) and password on
  every server, stored as SCRAM-SHA-1 keys with 4096 PBKDF2 iterations (Prosody
  ` + "`default_iteration_count = 4096`" + `, ejabberd ` + "`auth_password_format: scram`" + ` with its fixed 4096,
  hermod's default). Prosody's accounts are written straight into its storage and ejabberd imports
  them with their keys from a XEP-0227 file, each account with its own salt; hermod's come from its
  admin API's batch route, which derives the key once per batch, so they share one salt (a login
  costs the server the same either way: it checks stored keys).
- Clients log in with SCRAM-SHA-1 over plain TCP on 127.0.0.1: no TLS for anyone.
- Every 1:1 message is archived: Prosody mod_mam with ` + "`default_archive_policy = true`" + ` and no expiry,
  ejabberd mod_mam ` + "`default: always`" + `, hermod always. Offline storage is on everywhere.
- Storage is each server's own default: Prosody's files, ejabberd's Mnesia, hermod's SQLite.
- No rate limits: Prosody without mod_limits, ejabberd without shapers, hermod with
  ` + "`xmpp.stanzas_per_second`" + ` and the Turms request limits at 0; queues per session of 10,000 stanzas
  (ejabberd ` + "`max_fsm_queue`" + `, hermod ` + "`send_queue`" + `; Prosody has no such limit).
- Each server holds at most as many open files as the machine allows one process; client connections
  come from 127.0.0.1 to 127.0.0.40.
- Modules: roster, disco, ping, time, version, vCard, blocking, MAM, offline messages (what hermod
  offers over XMPP); no server-to-server, no HTTP.
`

const metricsNote = `Memory per session is the server's resident memory growth divided by the sessions held; CPU is
the server process's CPU time over the scenario (100% is one core). Latency is from a timestamp in
each message to its arrival; for logins, the time one login takes. n/a: the load tool has no such
scenario for the protocol (groups over XMPP, which need MUC).
`
