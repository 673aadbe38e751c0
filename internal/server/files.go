package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hermod/internal/config"
	"hermod/internal/domain/group"
	"hermod/internal/domain/relation"
	"hermod/internal/domain/storage"
	"hermod/internal/idgen"
	"hermod/internal/store"
)

// keyFile is the name, in the data directory, of the key that signs file
// URLs; kept so that URLs survive restarts.
const keyFile = "storage-key"

// files is the file store's HTTP listener.
type files struct {
	addr string
	svc  *storage.Service
	ln   net.Listener
	http *http.Server
}

// newFiles builds the storage service; nil when storage is disabled.
func newFiles(cfg config.Config, st store.Store, ids *idgen.Generator, groups *group.Service, rels *relation.Service) (*files, error) {
	sc := cfg.Storage
	if sc.Addr == "" {
		return nil, nil
	}
	key, err := loadOrCreateKey(filepath.Join(cfg.DataDir, keyFile))
	if err != nil {
		return nil, err
	}
	o := storage.DefaultOptions()
	o.Dir, o.Key = filepath.Join(cfg.DataDir, "files"), key
	o.URLTTLMillis = sc.URLTTL.Milliseconds()
	o.MaxFileBytes, o.MaxPictureBytes = sc.MaxFileBytes, sc.MaxPictureBytes
	for _, t := range strings.Split(sc.AllowedMediaTypes, ",") {
		if t = strings.TrimSpace(t); t != "" {
			o.AllowedMediaTypes = append(o.AllowedMediaTypes, t)
		}
	}
	o.PublicURL = sc.PublicURL
	if o.PublicURL == "" {
		_, port, err := net.SplitHostPort(sc.Addr)
		if err != nil {
			return nil, fmt.Errorf("storage.addr %q: %w", sc.Addr, err)
		}
		o.PublicURL = "http://" + net.JoinHostPort(cfg.Domain, port)
	}
	svc, err := storage.New(st, ids, groups, rels, o)
	if err != nil {
		return nil, err
	}
	return &files{addr: sc.Addr, svc: svc, http: &http.Server{Handler: svc.Handler(), ReadHeaderTimeout: 10 * time.Second}}, nil
}

func loadOrCreateKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return hex.DecodeString(strings.TrimSpace(string(b)))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	return key, os.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
}

func (f *files) start() error {
	if f == nil {
		return nil
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return fmt.Errorf("starting the file listener: %w", err)
	}
	f.ln = ln
	go f.http.Serve(ln)
	return nil
}

func (f *files) stop(ctx context.Context) error {
	if f == nil || f.ln == nil {
		return nil
	}
	return f.http.Shutdown(ctx)
}

// service is the storage service, nil when storage is disabled.
func (f *files) service() *storage.Service {
	if f == nil {
		return nil
	}
	return f.svc
}
