package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// setupAllowance bounds provisioning, logging in and ramping up; with the
// duration and the drain it makes the run's hard deadline.
const setupAllowance = 10 * time.Minute

// runner is the state of one run.
type runner struct {
	cfg    *Config
	log    io.Writer
	conn   *connector
	dialer *dialer
	accts  []*account
	epoch  time.Time
	marker []byte

	logins    atomic.Int64
	sent      atomic.Int64
	delivered atomic.Int64
	held      atomic.Int64
	errs      errorLog
	loginLat  latency
	msgLat    latency
	noFiles   atomic.Bool // the file limit was hit: dial no more
	closing   atomic.Bool // sessions are being closed on purpose
	phase     atomic.Value
	peakRSS   atomic.Int64
	toolPeak  atomic.Int64
	flows     []*flow
	// fanout is how many deliveries one message makes: 1 in chat, the
	// online members but the sender in group.
	fanout int
	// loginTime is how long loginAll took in all.
	loginTime time.Duration
	// afterLogin, when set, runs on each new session before its reader
	// starts (joining a MUC room).
	afterLogin func(i int, s session) error
	// cpuFrom and cpuTo delimit the measured phase for the target's CPU:
	// the whole run for idle, the timed logins after the warm-up, the
	// sending (not the logins before it nor the drain after it) for chat
	// and group.
	cpuFrom, cpuTo cpuMark
	// deliveredInWindow is what was delivered while the load ran, the
	// numerator of messages_per_s (the drain after it is not timed).
	deliveredInWindow int64
	readers           sync.WaitGroup
	sessionsMu        sync.Mutex
	sessions          []session
}

func (r *runner) now() time.Duration { return time.Since(r.epoch) }

func (r *runner) setPhase(p string) { r.phase.Store(p) }

func (r *runner) fail(err error) {
	if errors.Is(err, ErrNoFiles) && !r.noFiles.Swap(true) {
		fmt.Fprintf(r.log, "bench: %v; no more logins\n", ErrNoFiles)
	}
	r.errs.add(err)
}

// Run runs the scenario of cfg and returns what it measured. It writes
// progress lines to progress. The run stops by itself: at the latest
// after the set-up allowance, the duration and the drain.
func Run(ctx context.Context, cfg Config, progress io.Writer) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if limit, err := raiseFileLimit(); err != nil {
		fmt.Fprintf(progress, "bench: could not raise the open-file limit (now %d): %v\n", limit, err)
	} else if need := uint64(cfg.wantSessions()) + 64; limit < need {
		fmt.Fprintf(progress, "bench: the open-file limit is %d, below the %d this run needs: it will stop at the limit\n", limit, need)
	}
	ctx, cancel := context.WithTimeout(ctx, setupAllowance+cfg.Duration+cfg.Drain+10*time.Second)
	defer cancel()

	r := &runner{cfg: &cfg, log: progress, epoch: time.Now(), marker: newMarker(), loginLat: newLatency(), msgLat: newLatency()}
	r.setPhase("setup")
	var err error
	if r.accts, err = r.accounts(ctx); err != nil {
		return nil, err
	}
	r.dialer = newDialer(cfg.SourceAddrs, cfg.Timeout)
	r.conn = newConnector(&cfg, r.dialer)
	defer r.conn.close()

	self, _ := readProc(os.Getpid())
	var base procSample
	if cfg.PID != 0 {
		if base, err = readProc(cfg.PID); err != nil {
			return nil, fmt.Errorf("sampling --pid %d: %w", cfg.PID, err)
		}
		r.peakRSS.Store(base.rss)
	}
	start := time.Now()
	r.cpuFrom = cpuMark{at: start, cpu: base.cpu}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(2)
	go func() { defer bg.Done(); r.sample(stop) }()
	go func() { defer bg.Done(); r.report(stop, start) }()

	var measured time.Duration
	var scenarioErr error
	switch cfg.Scenario {
	case "idle":
		measured, scenarioErr = r.idle(ctx)
	case "login":
		measured, scenarioErr = r.login(ctx)
	case "chat":
		measured, scenarioErr = r.chat(ctx)
	case "group":
		measured, scenarioErr = r.group(ctx)
	}
	held := int(r.held.Load())
	var end procSample
	if cfg.PID != 0 {
		if end, err = readProc(cfg.PID); err != nil {
			r.errs.add(fmt.Errorf("the target process %d is gone: %w", cfg.PID, err))
		}
		r.peakRSS.Store(max(r.peakRSS.Load(), end.rss))
	}
	if r.cpuTo.at.IsZero() {
		r.cpuTo = cpuMark{at: time.Now(), cpu: end.cpu}
	}
	r.setPhase("closing")
	close(stop)
	bg.Wait()
	r.closeAll()
	selfEnd, _ := readProc(os.Getpid())

	res := &Result{
		Scenario: cfg.Scenario, Protocol: cfg.Protocol, Transport: cfg.Transport, Target: cfg.Target,
		DurationS: measured.Seconds(), SessionsRequested: cfg.wantSessions(), SessionsHeld: held,
		Logins: r.logins.Load(), MessagesSent: r.sent.Load(), MessagesDelivered: r.delivered.Load(), DeliveriesPerMessage: r.fanout,
		Errors: r.errs.n.Load(), ErrorSamples: r.errs.list(),
		ToolCPUSeconds: (selfEnd.cpu - self.cpu).Seconds(), ToolRSSBytes: max(r.toolPeak.Load(), selfEnd.rss),
	}
	if res.ErrorSamples == nil {
		res.ErrorSamples = []string{}
	}
	if measured > 0 {
		res.MessagesPerS = float64(r.deliveredInWindow) / measured.Seconds()
	}
	// Logins per second of the timed logins (login), else of the ramp
	// that logged the sessions in.
	if loginTime := r.loginTime; cfg.Scenario == "login" && measured > 0 {
		res.LoginsPerS = float64(res.Logins) / measured.Seconds()
	} else if loginTime > 0 {
		res.LoginsPerS = float64(res.Logins) / loginTime.Seconds()
	}
	lat := &r.loginLat
	res.LatencyOf = "login"
	if cfg.Scenario == "chat" || cfg.Scenario == "group" {
		lat, res.LatencyOf = &r.msgLat, "delivery"
	}
	res.LatencyP50Ms, res.LatencyP90Ms, res.LatencyP99Ms, res.LatencyMaxMs = lat.quantiles()
	if cfg.PID != 0 {
		res.PID = cfg.PID
		res.RSSBaselineBytes, res.RSSPeakBytes = base.rss, r.peakRSS.Load()
		if held > 0 {
			res.RSSPerSessionBytes = (res.RSSPeakBytes - res.RSSBaselineBytes) / int64(held)
		}
		res.CPUSeconds = max(0, r.cpuTo.cpu-r.cpuFrom.cpu).Seconds()
		if wall := r.cpuTo.at.Sub(r.cpuFrom.at); wall > 0 {
			res.CPUPercent = 100 * res.CPUSeconds / wall.Seconds()
		}
	}
	if cfg.JSONFile != "" {
		if err := res.WriteJSON(cfg.JSONFile); err != nil {
			return res, err
		}
	}
	return res, scenarioErr
}

