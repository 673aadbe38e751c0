// Package admin is hermod's operator HTTP API: account management behind a
// bearer token, health and readiness probes, Prometheus metrics and pprof.
// It listens on loopback only.
package admin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"hermod/internal/domain/group"
	"hermod/internal/domain/user"
	"hermod/internal/metrics"
)

// TokenFile is the name, in the data directory, of the generated token.
const TokenFile = "admin-token"

// Options configure the admin API.
type Options struct {
	Addr  string
	Token string
	Users *user.Service
	// Groups manages group types; nil leaves the group-type routes out.
	Groups  *group.Service
	Ready   func(context.Context) error
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// AllowRemote permits a non-loopback listen address.
	AllowRemote bool
}

// Server is the admin API. Start, then Shutdown.
type Server struct {
	opts Options
	ln   net.Listener
	http *http.Server
}

// New returns an admin API that is not yet listening.
func New(opts Options) *Server {
	s := &Server{opts: opts}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", s.readyz)
	// Metrics carry no secrets and the listener is loopback-only, so
	// scrapers need no token.
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Metrics.Registry(), promhttp.HandlerOpts{}))
	mux.Handle("POST /v1/users", s.auth(s.addUser))
	mux.Handle("POST /v1/users/batch", s.auth(s.addUsers))
	mux.Handle("GET /v1/users", s.auth(s.listUsers))
	mux.Handle("GET /v1/users/{id}", s.auth(s.getUser))
	mux.Handle("PUT /v1/users/{id}/password", s.auth(s.setPassword))
	mux.Handle("POST /v1/users/{id}/deactivate", s.auth(s.setActive(false)))
	mux.Handle("POST /v1/users/{id}/activate", s.auth(s.setActive(true)))
	if opts.Groups != nil {
		mux.Handle("POST /v1/group-types", s.auth(s.addGroupType))
		mux.Handle("GET /v1/group-types", s.auth(s.listGroupTypes))
	}
	mux.Handle("GET /debug/pprof/", s.auth(pprof.Index))
	mux.Handle("GET /debug/pprof/cmdline", s.auth(pprof.Cmdline))
	mux.Handle("GET /debug/pprof/profile", s.auth(pprof.Profile))
	mux.Handle("GET /debug/pprof/symbol", s.auth(pprof.Symbol))
	mux.Handle("GET /debug/pprof/trace", s.auth(pprof.Trace))
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	return s
}

// Start listens and serves in the background.
func (s *Server) Start() error {
	host, _, err := net.SplitHostPort(s.opts.Addr)
	if err != nil {
		return fmt.Errorf("admin address %q: %w", s.opts.Addr, err)
	}
	if ip := net.ParseIP(host); !s.opts.AllowRemote && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("admin address %q is not a loopback address", s.opts.Addr)
	}
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	go s.http.Serve(ln)
	s.opts.Log.Info("admin API listening", "addr", ln.Addr().String())
	return nil
}

// Addr is the bound address.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Shutdown stops serving, waiting for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.ln == nil {
		return nil
	}
	return s.http.Shutdown(ctx)
}

// LoadOrCreateToken returns the configured token, or the one in the data
// directory, creating it (0600) on first start.
func LoadOrCreateToken(configured, dataDir string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	path := filepath.Join(dataDir, TokenFile)
	if b, err := os.ReadFile(path); err == nil {
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(token+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("writing the admin token: %w", err)
	}
	return token, nil
}

func (s *Server) auth(h http.HandlerFunc) http.Handler {
	want := []byte("Bearer " + s.opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if s.opts.Token == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hermod"`)
			writeError(w, http.StatusUnauthorized, 1300, "a valid bearer token is required")
			return
		}
		h(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprintln(w, "ready")
}
