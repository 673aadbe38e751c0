package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hermod/internal/xmpp/xmlstream"
	"hermod/internal/xmpp/xmpptest"
)

const (
	nsMAM     = "urn:xmpp:mam:2"
	nsForward = "urn:xmpp:forward:0"
)

// The tests in this file start real servers, so they run only when asked:
// HERMOD_COMPARE=1 go test ./bench/compare (they install Prosody and
// ejabberd from Debian when missing, which needs root).
func optIn(t *testing.T) {
	t.Helper()
	if os.Getenv("HERMOD_COMPARE") != "1" {
		t.Skip("set HERMOD_COMPARE=1 to run: it installs prosody and ejabberd with apt-get when missing (as root) and starts real servers")
	}
}

// logBuffer collects the run's progress for the test log.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// workDir is a directory the servers' own users can reach (t.TempDir's
// are private to root).
func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "hermod-compare-test-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Each server, configured and provisioned as the comparison does it,
// logs in the accounts with SCRAM-SHA-1 over plain TCP, passes a message
// between two of them and archives it, and stops cleanly on SIGTERM.
// COMPARE_TEST_ACCOUNTS=18000 provisions as many accounts as a full run.
func TestServersTakeTheAccounts(t *testing.T) {
	optIn(t)
	ctx := context.Background()
	var log logBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	// Every server gets its open-file limit from this process, as in a run:
	// the machine's hard limit (a lower one could not be raised again for
	// the next test).
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	env := &environment{work: workDir(t), ids: accountIDs(provisionCount()), password: "compare pw", fdLimit: lim.Max, log: &log}
	if err := setFileLimit(env.fdLimit); err != nil {
		t.Fatal(err)
	}
	if err := ensurePeers(ctx, true, env); err != nil {
		t.Fatal(err)
	}
	repo, _ := filepath.Abs("../..")
	env.versions = serverVersions(ctx, repo)
	var err error
	if env.hermodBin, err = buildHermod(ctx, repo, env.work); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prosody", "ejabberd", "hermod-xmpp"} {
		t.Run(name, func(t *testing.T) {
			c := newColumn(name, env)
			if err := c.Prepare(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Start(ctx); err != nil {
				c.Stop()
				t.Fatal(err)
			}
			stopped := false
			defer func() {
				if !stopped {
					c.Stop()
				}
			}()
			if err := c.Provision(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := openFileLimit(c.PID()); err != nil || n != env.fdLimit {
				t.Errorf("%s may open %d files (%v), want %d", name, n, err, env.fdLimit)
			}
			a := login(t, c.Target(), env.ids[3], env.password)
			b := login(t, c.Target(), env.ids[17], env.password)
			body := "hello from " + name
			to := fmt.Sprintf("%d@%s", env.ids[17], domain)
			if err := a.Send(xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "to", to, "id", "m1").
				Add(xmlstream.New(xmlstream.NSClient, "body").AddText(body))); err != nil {
				t.Fatal(err)
			}
			got, err := b.Expect(func(el *xmlstream.Element) bool {
				return el.Local == "message" && el.ChildText(xmlstream.NSClient, "body") != ""
			})
			if err != nil {
				t.Fatalf("%s: no message arrived: %v", name, err)
			}
			if got.ChildText(xmlstream.NSClient, "body") != body || !strings.HasPrefix(got.Attr("from"), fmt.Sprintf("%d@%s/", env.ids[3], domain)) {
				t.Errorf("%s delivered %s", name, got)
			}
			// Every server archives it (MAM, XEP-0313): the recipient finds it
			// in its archive.
			if err := b.Send(xmlstream.New(xmlstream.NSClient, "iq", "type", "set", "id", "mam1").
				Add(xmlstream.New(nsMAM, "query", "queryid", "f1"))); err != nil {
				t.Fatal(err)
			}
			archived, err := b.Expect(func(el *xmlstream.Element) bool { return el.Local == "message" && el.Child(nsMAM, "result") != nil })
			if err != nil {
				t.Fatalf("%s: nothing in the archive: %v", name, err)
			}
			inner := archived.Child(nsMAM, "result").Child(nsForward, "forwarded").Child(xmlstream.NSClient, "message")
			if inner == nil || inner.ChildText(xmlstream.NSClient, "body") != body {
				t.Errorf("%s archived %s", name, archived)
			}
			if fin, err := b.Expect(func(el *xmlstream.Element) bool { return el.Local == "iq" && el.Attr("id") == "mam1" }); err != nil || fin.Attr("type") != "result" {
				t.Errorf("%s: archive query ended with %v, %v", name, fin, err)
			}
			// The peers' group scenario room: made by its first occupant,
			// and archived. (hermod's rooms are its groups, made over Turms
			// by the load tool: the comparison's smoke test runs that.)
			if name != "hermod-xmpp" {
				checkRoomArchives(t, a, b)
			}
			// A wrong password is refused.
			x, err := xmpptest.DialTCP(c.Target(), domain, false)
			if err != nil {
				t.Fatal(err)
			}
			if err := x.Auth("SCRAM-SHA-1", strconv.FormatInt(env.ids[5], 10), "wrong"); err == nil {
				t.Errorf("%s accepted a wrong password", name)
			}
			x.Close()
			a.Close()
			b.Close()
			stopped = true
			start := time.Now()
			if err := c.Stop(); err != nil {
				t.Errorf("%s did not stop cleanly: %v", name, err)
			}
			t.Logf("%s stopped in %s", name, time.Since(start).Round(time.Millisecond))
		})
	}
}

