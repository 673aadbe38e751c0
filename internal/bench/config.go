// Package bench is hermod's load generator: it logs sessions in over XMPP
// (plain TCP, STARTTLS, direct TLS, WebSocket) or the Turms protocol (TCP,
// WebSocket) and measures how many a server holds, how fast it logs users
// in and how many messages it delivers at what latency. It has clients of
// its own, lean enough that the tool is not what limits the numbers, and
// it only ever talks to loopback addresses.
package bench

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Scenarios are the loads the tool knows.
var Scenarios = []string{"idle", "login", "chat", "group"}

// Config is one run. The zero value is not usable; start from
// DefaultConfig.
type Config struct {
	Scenario  string
	Protocol  string // xmpp or turms
	Transport string // xmpp: tcp, starttls, tls, ws; turms: tcp, ws
	// Target is HOST:PORT, or ws://HOST:PORT/path for WebSocket; several,
	// comma-separated, spread the sessions over the nodes of a cluster
	// (account N goes to target N mod their number, so that the two
	// sessions of a chat pair sit on different nodes).
	Target string
	// Domain is the XMPP domain.
	Domain string
	// Mechanism is the SASL mechanism (XMPP).
	Mechanism string

	// AccountsFile lists accounts, one "<localpart-or-id> <password>" a line.
	AccountsFile string
	// Provision is the hermod admin API's base URL; with it, Users
	// accounts from FirstID are created first.
	Provision  string
	AdminToken string
	Users      int
	FirstID    int64
	Password   string

	Sessions    int
	Ramp        float64 // new sessions per second; 0: as fast as Concurrency allows
	Concurrency int

	Pairs  int
	Rate   float64 // messages per second in all; 0: as fast as Window allows
	Window int     // messages in flight per pair (chat) or per sender (group)

	Members int
	Online  int
	Senders int
	Room    string // XMPP MUC room (group)
	// TurmsTarget is hermod's Turms TCP address, for the xmpp group
	// scenario on hermod: the group is made there and joined as a room.
	TurmsTarget string
	// MUCDomain is hermod's MUC service, where group <id> is a room.
	MUCDomain string

	Duration    time.Duration
	SourceAddrs []netip.Addr
	PID         int
	ReportEvery time.Duration
	JSONFile    string
	// Drain is how long to wait for messages in flight after sending stops.
	Drain time.Duration
	// Timeout bounds one login or setup step.
	Timeout time.Duration
	// BodySize pads message bodies to this many bytes.
	BodySize int
}

// DefaultConfig is the flag defaults.
func DefaultConfig() Config {
	return Config{
		Scenario: "idle", Protocol: "xmpp", Transport: "tcp", Domain: "localhost", Mechanism: "SCRAM-SHA-1",
		FirstID: 100000, Password: "bench", Sessions: 100, Concurrency: 50, Pairs: 50, Window: 1,
		Members: 1000, Online: 100, Senders: 1, Duration: 10 * time.Second, ReportEvery: 5 * time.Second,
		Drain: 5 * time.Second, Timeout: 15 * time.Second, BodySize: 0,
	}
}

// ErrNotLoopback refuses a target off this machine.
var ErrNotLoopback = errors.New("bench: only loopback targets are allowed (127.0.0.0/8, ::1, localhost)")

