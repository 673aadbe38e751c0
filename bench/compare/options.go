package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
	"time"
)

// Full-size defaults: the figures issue 5 sets its targets at.
const (
	fullSessions    = 18000 // idle sessions held (a process here may hold at most 20,000 files)
	fullConcurrency = 50    // concurrent dialers in the login scenario
	fullPairs       = 100   // chatting pairs
	fullWindow      = 8     // messages in flight per pair at saturation
	fullRate        = 1000  // messages per second in the fixed-rate chat
	fullMembers     = 500   // group members (the default group type's limit)
	fullOnline      = 200   // group members online
	fullGroupRate   = 20    // group messages per second, from all senders together
	fullSenders     = 4     // group members that send
	fullDuration    = 20 * time.Second
	minDuration     = 4 * time.Second
	firstID         = 100000
)

// sizes are the load figures of one run.
type sizes struct {
	Sessions    int
	Concurrency int
	Pairs       int
	Window      int
	Rate        int
	Members     int
	Online      int
	GroupRate   int
	Senders     int
	Duration    time.Duration // of each timed scenario, and how long idle sessions are held
}

// scaled returns the full-size figures multiplied by scale, each kept at a
// floor where the scenario still means something. Concurrency, window and
// senders are not scaled: they shape the load rather than size it.
func scaled(scale float64) sizes {
	n := func(full, floor int) int { return max(floor, int(math.Round(float64(full)*scale))) }
	return sizes{
		Sessions:    n(fullSessions, 10),
		Concurrency: fullConcurrency,
		Pairs:       n(fullPairs, 2),
		Window:      fullWindow,
		Rate:        n(fullRate, 20),
		Members:     n(fullMembers, 10),
		Online:      n(fullOnline, 5),
		GroupRate:   n(fullGroupRate, 5),
		Senders:     fullSenders,
		Duration:    max(minDuration, time.Duration(float64(fullDuration)*scale).Round(time.Second)),
	}
}

// accounts is how many accounts the run needs: enough for the largest
// scenario, and for the login scenario's pool of ten accounts per dialer
// (so that the dialers seldom pick an account another is logging in: a
// second Turms login on the same device type ends the first).
func (s sizes) accounts() int {
	return max(s.Sessions, 2*s.Pairs, s.Members, s.Online, 10*s.Concurrency)
}

// options are the command line.
type options struct {
	Args        []string // as given, for the document
	Repo        string
	Work        string
	Keep        bool
	Install     bool
	Scale       float64
	Sizes       sizes
	Columns     []string
	Scenarios   []string
	Docs        string
	Password    string
	SourceAddrs string
	FDLimit     uint64
}

// full reports whether the run uses the full-size figures, the only ones
// worth writing to docs/benchmarks.md.
func (o options) full() bool { return o.Sizes == scaled(1) }

func parseFlags(args []string) (options, error) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	o := options{Args: args}
	fs.StringVar(&o.Repo, "repo", ".", "hermod's source tree (builds cmd/hermod from it)")
	fs.StringVar(&o.Work, "work", "", "working directory for configs, data and results (default: a new temporary directory)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the working directory afterwards")
	fs.BoolVar(&o.Install, "install", true, "install prosody and ejabberd with apt-get when missing")
	fs.Float64Var(&o.Scale, "scale", 1, "multiply every load figure by this (0.05 gives a quick run of a few minutes)")
	sessions := fs.Int("sessions", 0, "idle sessions held (default 18000 × scale)")
	concurrency := fs.Int("concurrency", 0, "concurrent dialers in the login scenario (default 50)")
	pairs := fs.Int("pairs", 0, "chatting pairs (default 100 × scale)")
	window := fs.Int("window", 0, "messages in flight per pair at saturation (default 8)")
	rate := fs.Int("rate", 0, "messages per second in the fixed-rate chat (default 1000 × scale)")
	members := fs.Int("members", 0, "group members (default 500 × scale)")
	online := fs.Int("online", 0, "group members online (default 200 × scale)")
	groupRate := fs.Int("group-rate", 0, "group messages per second, all senders together (default 20 × scale)")
	senders := fs.Int("senders", 0, "group members that send (default 4)")
	duration := fs.Duration("duration", 0, "length of each timed scenario and of the idle hold (default 20s × scale, at least 4s)")
	columns := fs.String("servers", strings.Join(columnNames, ","), "servers to measure, in this order")
	scenarios := fs.String("scenarios", strings.Join(scenarioNames(), ","), "scenarios to run")
	fs.StringVar(&o.Docs, "docs", "", "write the table with the machine's description to this file (default docs/benchmarks.md in a full-size run, nowhere in a scaled one; - for nowhere)")
	fs.StringVar(&o.Password, "password", "compare-secret", "password of every account")
	fs.StringVar(&o.SourceAddrs, "source-addrs", "127.0.0.1-127.0.0.40", "client source addresses, spread over to get past one address's ports")
	fs.Uint64Var(&o.FDLimit, "fd-limit", 20000, "open-file limit (soft and hard) of each server process, and of the load tool")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.Scale <= 0 {
		return o, errors.New("--scale must be positive")
	}
	o.Sizes = scaled(o.Scale)
	for _, f := range []struct {
		v   int
		dst *int
	}{
		{*sessions, &o.Sizes.Sessions}, {*concurrency, &o.Sizes.Concurrency}, {*pairs, &o.Sizes.Pairs},
		{*window, &o.Sizes.Window}, {*rate, &o.Sizes.Rate}, {*members, &o.Sizes.Members},
		{*online, &o.Sizes.Online}, {*groupRate, &o.Sizes.GroupRate}, {*senders, &o.Sizes.Senders},
	} {
		if f.v < 0 {
			return o, errors.New("load figures must not be negative")
		}
		if f.v > 0 {
			*f.dst = f.v
		}
	}
	if *duration > 0 {
		o.Sizes.Duration = *duration
	}
	if o.Sizes.Online > o.Sizes.Members {
		return o, fmt.Errorf("--online %d exceeds --members %d", o.Sizes.Online, o.Sizes.Members)
	}
	if o.Sizes.Online < 2 || o.Sizes.Senders > o.Sizes.Online {
		return o, fmt.Errorf("the group needs at least 2 online and no more senders (%d) than online (%d)", o.Sizes.Senders, o.Sizes.Online)
	}
	var err error
	if o.Columns, err = pick(*columns, columnNames); err != nil {
		return o, fmt.Errorf("--servers: %w", err)
	}
	if o.Scenarios, err = pick(*scenarios, scenarioNames()); err != nil {
		return o, fmt.Errorf("--scenarios: %w", err)
	}
	switch {
	case o.Docs == "-":
		o.Docs = ""
	case o.Docs == "" && o.full():
		o.Docs = "docs/benchmarks.md"
	}
	return o, nil
}

// pick splits a comma-separated list and checks each name against known.
func pick(list string, known []string) ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found := false
		for _, k := range known {
			found = found || k == name
		}
		if !found {
			return nil, fmt.Errorf("unknown %q (known: %s)", name, strings.Join(known, ", "))
		}
		out = append(out, name)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}