// wantSessions is how many sessions the scenario logs in at once.
func (c *Config) wantSessions() int {
	switch c.Scenario {
	case "idle":
		return c.Sessions
	case "login":
		return c.Concurrency
	case "chat":
		return 2 * c.Pairs
	case "group":
		return c.Online
	}
	return 0
}

// accounts reads or generates the accounts, creating them first when a
// hermod admin API is given.
func (r *runner) accounts(ctx context.Context) ([]*account, error) {
	cfg := r.cfg
	if cfg.AccountsFile != "" {
		return readAccounts(cfg.AccountsFile)
	}
	if cfg.Provision != "" {
		t0 := time.Now()
		n, err := newAdmin(cfg.Provision, cfg.AdminToken).createUsers(ctx, cfg.FirstID, cfg.Users, cfg.Password)
		if err != nil {
			return nil, fmt.Errorf("provisioning accounts: %w", err)
		}
		fmt.Fprintf(r.log, "bench: provisioned %d accounts (%d existed) in %.1fs\n", n, cfg.Users-n, time.Since(t0).Seconds())
	}
	return generatedAccounts(cfg.FirstID, cfg.Users, cfg.Password), nil
}

// sample follows the target's and the tool's peak RSS.
func (r *runner) sample(stop <-chan struct{}) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	self := os.Getpid()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if r.cfg.PID != 0 {
			if s, err := readProc(r.cfg.PID); err == nil && s.rss > r.peakRSS.Load() {
				r.peakRSS.Store(s.rss)
			}
		}
		if s, err := readProc(self); err == nil && s.rss > r.toolPeak.Load() {
			r.toolPeak.Store(s.rss)
		}
	}
}