// Validate checks the run's settings and fills what follows from them.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !oneOf(c.Scenario, Scenarios...) {
		bad("unknown scenario %q (want %s)", c.Scenario, strings.Join(Scenarios, ", "))
	}
	switch c.Protocol {
	case "xmpp":
		if !oneOf(c.Transport, "tcp", "starttls", "tls", "ws") {
			bad("xmpp transport %q: want tcp, starttls, tls or ws", c.Transport)
		}
		if !oneOf(c.Mechanism, "SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN") {
			bad("mechanism %q: want SCRAM-SHA-1, SCRAM-SHA-256 or PLAIN", c.Mechanism)
		}
		if c.Mechanism == "PLAIN" && c.Transport == "tcp" {
			bad("PLAIN over plain TCP would send passwords in clear: use a SCRAM mechanism or a TLS transport")
		}
		if c.Scenario == "group" && c.Room == "" && c.TurmsTarget == "" {
			bad("the xmpp group scenario needs --room, a MUC room JID (room@conference.example), or on hermod --turms-target; without either it is not supported")
		}
		if c.MUCDomain == "" {
			c.MUCDomain = "conference." + c.Domain
		}
	case "turms":
		if !oneOf(c.Transport, "tcp", "ws") {
			bad("turms transport %q: want tcp or ws", c.Transport)
		}
	default:
		bad("unknown protocol %q (want xmpp or turms)", c.Protocol)
	}
	if c.Target == "" {
		bad("--target is required")
	}
	for _, t := range c.targets() {
		if err := CheckLoopback(t); err != nil {
			errs = append(errs, err)
		}
	}
	if c.TurmsTarget != "" {
		if err := CheckLoopback(c.TurmsTarget); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Provision != "" {
		if err := CheckLoopback(c.Provision); err != nil {
			errs = append(errs, err)
		}
	}
	for _, a := range c.SourceAddrs {
		if !a.IsLoopback() {
			bad("source address %s is not a loopback address", a)
		}
	}
	if c.AccountsFile == "" && c.Users <= 0 {
		bad("give accounts: --accounts FILE, or --users N (with --first-id and --password)")
	}
	if c.Duration <= 0 || c.Duration > 24*time.Hour {
		bad("--duration must be positive and at most 24h")
	}
	if c.Concurrency < 1 {
		c.Concurrency = 1
	}
	if c.Window < 1 {
		c.Window = 1
	}
	if c.Senders < 1 {
		c.Senders = 1
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Ramp < 0 || c.Rate < 0 {
		bad("--ramp and --rate must not be negative")
	}
	switch c.Scenario {
	case "idle":
		if c.Sessions < 1 {
			bad("idle needs --sessions >= 1")
		}
	case "chat":
		if c.Pairs < 1 {
			bad("chat needs --pairs >= 1")
		}
	case "group":
		if c.Protocol == "xmpp" && c.Room != "" {
			c.Members = c.Online // a room's audience is its occupants
		}
		if c.Online < 2 || c.Members < c.Online || c.Senders > c.Online {
			bad("group needs 2 <= --online <= --members and --senders <= --online")
		}
	}
	return errors.Join(errs...)
}

func oneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// CheckLoopback returns nil when target (HOST:PORT, or a URL) names a
// loopback address, and ErrNotLoopback otherwise. Names other than
// localhost are refused rather than resolved, so that no lookup can send
// the load elsewhere.
func CheckLoopback(target string) error {
	host := target
	if strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			return fmt.Errorf("bench: target %q: %w", target, err)
		}
		host = u.Host
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	} else {
		return fmt.Errorf("bench: target %q needs a port: %w", target, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("%w: %q", ErrNotLoopback, target)
	}
	return nil
}

// ParseAddrRange parses "127.0.0.1-127.0.0.40" or a comma-separated list
// of addresses and ranges.
func ParseAddrRange(s string) ([]netip.Addr, error) {
	var out []netip.Addr
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil {
			return nil, fmt.Errorf("source address %q: %w", lo, err)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b, err := netip.ParseAddr(hi)
		if err != nil {
			return nil, fmt.Errorf("source address %q: %w", hi, err)
		}
		if b.Less(a) {
			return nil, fmt.Errorf("source range %q runs backwards", part)
		}
		for x := a; ; x = x.Next() {
			out = append(out, x)
			if x == b || len(out) > 1<<16 {
				break
			}
		}
	}
	if len(out) > 1<<16 {
		return nil, errors.New("source range too large")
	}
	return out, nil
}

// targets returns the --target addresses.
func (c *Config) targets() []string {
	var out []string
	for _, t := range strings.Split(c.Target, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// targetFor returns the target acct's sessions connect to.
func (c *Config) targetFor(acct *account) string {
	ts := c.targets()
	if len(ts) <= 1 {
		return c.Target
	}
	if acct.id != 0 {
		return ts[uint64(acct.id)%uint64(len(ts))]
	}
	h := fnv.New32a()
	h.Write([]byte(acct.user))
	return ts[h.Sum32()%uint32(len(ts))]
}
