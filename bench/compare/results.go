package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// outcome is one scenario against one server.
type outcome struct {
	// Data is the bench JSON result, flattened: nested keys joined with
	// dots ("latency.p99"), numbers as float64.
	Data        map[string]any
	Err         string
	Unsupported bool
}

// columnResult is everything measured on one server.
type columnResult struct {
	Title    string
	Protocol string
	Results  map[string]outcome
	Err      error // starting, provisioning or stopping failed
}

// report is a whole run.
type report struct {
	Started  time.Time
	Took     time.Duration
	Scale    float64
	Sizes    sizes
	Machine  machine
	Versions map[string]string
	Columns  []columnResult
}

// flattenJSON reads a JSON object into dotted keys, so that metrics can be
// found whether the result nests them or not.
func flattenJSON(b []byte) (map[string]any, error) {
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	out := map[string]any{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				if prefix != "" {
					k = prefix + "." + k
				}
				walk(k, x)
			}
			return
		}
		out[prefix] = v
	}
	walk("", v)
	return out, nil
}

// number finds the first of keys in d: exactly, or as the last part of a
// dotted key ("target.cpu_percent" answers "cpu_percent").
func number(d map[string]any, keys ...string) (float64, bool) {
	for _, k := range keys {
		if f, ok := d[k].(float64); ok {
			return f, true
		}
	}
	var found []string
	for k := range d {
		for _, want := range keys {
			if strings.HasSuffix(k, "."+want) {
				found = append(found, k)
			}
		}
	}
	sort.Strings(found) // the same answer every time
	for _, k := range found {
		if f, ok := d[k].(float64); ok {
			return f, true
		}
	}
	return 0, false
}

// row is a metric of a scenario: a line of the table.
type row struct {
	Label string
	Value func(map[string]any) string
}

const missing = "–"

func intMetric(keys ...string) func(map[string]any) string {
	return func(d map[string]any) string {
		f, ok := number(d, keys...)
		if !ok {
			return missing
		}
		return group3(strconv.FormatInt(int64(f+0.5), 10))
	}
}

func floatMetric(key string, decimals int) func(map[string]any) string {
	return func(d map[string]any) string {
		f, ok := number(d, key)
		if !ok {
			return missing
		}
		return formatFloat(f, decimals)
	}
}

// perSessionMetric is the server's memory growth per session held, from
// the result's own figure or else from its baseline and peak.
func perSessionMetric(d map[string]any) string {
	if f, ok := number(d, "rss_per_session_bytes"); ok {
		return formatFloat(f/1024, 1)
	}
	base, ok1 := number(d, "rss_baseline_bytes", "rss_bytes.baseline")
	peak, ok2 := number(d, "rss_peak_bytes", "rss_bytes.peak")
	held, ok3 := number(d, "sessions_held")
	if !ok1 || !ok2 || !ok3 || held == 0 {
		return missing
	}
	return formatFloat((peak-base)/held/1024, 1)
}

func rssRangeMetric(d map[string]any) string {
	base, ok1 := number(d, "rss_baseline_bytes", "rss_bytes.baseline", "baseline")
	peak, ok2 := number(d, "rss_peak_bytes", "rss_bytes.peak", "peak")
	if !ok1 || !ok2 {
		return missing
	}
	return formatFloat(base/(1<<20), 0) + " → " + formatFloat(peak/(1<<20), 0)
}

func latencyMetric(d map[string]any) string {
	p50, ok1 := number(d, "latency_p50_ms", "latency.p50_ms", "latency.p50")
	p99, ok2 := number(d, "latency_p99_ms", "latency.p99_ms", "latency.p99")
	if !ok1 || !ok2 {
		return missing
	}
	return formatMs(p50) + " / " + formatMs(p99)
}

func errorsMetric(d map[string]any) string {
	f, ok := number(d, "errors")
	if !ok {
		return missing
	}
	return group3(strconv.FormatInt(int64(f), 10))
}

// formatMs shows a latency with a precision that suits its size.
func formatMs(ms float64) string {
	switch {
	case ms < 10:
		return formatFloat(ms, 2)
	case ms < 100:
		return formatFloat(ms, 1)
	}
	return formatFloat(ms, 0)
}

// formatFloat rounds f and groups thousands with commas.
func formatFloat(f float64, decimals int) string {
	s := strconv.FormatFloat(f, 'f', decimals, 64)
	whole, frac, hasFrac := strings.Cut(s, ".")
	whole = group3(whole)
	if hasFrac {
		return whole + "." + frac
	}
	return whole
}

func group3(digits string) string {
	sign := ""
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	for i := len(digits) - 3; i > 0; i -= 3 {
		digits = digits[:i] + "," + digits[i:]
	}
	return sign + digits
}

// table renders the results as one Markdown table: a row per scenario
// metric, a column per server.
func (r *report) table(names []string) string {
	var b strings.Builder
	b.WriteString("| Scenario | Metric |")
	for _, c := range r.Columns {
		b.WriteString(" " + c.Title + " |")
	}
	b.WriteString("\n|---|---|")
	for range r.Columns {
		b.WriteString("--:|")
	}
	b.WriteString("\n")
	notes := r.noteNumbers()
	for _, name := range names {
		sc := scenarioByName(name)
		rows := append(sc.Rows(r.Sizes), row{"errors", errorsMetric})
		for i, rw := range rows {
			title := ""
			if i == 0 {
				title = scenarioTitle(name, r.Sizes)
			}
			fmt.Fprintf(&b, "| %s | %s |", title, rw.Label)
			for _, c := range r.Columns {
				b.WriteString(" " + r.cell(c, name, rw, notes) + " |")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// cell is one server's value of one metric, or why there is none.
func (r *report) cell(c columnResult, name string, rw row, notes map[string]int) string {
	o, ran := c.Results[name]
	switch {
	case !ran && c.Err != nil:
		return fmt.Sprintf("failed [%d]", notes[c.Title+"\x00"])
	case !ran:
		return missing
	case o.Unsupported:
		return "n/a"
	case o.Data == nil:
		return fmt.Sprintf("failed [%d]", notes[c.Title+"\x00"+name])
	}
	return rw.Value(o.Data)
}

// noteNumbers numbers the failures the table points to, in table order.
func (r *report) noteNumbers() map[string]int {
	out := map[string]int{}
	n := 0
	for _, c := range r.Columns {
		if c.Err != nil {
			n++
			out[c.Title+"\x00"] = n
		}
		for _, sc := range scenarios {
			if o, ok := c.Results[sc.Name]; ok && o.Err != "" {
				n++
				out[c.Title+"\x00"+sc.Name] = n
			}
		}
	}
	return out
}

// footnotes explain the failures the table marks.
func (r *report) footnotes() string {
	notes := r.noteNumbers()
	if len(notes) == 0 {
		return ""
	}
	type note struct {
		n    int
		text string
	}
	var list []note
	for _, c := range r.Columns {
		if c.Err != nil {
			list = append(list, note{notes[c.Title+"\x00"], fmt.Sprintf("%s: %s", c.Title, oneLine(c.Err.Error()))})
		}
		for _, sc := range scenarios {
			if o, ok := c.Results[sc.Name]; ok && o.Err != "" {
				list = append(list, note{notes[c.Title+"\x00"+sc.Name], fmt.Sprintf("%s, %s: %s", c.Title, sc.Name, oneLine(o.Err))})
			}
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n < list[j].n })
	var b strings.Builder
	b.WriteString("\n")
	for _, n := range list {
		fmt.Fprintf(&b, "[%d] %s\n", n.n, n.text)
	}
	return b.String()
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