// report prints a progress line every ReportEvery.
func (r *runner) report(stop <-chan struct{}, start time.Time) {
	if r.cfg.ReportEvery <= 0 {
		return
	}
	t := time.NewTicker(r.cfg.ReportEvery)
	defer t.Stop()
	var lastLogins, lastDelivered int64
	last := start
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			logins, delivered := r.logins.Load(), r.delivered.Load()
			dt := now.Sub(last).Seconds()
			lat := &r.msgLat
			if r.cfg.Scenario == "idle" || r.cfg.Scenario == "login" {
				lat = &r.loginLat
			}
			_, _, p99, _ := lat.quantiles()
			line := fmt.Sprintf("%6.1fs %-8s sessions %d  logins %d (%.0f/s)  sent %d  delivered %d (%.0f/s)  p99 %.1fms  errors %d",
				now.Sub(start).Seconds(), r.phase.Load(), r.held.Load(), logins, float64(logins-lastLogins)/dt,
				r.sent.Load(), delivered, float64(delivered-lastDelivered)/dt, p99, r.errs.n.Load())
			if r.cfg.PID != 0 {
				line += fmt.Sprintf("  target rss %.1f MiB", float64(r.peakRSS.Load())/(1<<20))
			}
			fmt.Fprintln(r.log, line)
			lastLogins, lastDelivered, last = logins, delivered, now
		}
	}
}

// loginAll logs sessions from to n-1 in with Concurrency dialers, at most
// Ramp new sessions a second, and starts their readers. Session i is
// accounts[i] (cycling when there are fewer). Failed logins leave nil.
func (r *runner) loginAll(ctx context.Context, from, n int, onBody func(i int) func([]byte)) []session {
	out := make([]session, n)
	var next atomic.Int64
	next.Store(int64(from))
	start := time.Now()
	var wg sync.WaitGroup
	for range min(r.cfg.Concurrency, n-from) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !over(ctx) && !r.noFiles.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if r.cfg.Ramp > 0 && !sleepUntil(ctx, start.Add(time.Duration(float64(i-from)/r.cfg.Ramp*float64(time.Second)))) {
					return
				}
				s, err := r.loginOne(ctx, r.accts[i%len(r.accts)], i)
				if err != nil {
					if !over(ctx) {
						r.fail(fmt.Errorf("login: %w", err))
					}
					continue
				}
				if r.afterLogin != nil {
					if err := r.afterLogin(i, s); err != nil {
						r.fail(err)
						s.close()
						continue
					}
				}
				out[i] = s
				r.startReader(s, onBody(i))
			}
		}()
	}
	wg.Wait()
	r.loginTime += time.Since(start)
	return out
}

func (r *runner) loginOne(ctx context.Context, a *account, i int) (session, error) {
	t0 := time.Now()
	s, err := r.conn.login(ctx, a, "b"+itoa(i), i/len(r.accts))
	if err != nil {
		return nil, err
	}
	r.loginLat.record(time.Since(t0))
	r.logins.Add(1)
	return s, nil
}

// startReader runs s's read loop until the session ends; the session
// counts as held while it runs.
func (r *runner) startReader(s session, onBody func([]byte)) {
	r.held.Add(1)
	r.sessionsMu.Lock()
	r.sessions = append(r.sessions, s)
	r.sessionsMu.Unlock()
	if onBody == nil {
		onBody = func([]byte) {}
	}
	r.readers.Add(1)
	go func() {
		defer r.readers.Done()
		err := s.readLoop(onBody, r.errs.add)
		r.held.Add(-1)
		if !r.closing.Load() {
			r.errs.add(fmt.Errorf("session ended: %v", err))
		}
	}()
}

// keepalive keeps idle sessions from timing out until ctx ends.
func (r *runner) keepalive(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.sessionsMu.Lock()
		ss := append([]session(nil), r.sessions...)
		r.sessionsMu.Unlock()
		for _, s := range ss {
			s.keepalive()
		}
	}
}

// closeAll ends every session and waits for their readers.
func (r *runner) closeAll() {
	r.closing.Store(true)
	r.sessionsMu.Lock()
	ss := r.sessions
	r.sessions = nil
	r.sessionsMu.Unlock()
	var wg sync.WaitGroup
	const closers = 16
	for w := range closers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ss); i += closers {
				ss[i].close()
			}
		}()
	}
	wg.Wait()
	r.readers.Wait()
}

// over reports whether ctx ended or its deadline passed: ctx.Err() turns
// non-nil only when the deadline's timer has run, which a busy process
// may delay.
func over(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	d, ok := ctx.Deadline()
	return ok && !time.Now().Before(d)
}

// cpuMark is the target's CPU time at an instant.
type cpuMark struct {
	at  time.Time
	cpu time.Duration
}

// markCPU samples the target's CPU time now.
func (r *runner) markCPU() cpuMark {
	m := cpuMark{at: time.Now()}
	if r.cfg.PID != 0 {
		if s, err := readProc(r.cfg.PID); err == nil {
			m.cpu = s.cpu
		}
	}
	return m
}

// abortAll closes every session's connection at once.
func (r *runner) abortAll() {
	r.closing.Store(true)
	r.sessionsMu.Lock()
	ss := append([]session(nil), r.sessions...)
	r.sessionsMu.Unlock()
	for _, s := range ss {
		s.abort()
	}
}

// sleepUntil waits for t or ctx; it reports whether t came.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return !over(ctx)
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	if i == 0 {
		return "0"
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
