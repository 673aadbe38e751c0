package main

import (
	"fmt"
	"time"
)

// scenario is one `hermod bench` run, the same against every server.
type scenario struct {
	Name string // as --scenarios names it
	Kind string // the bench subcommand
	Args func(sizes) []string
	// Rows are the table's metric rows for it.
	Rows func(sizes) []row
	// slack is how long the run may take beyond its nominal duration
	// before it is stopped (logins, setup, draining).
	slack func(sizes) time.Duration
}

func (sc scenario) budget(s sizes) time.Duration { return s.Duration + sc.slack(s) }

func (sc scenario) describe(s sizes) string {
	return fmt.Sprintf("%s (%s)", scenarioTitle(sc.Name, s), sc.Name)
}

func dur(d time.Duration) string { return d.String() }

var scenarios = []scenario{
	{
		Name: "idle", Kind: "idle",
		Args: func(s sizes) []string {
			return []string{"--sessions", fmt.Sprint(s.Sessions), "--concurrency", fmt.Sprint(s.Concurrency), "--duration", dur(s.Duration)}
		},
		Rows: func(s sizes) []row {
			return []row{
				{"sessions held", intMetric("sessions_held")},
				{"memory per session (KiB)", perSessionMetric},
				{"server memory, baseline → peak (MiB)", rssRangeMetric},
			}
		},
		// Logging everyone in: allow 20 logins/s at the least.
		slack: func(s sizes) time.Duration { return time.Duration(s.Sessions/20)*time.Second + time.Minute },
	},
	{
		Name: "login", Kind: "login",
		Args: func(s sizes) []string {
			return []string{"--concurrency", fmt.Sprint(s.Concurrency), "--duration", dur(s.Duration)}
		},
		Rows: func(s sizes) []row {
			return []row{
				{"logins/s", floatMetric("logins_per_s", 0)},
				{"login time p50 / p99 (ms)", latencyMetric},
			}
		},
		slack: func(sizes) time.Duration { return time.Minute },
	},
	{
		Name: "chat", Kind: "chat",
		Args: func(s sizes) []string {
			return []string{"--pairs", fmt.Sprint(s.Pairs), "--window", fmt.Sprint(s.Window), "--duration", dur(s.Duration)}
		},
		Rows: func(s sizes) []row {
			return []row{
				{"messages delivered/s", floatMetric("messages_per_s", 0)},
				{"latency p50 / p99 (ms)", latencyMetric},
				{"server CPU (% of one core)", floatMetric("cpu_percent", 0)},
			}
		},
		slack: func(s sizes) time.Duration { return time.Duration(s.Pairs/10)*time.Second + time.Minute },
	},
	{
		Name: "chat-rate", Kind: "chat",
		Args: func(s sizes) []string {
			// The window only caps messages in flight should the server
			// fall behind the rate.
			return []string{"--pairs", fmt.Sprint(s.Pairs), "--rate", fmt.Sprint(s.Rate), "--window", fmt.Sprint(s.Window), "--duration", dur(s.Duration)}
		},
		Rows: func(s sizes) []row {
			return []row{
				{"messages delivered/s", floatMetric("messages_per_s", 0)},
				{"latency p50 / p99 (ms)", latencyMetric},
				{"server CPU (% of one core)", floatMetric("cpu_percent", 0)},
			}
		},
		slack: func(s sizes) time.Duration { return time.Duration(s.Pairs/10)*time.Second + time.Minute },
	},
	{
		// Where the group is (a MUC room on the peers, hermod's group made
		// over Turms) is the column's part: see groupArgs. The window only
		// caps messages in flight per sender should the server fall behind.
		Name: "group", Kind: "group",
		Args: func(s sizes) []string {
			return []string{"--members", fmt.Sprint(s.Members), "--online", fmt.Sprint(s.Online), "--senders", fmt.Sprint(s.Senders),
				"--rate", fmt.Sprint(s.GroupRate), "--window", fmt.Sprint(s.Window), "--duration", dur(s.Duration)}
		},
		Rows: func(s sizes) []row {
			return []row{
				// Members that logged in (and, over XMPP, joined the
				// room): each message goes to all of them but its sender.
				{"members online", intMetric("sessions_held")},
				{"messages delivered/s (all members)", floatMetric("messages_per_s", 0)},
				{"latency p50 / p99 (ms)", latencyMetric},
				{"server CPU (% of one core)", floatMetric("cpu_percent", 0)},
			}
		},
		slack: func(s sizes) time.Duration { return time.Duration(s.Members/20)*time.Second + time.Minute },
	},
}

// scenarioTitle names a scenario with its load, as the table shows it.
func scenarioTitle(name string, s sizes) string {
	n := func(i int) string { return group3(fmt.Sprint(i)) }
	switch name {
	case "idle":
		return fmt.Sprintf("idle: %s sessions", n(s.Sessions))
	case "login":
		return fmt.Sprintf("login: %s dialers, %s", n(s.Concurrency), s.Duration)
	case "chat":
		return fmt.Sprintf("chat: %s pairs, window %d, %s", n(s.Pairs), s.Window, s.Duration)
	case "chat-rate":
		return fmt.Sprintf("chat: %s pairs at %s msgs/s, %s", n(s.Pairs), n(s.Rate), s.Duration)
	case "group":
		return fmt.Sprintf("group: %s members, %s online, %d senders at %s msgs/s, %s", n(s.Members), n(s.Online), s.Senders, n(s.GroupRate), s.Duration)
	}
	return name
}

func scenarioNames() []string {
	var out []string
	for _, sc := range scenarios {
		out = append(out, sc.Name)
	}
	return out
}

func scenarioByName(name string) scenario {
	for _, sc := range scenarios {
		if sc.Name == name {
			return sc
		}
	}
	panic("unknown scenario " + name)
}
