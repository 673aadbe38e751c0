package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// column is one server (and protocol) measured: a column of the table.
type column interface {
	Title() string
	Protocol() string
	Target() string
	PID() int
	// Prepare writes its configuration (and, for Prosody, its accounts).
	Prepare(ctx context.Context) error
	Start(ctx context.Context) error
	// Provision creates the accounts on the running server.
	Provision(ctx context.Context) error
	Stop() error
}

var columnNames = []string{"prosody", "ejabberd", "hermod-xmpp", "hermod-turms"}

func newColumn(name string, env *environment) column {
	switch name {
	case "prosody":
		return &prosody{env: env}
	case "ejabberd":
		return &ejabberd{env: env}
	case "hermod-turms":
		return &hermod{env: env, protocol: "turms"}
	default:
		return &hermod{env: env, protocol: "xmpp"}
	}
}

// run carries out the whole comparison and returns its report, having
// printed the table to out; progress goes to log.
func run(ctx context.Context, o options, out, log io.Writer) (*report, error) {
	env := &environment{password: o.Password, fdLimit: o.FDLimit, log: log}
	if err := setFileLimit(o.FDLimit); err != nil {
		return nil, err
	}
	repo, err := findRepo(o.Repo)
	if err != nil {
		return nil, err
	}
	if env.work = o.Work; env.work == "" {
		if env.work, err = os.MkdirTemp("", "hermod-compare-"); err != nil {
			return nil, err
		}
		if !o.Keep {
			defer os.RemoveAll(env.work)
		}
	} else if err := os.MkdirAll(env.work, 0o755); err != nil {
		return nil, err
	}
	// Prosody and ejabberd run as their own users and must reach their
	// directories inside it.
	if err := os.Chmod(env.work, 0o755); err != nil {
		return nil, err
	}
	env.logf("working in %s", env.work)

	if needsPeers(o.Columns) {
		if err := ensurePeers(ctx, o.Install, env); err != nil {
			return nil, err
		}
	}
	if env.hermodBin, err = buildHermod(ctx, repo, env.work); err != nil {
		return nil, err
	}
	if err := checkBench(ctx, env.hermodBin); err != nil {
		return nil, err
	}
	env.versions = serverVersions(ctx, repo)
	env.ids = accountIDs(o.Sizes.accounts())
	env.accounts = filepath.Join(env.work, "accounts.txt")
	if err := writeAccountList(env.accounts, env.ids, o.Password); err != nil {
		return nil, err
	}

	rep := &report{Sizes: o.Sizes, Scale: o.Scale, Started: time.Now().UTC(), Machine: describeMachine(), Versions: env.versions}
	if others := otherServers(); len(others) > 0 {
		env.logf("warning: other servers run on this machine and will make the figures noisy:\n  %s", strings.Join(others, "\n  "))
	}
	if load, _ := strconv.ParseFloat(rep.Machine.Load, 64); load > 1 {
		env.logf("warning: the machine is busy (load average %s); for figures worth keeping, run on a quiet one", rep.Machine.Load)
	}
	for _, name := range o.Columns {
		if ctx.Err() != nil {
			break
		}
		rep.Columns = append(rep.Columns, measureColumn(ctx, o, env, newColumn(name, env)))
	}
	rep.Took = time.Since(rep.Started).Round(time.Second)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	fmt.Fprintln(out)
	fmt.Fprint(out, rep.table(o.Scenarios))
	fmt.Fprint(out, rep.footnotes())
	if o.Docs != "" {
		path := o.Docs
		if !filepath.IsAbs(path) {
			path = filepath.Join(repo, path)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return rep, err
		}
		if err := os.WriteFile(path, []byte(rep.document(o)), 0o644); err != nil {
			return rep, err
		}
		env.logf("wrote %s", path)
	}
	return rep, nil
}

// measureColumn starts one server alone, creates the accounts, runs every
// scenario against it and stops it.
// A failure to stop is reported with the column (hence the named result,
// which the deferred stop may still change).
func measureColumn(ctx context.Context, o options, env *environment, c column) (res columnResult) {
	res = columnResult{Title: c.Title(), Protocol: c.Protocol(), Results: map[string]outcome{}}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		start := time.Now()
		if err := c.Stop(); err != nil {
			res.Err = errors.Join(res.Err, err)
		}
		env.logf("%s: stopped in %s", c.Title(), time.Since(start).Round(time.Millisecond))
	}
	defer stop()
	env.logf("%s: preparing", c.Title())
	if err := c.Prepare(ctx); err != nil {
		res.Err = fmt.Errorf("prepare: %w", err)
		return res
	}
	start := time.Now()
	if err := c.Start(ctx); err != nil {
		res.Err = fmt.Errorf("start: %w", err)
		return res
	}
	env.logf("%s: up in %s (pid %d, %s)", c.Title(), time.Since(start).Round(time.Millisecond), c.PID(), c.Target())
	// Every server must be able to hold the idle sessions.
	if n, err := openFileLimit(c.PID()); err != nil || n < o.FDLimit {
		res.Err = fmt.Errorf("its open-file limit is %d, not %d (%v)", n, o.FDLimit, err)
		return res
	}
	start = time.Now()
	if err := c.Provision(ctx); err != nil {
		res.Err = fmt.Errorf("accounts: %w", err)
		return res
	}
	env.logf("%s: %d accounts ready in %s", c.Title(), len(env.ids), time.Since(start).Round(time.Millisecond))
	for _, name := range o.Scenarios {
		if ctx.Err() != nil {
			break
		}
		sc := scenarioByName(name)
		if waited := settle(ctx, c.PID(), time.Minute); waited > 2*time.Second {
			env.logf("%s: waited %s for it to go quiet", c.Title(), waited.Round(time.Second))
		}
		env.logf("%s: %s", c.Title(), sc.describe(o.Sizes))
		res.Results[name] = runScenario(ctx, o, env, c, sc)
		if r := res.Results[name]; r.Err != "" {
			env.logf("%s: %s: %s", c.Title(), name, r.Err)
		}
	}
	stop()
	return res
}

