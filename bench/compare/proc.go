package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hermod/internal/xmpp/xmpptest"
)

// process is a server started by the comparison, with its output in a log
// file. The measured process (pid) may be a descendant of the started one:
// ejabberdctl runs the Erlang VM under su.
type process struct {
	name string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
	err  error // of cmd.Wait, once done is closed
	pid  int
}

// startProcess starts argv with its output going to logPath, as the system
// user runAs when the comparison runs as root and runAs is not empty.
func startProcess(name string, argv []string, env []string, dir, logPath, runAs string) (*process, error) {
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(serverEnviron(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so that a Ctrl-C of the comparison reaches the
	// server only through Stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := asUser(cmd, runAs); err != nil {
		f.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: f, done: make(chan struct{}), pid: cmd.Process.Pid}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// serverEnviron is this process's environment without HERMOD_ variables:
// each server's settings come from the file the comparison writes alone
// (and hermod refuses variables that name no setting).
func serverEnviron() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HERMOD_") {
			out = append(out, kv)
		}
	}
	return out
}

func lookupUser(name string) (uid, gid uint32, home string, err error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, "", err
	}
	a, _ := strconv.ParseUint(u.Uid, 10, 32)
	b, _ := strconv.ParseUint(u.Gid, 10, 32)
	return uint32(a), uint32(b), u.HomeDir, nil
}

// asUser makes cmd run as the system user name, with that user's home
// (where Erlang keeps its cookie), when the comparison runs as root.
// Starting it so, rather than through su as ejabberdctl would, keeps the
// open-file limit this process set: su's PAM session resets it to 1024.
func asUser(cmd *exec.Cmd, name string) error {
	if name == "" || os.Geteuid() != 0 {
		return nil
	}
	uid, gid, home, err := lookupUser(name)
	if err != nil {
		return err
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	if cmd.Env == nil {
		cmd.Env = serverEnviron()
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "USER="+name, "LOGNAME="+name)
	return nil
}

// openFileLimit is the soft open-file limit a running process has.
func openFileLimit(pid int) (uint64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "limits"))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseUint(f[0], 10, 64)
			}
		}
	}
	return 0, errors.New("no open-file limit in " + string(b))
}

// chownTree gives dir and everything under it to the system user name when
// the comparison runs as root (servers that drop root need their own files).
func chownTree(dir, name string) error {
	if os.Geteuid() != 0 || name == "" {
		return nil
	}
	uid, gid, _, err := lookupUser(name)
	if err != nil {
		return err
	}
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(uid), int(gid))
	})
}

// exited reports whether the started process has ended, with its error.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		if p.err == nil {
			return true, fmt.Errorf("%s exited", p.name)
		}
		return true, fmt.Errorf("%s exited: %w", p.name, p.err)
	default:
		return false, nil
	}
}

// waitReady polls ready until it succeeds, the process ends or timeout
// passes; the log's tail goes into the error so a broken config shows.
func (p *process) waitReady(ctx context.Context, timeout time.Duration, ready func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if dead, err := p.exited(); dead {
			return fmt.Errorf("%w\n%s", err, p.logTail())
		}
		err := ready()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %v\n%s", p.name, timeout, err, p.logTail())
		case <-tick.C:
		}
	}
}

// logTail is the end of the process's output.
func (p *process) logTail() string {
	b, _ := os.ReadFile(p.log.Name())
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return strings.TrimSpace(string(b))
}

// stop ends the server cleanly: SIGTERM to the measured process (all three
// servers shut down on it), then, after grace, SIGKILL to it and to the
// started process.
func (p *process) stop(grace time.Duration) error {
	if dead, _ := p.exited(); dead {
		return nil
	}
	syscall.Kill(p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	syscall.Kill(p.pid, syscall.SIGKILL)
	p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	return fmt.Errorf("%s did not stop within %s of SIGTERM; killed", p.name, grace)
}

// dialReady is a readiness check that a TCP listener accepts.
func dialReady(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// freePorts returns n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// findDescendant finds, under root, a process whose command name is comm
// and whose command line contains marker (ejabberd's VM under su and sh).
func findDescendant(root int, comm, marker string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		c, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if strings.TrimSpace(string(c)) != comm {
			continue
		}
		line, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if !strings.Contains(string(line), marker) || !descends(pid, root) {
			continue
		}
		return pid, nil
	}
	return 0, errors.New("not found")
}

// descends reports whether pid has ancestor among its parents.
func descends(pid, ancestor int) bool {
	for range 64 {
		if pid == ancestor {
			return true
		}
		if pid <= 1 {
			return false
		}
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
		if err != nil {
			return false
		}
		// Fields after the command name, which is in parentheses.
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			return false
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			return false
		}
		pid, _ = strconv.Atoi(f[1])
	}
	return false
}

// checkLogin logs an account in over plain TCP with SCRAM-SHA-1, to make
// sure a server took the accounts as they were provisioned.
func checkLogin(target string, id int64, password string) error {
	c, err := xmpptest.DialTCP(target, domain, false)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Auth("SCRAM-SHA-1", strconv.FormatInt(id, 10), password); err != nil {
		return err
	}
	return c.Bind("")
}

// cpuTicks is the CPU time a process has used, in clock ticks.
func cpuTicks(pid int) (uint64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("unreadable stat")
	}
	// After the command: state is field 3, utime 14, stime 15.
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New("short stat")
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	return u + st, errors.Join(err1, err2)
}

// settle waits until the process has been nearly idle (under a tenth of a
// core) for a second, or at most limit, so that the work one scenario left
// behind (18,000 sessions closing) does not count against the next. It
// returns how long it waited.
func settle(ctx context.Context, pid int, limit time.Duration) time.Duration {
	const window = time.Second
	const quiet = 10 // ticks per second (USER_HZ 100): a tenth of a core
	start := time.Now()
	prev, err := cpuTicks(pid)
	for err == nil && time.Since(start) < limit {
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-time.After(window):
		}
		var now uint64
		if now, err = cpuTicks(pid); err == nil {
			if now-prev < quiet {
				break
			}
			prev = now
		}
	}
	return time.Since(start)
}
