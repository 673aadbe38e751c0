// Package backend opens the store a node's configuration names (store.driver),
// so that the server and the command line open it the same way.
package backend

import (
	"context"
	"fmt"

	"hermod/internal/config"
	"hermod/internal/store"
	"hermod/internal/store/postgres"
	"hermod/internal/store/sqlite"
)

// Store is an open backend: the store and its readiness check. Close
// releases it (SQLite's also checkpoints its write-ahead log into the
// database file).
type Store interface {
	store.Store
	// Ping checks that the database answers (the admin API's readiness).
	Ping(ctx context.Context) error
}

// Open opens and migrates the store of cfg: the SQLite file of
// cfg.SQLitePath, or the PostgreSQL database of store.postgres_dsn.
func Open(ctx context.Context, cfg config.Config) (Store, error) {
	switch cfg.Store.Driver {
	case "sqlite", "":
		st, err := sqlite.Open(ctx, cfg.SQLitePath())
		if err != nil {
			return nil, err
		}
		return st, nil
	case "postgres":
		st, err := postgres.Open(ctx, cfg.Store.PostgresDSN, postgres.Options{
			MaxConns: cfg.Store.PostgresMaxConns, Committers: cfg.Store.PostgresCommitters,
		})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	return nil, fmt.Errorf("store.driver %q is not supported", cfg.Store.Driver)
}

// Describe names where cfg's store is, for a log line (a PostgreSQL DSN's
// password left out).
func Describe(cfg config.Config) string {
	if cfg.Store.Driver == "postgres" {
		return "postgres " + postgres.Where(cfg.Store.PostgresDSN)
	}
	return "sqlite " + cfg.SQLitePath()
}