const (
	nsMUC      = "http://jabber.org/protocol/muc"
	nsMUCUser  = "http://jabber.org/protocol/muc#user"
	nsMUCOwner = "http://jabber.org/protocol/muc#owner"
	nsData     = "jabber:x:data"
)

// checkRoomArchives has a enter the group scenario's room, which creates
// it (unlocked as an instant room, as the load tool does), and b join; a
// message a sends to the room reaches b, and b finds it in the room's
// archive (XEP-0313 on the room's JID), as hermod archives every group
// message.
func checkRoomArchives(t *testing.T, a, b *xmpptest.Client) {
	t.Helper()
	join := func(c *xmpptest.Client, nick string) *xmlstream.Element {
		self := benchRoom + "/" + nick
		if err := c.Send(xmlstream.New(xmlstream.NSClient, "presence", "to", self).
			Add(xmlstream.New(nsMUC, "x").Add(xmlstream.New(nsMUC, "history", "maxstanzas", "0")))); err != nil {
			t.Fatal(err)
		}
		p, err := c.Expect(func(el *xmlstream.Element) bool { return el.Local == "presence" && el.Attr("from") == self })
		if err != nil || p.Attr("type") == "error" {
			t.Fatalf("joining %s: %v %v", self, p, err)
		}
		return p
	}
	created := join(a, "a")
	if !strings.Contains(created.String(), "code=\"201\"") && !strings.Contains(created.String(), "code='201'") {
		t.Fatalf("the first occupant did not create the room: %s", created)
	}
	res, err := a.IQ("set", benchRoom, xmlstream.New(nsMUCOwner, "query").Add(xmlstream.New(nsData, "x", "type", "submit")))
	if err != nil || res.Attr("type") != "result" {
		t.Fatalf("instant room: %v %v", res, err)
	}
	join(b, "b")
	body := "to the room"
	if err := a.Send(xmlstream.New(xmlstream.NSClient, "message", "type", "groupchat", "to", benchRoom, "id", "g1").
		Add(xmlstream.New(xmlstream.NSClient, "body").AddText(body))); err != nil {
		t.Fatal(err)
	}
	got, err := b.Expect(func(el *xmlstream.Element) bool {
		return el.Local == "message" && el.Attr("type") == "groupchat" && el.ChildText(xmlstream.NSClient, "body") != ""
	})
	if err != nil || got.ChildText(xmlstream.NSClient, "body") != body || got.Attr("from") != benchRoom+"/a" {
		t.Fatalf("the room delivered %v, %v", got, err)
	}
	if err := b.Send(xmlstream.New(xmlstream.NSClient, "iq", "type", "set", "id", "mam2", "to", benchRoom).
		Add(xmlstream.New(nsMAM, "query", "queryid", "r1"))); err != nil {
		t.Fatal(err)
	}
	archived, err := b.Expect(func(el *xmlstream.Element) bool {
		r := el.Child(nsMAM, "result")
		return el.Local == "message" && r != nil && r.Attr("queryid") == "r1"
	})
	if err != nil {
		t.Fatalf("nothing in the room's archive: %v", err)
	}
	inner := archived.Child(nsMAM, "result").Child(nsForward, "forwarded").Child(xmlstream.NSClient, "message")
	if inner == nil || inner.ChildText(xmlstream.NSClient, "body") != body {
		t.Errorf("the room archived %s", archived)
	}
	if fin, err := b.Expect(func(el *xmlstream.Element) bool { return el.Local == "iq" && el.Attr("id") == "mam2" }); err != nil || fin.Attr("type") != "result" {
		t.Errorf("the room's archive query ended with %v, %v", fin, err)
	}
}

