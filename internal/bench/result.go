package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Result is what a run measured. JSON keys are the names the comparison
// program reads.
type Result struct {
	Scenario          string  `json:"scenario"`
	Protocol          string  `json:"protocol"`
	Transport         string  `json:"transport"`
	Target            string  `json:"target"`
	DurationS         float64 `json:"duration_s"`
	SessionsRequested int     `json:"sessions_requested"`
	SessionsHeld      int     `json:"sessions_held"`
	Logins            int64   `json:"logins"`
	LoginsPerS        float64 `json:"logins_per_s"`
	MessagesSent      int64   `json:"messages_sent"`
	MessagesDelivered int64   `json:"messages_delivered"`
	MessagesPerS      float64 `json:"messages_per_s"`
	// DeliveriesPerMessage is 1 in chat and the online members but the
	// sender in group: delivered == sent × this when nothing was lost.
	DeliveriesPerMessage int `json:"deliveries_per_message,omitempty"`
	// Latency is of deliveries (chat, group) or of logins (idle, login).
	LatencyOf    string   `json:"latency_of"`
	LatencyP50Ms float64  `json:"latency_p50_ms"`
	LatencyP90Ms float64  `json:"latency_p90_ms"`
	LatencyP99Ms float64  `json:"latency_p99_ms"`
	LatencyMaxMs float64  `json:"latency_max_ms"`
	Errors       int64    `json:"errors"`
	ErrorSamples []string `json:"error_samples"`
	// Target process figures, with --pid.
	PID                int     `json:"pid,omitempty"`
	RSSBaselineBytes   int64   `json:"rss_baseline_bytes,omitempty"`
	RSSPeakBytes       int64   `json:"rss_peak_bytes,omitempty"`
	RSSPerSessionBytes int64   `json:"rss_per_session_bytes,omitempty"`
	CPUSeconds         float64 `json:"cpu_seconds,omitempty"`
	CPUPercent         float64 `json:"cpu_percent,omitempty"`
	// The tool's own cost over the run.
	ToolCPUSeconds float64 `json:"tool_cpu_seconds"`
	ToolRSSBytes   int64   `json:"tool_rss_bytes"`
}

// WriteTable prints r as a two-column table.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	i := func(x int64) string { return strconv.FormatInt(x, 10) }
	row("scenario", r.Scenario)
	row("protocol", r.Protocol+" ("+r.Transport+")")
	row("target", r.Target)
	row("duration_s", f(r.DurationS))
	row("sessions_held", fmt.Sprintf("%d of %d", r.SessionsHeld, r.SessionsRequested))
	row("logins", i(r.Logins))
	row("logins_per_s", f(r.LoginsPerS))
	row("messages_sent", i(r.MessagesSent))
	row("messages_delivered", i(r.MessagesDelivered))
	if r.DeliveriesPerMessage > 1 {
		row("deliveries_per_message", strconv.Itoa(r.DeliveriesPerMessage))
	}
	row("messages_per_s", f(r.MessagesPerS))
	row("latency ("+r.LatencyOf+") ms", fmt.Sprintf("p50 %.2f  p90 %.2f  p99 %.2f  max %.2f", r.LatencyP50Ms, r.LatencyP90Ms, r.LatencyP99Ms, r.LatencyMaxMs))
	row("errors", i(r.Errors))
	for _, e := range r.ErrorSamples {
		row("", e)
	}
	if r.PID != 0 {
		row("target pid", strconv.Itoa(r.PID))
		row("rss_baseline", mib(r.RSSBaselineBytes))
		row("rss_peak", mib(r.RSSPeakBytes))
		row("rss_per_session", fmt.Sprintf("%.1f KiB", float64(r.RSSPerSessionBytes)/1024))
		row("cpu_seconds", strconv.FormatFloat(r.CPUSeconds, 'f', 2, 64))
		row("cpu_percent", f(r.CPUPercent))
	}
	row("tool cpu_seconds", strconv.FormatFloat(r.ToolCPUSeconds, 'f', 2, 64))
	row("tool rss", mib(r.ToolRSSBytes))
	return tw.Flush()
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// WriteJSON writes r to path.
func (r *Result) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// stats are the run's counters, shared by every goroutine.
type stats struct {
	logins    atomic.Int64
	sent      atomic.Int64
	delivered atomic.Int64
	held      atomic.Int64
	errs      errorLog
	lat       latency
}

// latency is an HDR histogram of microseconds behind a mutex: one record
// is tens of nanoseconds, far below what a message costs.
type latency struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram
}

func newLatency() latency {
	// 1 µs to 10 minutes at 3 significant digits.
	return latency{h: hdrhistogram.New(1, int64(10*time.Minute/time.Microsecond), 3)}
}

func (l *latency) record(d time.Duration) {
	us := int64(d / time.Microsecond)
	if us < 1 {
		us = 1
	}
	l.mu.Lock()
	l.h.RecordValue(us)
	l.mu.Unlock()
}

// quantiles returns p50, p90, p99 and max in milliseconds.
func (l *latency) quantiles() (p50, p90, p99, maxMs float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return ms(l.h.ValueAtQuantile(50)), ms(l.h.ValueAtQuantile(90)), ms(l.h.ValueAtQuantile(99)), ms(l.h.Max())
}

func (l *latency) count() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.h.TotalCount()
}

// errorLog counts errors and keeps the first few distinct messages.
type errorLog struct {
	n       atomic.Int64
	mu      sync.Mutex
	samples []string
	seen    map[string]int
}

const maxErrorSamples = 8

func (e *errorLog) add(err error) {
	e.n.Add(1)
	msg := err.Error()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string]int{}
	}
	if _, ok := e.seen[msg]; ok {
		e.seen[msg]++
		return
	}
	if len(e.samples) < maxErrorSamples {
		e.seen[msg] = 1
		e.samples = append(e.samples, msg)
	}
}

func (e *errorLog) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, len(e.samples))
	for i, s := range e.samples {
		out[i] = s
		if n := e.seen[s]; n > 1 {
			out[i] += " (x" + strconv.Itoa(n) + ")"
		}
	}
	return out
}
