package main

import (
	"errors"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/spf13/cobra"

	"hermod/internal/bench"
)

func newBench() *cobra.Command {
	cfg := bench.DefaultConfig()
	var sourceAddrs, tokenFile, cpuProfile string
	cmd := &cobra.Command{
		Use:   "bench idle|login|chat|group",
		Short: "Load-test an XMPP or Turms server on this machine",
		Long: `Load-test an XMPP server (hermod, Prosody, ejabberd, ...) or hermod's Turms protocol on
this machine. Targets must be loopback addresses. Every run stops by itself.

Scenarios:
  idle   log --sessions in (at --ramp per second, --concurrency at a time) and hold them for --duration
  login  log in and out with --concurrency dialers for --duration: logins per second
  chat   --pairs pairs send each other 1:1 messages for --duration, at --rate messages/s in all,
         or as fast as --window messages in flight per pair allow; latency is measured at the
         receiver from a time stamp in the message (the scheduled time with --rate)
  group  one group, --online members logged in, --senders of them sending; every other online
         member's deliveries count. Turms (hermod): a group of --members made for the run (over
         500 needs --provision, which makes a group type that holds them). XMPP: the --online
         sessions join the MUC room --room (created if new, as an instant room); on hermod,
         --turms-target makes the group of --members over Turms and they join it as a room.

Accounts come from --accounts FILE ("<localpart-or-id> <password>" a line), or are --users ids from
--first-id with --password; with --provision (hermod's admin API) they are created first.
With --pid the target process's RSS and CPU are sampled from /proc.`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: bench.Scenarios,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg.Scenario = args[0]
			if sourceAddrs != "" {
				addrs, err := bench.ParseAddrRange(sourceAddrs)
				if err != nil {
					return err
				}
				cfg.SourceAddrs = addrs
			}
			if tokenFile != "" {
				t, err := bench.ReadTokenFile(tokenFile)
				if err != nil {
					return err
				}
				cfg.AdminToken = t
			}
			if cfg.Provision != "" && cfg.AdminToken == "" {
				return errors.New("--provision needs --admin-token or --admin-token-file")
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			res, err := bench.Run(ctx, cfg, cmd.ErrOrStderr())
			if res != nil {
				res.WriteTable(cmd.OutOrStdout())
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Protocol, "protocol", cfg.Protocol, "xmpp or turms")
	f.StringVar(&cfg.Transport, "transport", cfg.Transport, "xmpp: tcp (plain, no TLS), starttls, tls (direct, ALPN xmpp-client), ws; turms: tcp, ws")
	f.StringVar(&cfg.Target, "target", "", "HOST:PORT, or ws://HOST:PORT/path for WebSocket (loopback only); several, comma-separated, spread sessions over a cluster's nodes")
	f.StringVar(&cfg.Domain, "domain", cfg.Domain, "XMPP domain")
	f.StringVar(&cfg.Mechanism, "mechanism", cfg.Mechanism, "SASL mechanism: SCRAM-SHA-1, SCRAM-SHA-256 or PLAIN (not over plain tcp)")
	f.StringVar(&cfg.AccountsFile, "accounts", "", `file of accounts, one "<localpart-or-id> <password>" a line`)
	f.StringVar(&cfg.Provision, "provision", "", "hermod admin API (e.g. http://127.0.0.1:8510): create the --users accounts first")
	f.StringVar(&cfg.AdminToken, "admin-token", "", "admin API token")
	f.StringVar(&tokenFile, "admin-token-file", "", "file holding the admin API token (e.g. <data_dir>/admin-token)")
	f.IntVar(&cfg.Users, "users", 0, "number of accounts: ids --first-id ... with --password")
	f.Int64Var(&cfg.FirstID, "first-id", cfg.FirstID, "first account id")
	f.StringVar(&cfg.Password, "password", cfg.Password, "password of the --users accounts")
	f.IntVar(&cfg.Sessions, "sessions", cfg.Sessions, "idle: sessions to log in and hold")
	f.Float64Var(&cfg.Ramp, "ramp", 0, "new sessions per second (0: as fast as --concurrency allows)")
	f.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "concurrent dialers (logins in progress at once)")
	f.IntVar(&cfg.Pairs, "pairs", cfg.Pairs, "chat: pairs of sessions")
	f.Float64Var(&cfg.Rate, "rate", 0, "chat, group: messages per second in all (0: as fast as --window allows)")
	f.IntVar(&cfg.Window, "window", cfg.Window, "messages in flight per pair (chat) or per sender (group)")
	f.IntVar(&cfg.Members, "members", cfg.Members, "group: members of the group")
	f.IntVar(&cfg.Online, "online", cfg.Online, "group: members logged in")
	f.IntVar(&cfg.Senders, "senders", cfg.Senders, "group: online members that send")
	f.StringVar(&cfg.Room, "room", "", "xmpp group: the MUC room JID the --online sessions join")
	f.StringVar(&cfg.TurmsTarget, "turms-target", "", "xmpp group on hermod, instead of --room: make the group over Turms at this HOST:PORT and join it as a room")
	f.StringVar(&cfg.MUCDomain, "muc-domain", "", "xmpp group with --turms-target: hermod's MUC service (default conference.<domain>)")
	f.DurationVar(&cfg.Duration, "duration", cfg.Duration, "how long to hold or run after ramp-up")
	f.DurationVar(&cfg.Drain, "drain", cfg.Drain, "chat, group: how long to wait for messages in flight after sending stops")
	f.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "bound of one login")
	f.IntVar(&cfg.BodySize, "body-size", 0, "pad message bodies to this many bytes")
	f.StringVar(&sourceAddrs, "source-addrs", "", "spread connections over these local addresses, e.g. 127.0.0.1-127.0.0.40")
	f.IntVar(&cfg.PID, "pid", 0, "target process id: sample its RSS and CPU from /proc")
	f.DurationVar(&cfg.ReportEvery, "report-every", cfg.ReportEvery, "progress line interval (0: none)")
	f.StringVar(&cfg.JSONFile, "json", "", "write the result as JSON to this file")
	f.StringVar(&cpuProfile, "cpu-profile", "", "write the load generator's own CPU profile to this file")
	return cmd
}