func login(t *testing.T, target string, id int64, password string) *xmpptest.Client {
	t.Helper()
	c, err := xmpptest.DialTCP(target, domain, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth("SCRAM-SHA-1", strconv.FormatInt(id, 10), password); err != nil {
		c.Close()
		t.Fatalf("login %d: %v", id, err)
	}
	if err := c.Bind(""); err != nil {
		c.Close()
		t.Fatalf("bind %d: %v", id, err)
	}
	// Available, so that the servers deliver chat messages live.
	if err := c.SendString(`<presence/>`); err != nil {
		t.Fatal(err)
	}
	return c
}

// The whole comparison at a tiny scale: every server measured in every
// scenario, one table, the document written.
func TestCompareSmoke(t *testing.T) {
	optIn(t)
	docs := filepath.Join(t.TempDir(), "benchmarks.md")
	o, err := parseFlags([]string{"--repo", "../..", "--sessions", "30", "--pairs", "3", "--rate", "30",
		"--members", "10", "--online", "5", "--senders", "2", "--duration", "3s", "--docs", docs})
	if err != nil {
		t.Fatal(err)
	}
	var out, log logBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(log.String())
		}
	})
	rep, err := run(context.Background(), o, &out, &log)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + out.String())
	if len(rep.Columns) != len(columnNames) {
		t.Fatalf("%d columns, want %d", len(rep.Columns), len(columnNames))
	}
	for _, c := range rep.Columns {
		if c.Err != nil {
			t.Errorf("%s: %v", c.Title, c.Err)
			continue
		}
		idle := c.Results["idle"]
		if held, _ := number(idle.Data, "sessions_held"); held != 30 {
			t.Errorf("%s held %v of 30 idle sessions (%s)", c.Title, held, idle.Err)
		}
		// The server's memory was sampled. (Its growth may be nil at this
		// size: ejabberd's VM, for one, held 30 sessions in what it had.)
		base, _ := number(idle.Data, "rss_baseline_bytes")
		if peak, _ := number(idle.Data, "rss_peak_bytes"); base <= 0 || peak < base {
			t.Errorf("%s: no memory measured: %v", c.Title, idle.Data)
		}
		for _, sc := range []string{"chat", "chat-rate"} {
			if rate, _ := number(c.Results[sc].Data, "messages_per_s"); rate <= 0 {
				t.Errorf("%s, %s: %v messages/s (%s)", c.Title, sc, rate, c.Results[sc].Err)
			}
		}
		if logins, _ := number(c.Results["login"].Data, "logins_per_s"); logins <= 0 {
			t.Errorf("%s: %v logins/s (%s)", c.Title, logins, c.Results["login"].Err)
		}
		// The group, over XMPP too: every online member but the sender gets
		// every message.
		g := c.Results["group"]
		sent, _ := number(g.Data, "messages_sent")
		delivered, _ := number(g.Data, "messages_delivered")
		if fanout, _ := number(g.Data, "deliveries_per_message"); g.Unsupported || sent <= 0 || fanout != 4 || delivered != sent*fanout {
			t.Errorf("%s, group: %v sent, %v delivered, %v per message, want 4 each (%s, unsupported %v)", c.Title, sent, delivered, fanout, g.Err, g.Unsupported)
		}
	}
	doc, err := os.ReadFile(docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Machine", "| Scenario | Metric | Prosody ", " | hermod Turms |", "idle: 30 sessions"} {
		if !strings.Contains(string(doc), want) {
			t.Errorf("the document lacks %q", want)
		}
	}
}

func provisionCount() int {
	if n, err := strconv.Atoi(os.Getenv("COMPARE_TEST_ACCOUNTS")); err == nil {
		return n
	}
	return 20
}