// runScenario runs `hermod bench` once against a running server.
func runScenario(ctx context.Context, o options, env *environment, c column, sc scenario) outcome {
	dir := filepath.Join(env.work, "results")
	os.MkdirAll(dir, 0o755)
	base := filepath.Join(dir, strings.ReplaceAll(strings.ToLower(c.Title()), " ", "-")+"-"+sc.Name)
	jsonPath := base + ".json"
	args := benchArgs(o, env, c, sc, jsonPath)
	ctx, cancel := context.WithTimeout(ctx, sc.budget(o.Sizes))
	defer cancel()
	logf, err := os.Create(base + ".log")
	if err != nil {
		return outcome{Err: err.Error()}
	}
	defer logf.Close()
	cmd := exec.CommandContext(ctx, env.hermodBin, args...)
	cmd.Stdout = io.MultiWriter(logf, env.log)
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 10 * time.Second
	runErr := cmd.Run()
	out := outcome{}
	if b, err := os.ReadFile(jsonPath); err == nil {
		out.Data, err = flattenJSON(b)
		if err != nil {
			out.Err = "unreadable result: " + err.Error()
		}
	}
	if runErr != nil {
		log, _ := os.ReadFile(logf.Name())
		switch {
		case ctx.Err() == context.DeadlineExceeded:
			out.Err = fmt.Sprintf("did not finish within %s", sc.budget(o.Sizes))
		case unsupported(string(log)):
			out.Unsupported = true
		default:
			out.Err = lastLine(string(log), runErr)
		}
	} else if out.Data == nil && out.Err == "" {
		out.Err = "no result written"
	}
	return out
}

// benchArgs is the `hermod bench` command line of one scenario.
func benchArgs(o options, env *environment, c column, sc scenario, jsonPath string) []string {
	args := []string{"bench", sc.Kind,
		"--protocol", c.Protocol(), "--transport", "tcp",
		"--target", c.Target(), "--domain", domain,
		"--accounts", env.accounts,
		"--source-addrs", o.SourceAddrs,
		"--pid", fmt.Sprint(c.PID()),
		"--report-every", "5s",
		"--json", jsonPath,
	}
	if x, ok := c.(interface{ extraBenchArgs() []string }); ok {
		args = append(args, x.extraBenchArgs()...)
	}
	if x, ok := c.(interface{ groupArgs() []string }); ok && sc.Kind == "group" {
		args = append(args, x.groupArgs()...)
	}
	return append(args, sc.Args(o.Sizes)...)
}

// unsupported recognises a bench run refused because the load tool lacks
// the scenario for the protocol (as an older one did groups over XMPP).
func unsupported(log string) bool {
	return strings.Contains(lastLine(log, nil), "not supported")
}

// lastLine is the last line of a bench run's output (its error), or err.
func lastLine(log string, err error) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if last := strings.TrimSpace(lines[len(lines)-1]); last != "" || err == nil {
		return last
	}
	return err.Error()
}

// setFileLimit sets this process's open-file limit, soft and hard, which
// every server it starts inherits: a server that raises its own soft limit
// (Go does) gets no further than the others. Setting it also stops Go from
// restoring the original soft limit in children.
func setFileLimit(n uint64) error {
	lim := syscall.Rlimit{Cur: n, Max: n}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		var cur syscall.Rlimit
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur)
		return fmt.Errorf("open-file limit %d: %w (the hard limit is %d)", n, err, cur.Max)
	}
	return nil
}

// findRepo finds hermod's source tree: dir or the nearest parent of it
// with hermod's go.mod.
func findRepo(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(b), "module hermod\n") {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("%s is not in hermod's source tree: run from there or give --repo", dir)
		}
	}
}

// buildHermod builds cmd/hermod from the source tree into dir.
func buildHermod(ctx context.Context, repo, dir string) (string, error) {
	bin := filepath.Join(dir, "bin", "hermod")
	version := strings.TrimSpace(commandOutput(ctx, repo, "git", "describe", "--always", "--dirty"))
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+version, "-o", bin, "./cmd/hermod")
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building hermod: %v\n%s", err, out)
	}
	return bin, nil
}

// checkBench makes sure the binary has the load tool, a subcommand.
func checkBench(ctx context.Context, bin string) error {
	out, err := exec.CommandContext(ctx, bin, "bench", "--help").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "bench") {
		return fmt.Errorf("this hermod has no working `hermod bench` (%v): %s", err, firstLine(string(out)))
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// commandOutput runs a command and returns its standard output, or "" if it
// fails.
func commandOutput(ctx context.Context, dir, name string, args ...string) string {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return string(out)
}
