// Package metrics holds hermod's Prometheus metrics. Every method is safe on
// a nil *Metrics, which records nothing, so tests need not set it up.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are one node's metrics, on their own registry.
type Metrics struct {
	reg         *prometheus.Registry
	sessions    *prometheus.GaugeVec
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	stored      prometheus.Counter
	loginFailed *prometheus.CounterVec
}

// New registers hermod's metrics and the Go and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		sessions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hermod_sessions", Help: "Online sessions by protocol.",
		}, []string{"protocol"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hermod_requests_total", Help: "Client requests by protocol, kind and response code.",
		}, []string{"protocol", "kind", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "hermod_request_duration_seconds", Help: "Time to answer a client request.",
			Buckets: []float64{.0001, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}, []string{"protocol", "kind"}),
		stored: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hermod_messages_stored_total", Help: "Messages durably stored.",
		}),
		loginFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hermod_login_failures_total", Help: "Failed or throttled logins by protocol.",
		}, []string{"protocol"}),
	}
	m.reg.MustRegister(m.sessions, m.requests, m.latency, m.stored, m.loginFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is what /metrics serves.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return prometheus.NewRegistry()
	}
	return m.reg
}

// SessionOpened and SessionClosed count online sessions.
func (m *Metrics) SessionOpened(protocol string) {
	if m != nil {
		m.sessions.WithLabelValues(protocol).Inc()
	}
}

func (m *Metrics) SessionClosed(protocol string) {
	if m != nil {
		m.sessions.WithLabelValues(protocol).Dec()
	}
}

// Request records one answered request.
func (m *Metrics) Request(protocol, kind string, code int32, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(protocol, kind, strconv.Itoa(int(code))).Inc()
	m.latency.WithLabelValues(protocol, kind).Observe(d.Seconds())
}

// MessageStored counts a durably stored message.
func (m *Metrics) MessageStored() {
	if m != nil {
		m.stored.Inc()
	}
}

// LoginFailed counts a failed or throttled login.
func (m *Metrics) LoginFailed(protocol string) {
	if m != nil {
		m.loginFailed.WithLabelValues(protocol).Inc()
	}
}

// Sessions returns the current count of online sessions of protocol.
func (m *Metrics) Sessions(protocol string) float64 {
	if m == nil {
		return 0
	}
	var out dto.Metric
	m.sessions.WithLabelValues(protocol).Write(&out)
	return out.GetGauge().GetValue()
}

// ParkedConnections reports, at each scrape, how many idle connections
// wait in the poller without a goroutine.
func (m *Metrics) ParkedConnections(count func() int) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "hermod_parked_connections", Help: "Idle connections parked in the poller (no goroutine, no buffer).",
	}, func() float64 { return float64(count()) }))
}

// StoreCommits reports, at each scrape, the store's committed batches and
// the batches it ran again after losing a race (PostgreSQL): messages per
// commit is hermod_messages_stored_total over the first.
func (m *Metrics) StoreCommits(stats func() (commits, reruns int64)) {
	if m == nil {
		return
	}
	m.reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hermod_store_commits_total", Help: "Transactions the store committed (each holds a batch of callers' work: group commit).",
		}, func() float64 { c, _ := stats(); return float64(c) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "hermod_store_commit_reruns_total", Help: "Batches run again after losing a serialization race (PostgreSQL).",
		}, func() float64 { _, r := stats(); return float64(r) }),
	)
}

// ClusterUnroutable reports, at each scrape, the events this node could
// not send to the other nodes (their origin has no codec); they reached
// this node's sessions only.
func (m *Metrics) ClusterUnroutable(count func() int64) {
	if m == nil {
		return
	}
	m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "hermod_cluster_unroutable_events_total", Help: "Events not sent to other nodes because they could not be encoded.",
	}, func() float64 { return float64(count()) }))
}
