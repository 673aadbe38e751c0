package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"hermod/internal/bench"
)

// TestBenchCommand runs `hermod bench` against `hermod serve`: the flags
// reach the run, the accounts are provisioned through the admin API, and
// the table and the JSON file come out.
func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	common := []string{"--provision", "http://" + n.adminAddr, "--admin-token-file", filepath.Join(dir, "admin-token"),
		"--users", "10", "--first-id", "300000", "--password", "s3cret", "--duration", "500ms", "--report-every", "100ms",
		"--pid", strconv.Itoa(n.cmd.Process.Pid), "--source-addrs", "127.0.0.1-127.0.0.3"}
	for _, tc := range []struct {
		name string
		args []string
		want func(r *bench.Result) bool
	}{
		// A paced rate: the node runs with the default Turms limits (50
		// requests/s a session), which a run as fast as the window allows
		// crosses on a quick machine.
		{"turms chat", []string{"chat", "--protocol", "turms", "--target", n.tcp, "--pairs", "2", "--window", "2", "--rate", "80"},
			func(r *bench.Result) bool {
				return r.MessagesSent > 0 && r.MessagesDelivered == r.MessagesSent && r.SessionsHeld == 4
			}},
		{"xmpp idle", []string{"idle", "--protocol", "xmpp", "--transport", "starttls", "--target", n.xmpp, "--domain", "localhost", "--sessions", "6"},
			func(r *bench.Result) bool { return r.SessionsHeld == 6 && r.Logins == 6 && r.RSSBaselineBytes > 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "result.json")
			out := mustHermod(t, append(append([]string{"bench"}, tc.args...), append(common, "--json", js)...)...)
			for _, want := range []string{"sessions_held", "messages_per_s", "latency", "rss_per_session", "cpu_percent"} {
				if !strings.Contains(out, want) {
					t.Errorf("the table lacks %s:\n%s", want, out)
				}
			}
			b, err := os.ReadFile(js)
			if err != nil {
				t.Fatal(err)
			}
			var r bench.Result
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			if r.Errors != 0 || r.PID != n.cmd.Process.Pid || !tc.want(&r) {
				t.Fatalf("result:\n%s\n%s", b, out)
			}
			if !strings.Contains(string(b), `"messages_delivered"`) || !strings.Contains(string(b), `"latency_p99_ms"`) {
				t.Fatalf("JSON keys:\n%s", b)
			}
		})
	}
}

func TestBenchCommandRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "idle", "--target", "10.0.0.1:5222", "--users", "1"}, "loopback"},
		{[]string{"bench", "idle", "--target", "ws://example.com:5280/xmpp-websocket", "--transport", "ws", "--users", "1"}, "loopback"},
		{[]string{"bench", "flood", "--target", "127.0.0.1:5222", "--users", "1"}, "unknown scenario"},
		{[]string{"bench", "group", "--target", "127.0.0.1:5222", "--users", "1"}, "not supported"},
		{[]string{"bench", "idle", "--target", "127.0.0.1:5222"}, "--users"},
		{[]string{"bench", "idle", "--target", "127.0.0.1:5222", "--users", "1", "--provision", "http://127.0.0.1:8510"}, "admin-token"},
	} {
		out, err := hermod(t, tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("hermod %s: %v\n%s\nwant an error with %q", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
}

// TestBenchReportsTheFileLimit runs the load with a hard limit of 64 open
// files: it holds what it can and says why it stopped.
func TestBenchReportsTheFileLimit(t *testing.T) {
	dir := t.TempDir()
	n := startNode(t, dir)
	js := filepath.Join(t.TempDir(), "result.json")
	script := `ulimit -n 64 && exec "$0" "$@"`
	args := []string{"-c", script, binary, "bench", "idle", "--protocol", "turms", "--target", n.tcp,
		"--provision", "http://" + n.adminAddr, "--admin-token-file", filepath.Join(dir, "admin-token"),
		"--users", "100", "--sessions", "100", "--duration", "200ms", "--json", js}
	out, err := exec.Command("bash", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(string(out), "the open-file limit is 64") || !strings.Contains(string(out), "out of file descriptors") {
		t.Fatalf("no word of the file limit:\n%s", out)
	}
	b, _ := os.ReadFile(js)
	var r bench.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.SessionsHeld <= 0 || r.SessionsHeld >= 64 || r.Errors == 0 {
		t.Fatalf("held %d sessions with 64 files, %d errors:\n%s", r.SessionsHeld, r.Errors, out)
	}
}
