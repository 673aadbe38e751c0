// Package pgtest gives each test a PostgreSQL schema of its own, in the
// database named by HERMOD_TEST_POSTGRES_DSN, dropped when the test ends.
// Without that variable the test is skipped, with a word on how to get
// PostgreSQL, except under CI (CI=true), where a missing database fails.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvDSN names the variable holding the test database's DSN.
const EnvDSN = "HERMOD_TEST_POSTGRES_DSN"

// DSN returns a DSN whose connections work in a new, empty schema.
func DSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDSN)
	if base == "" {
		msg := "PostgreSQL tests need a database: install PostgreSQL (apt-get install postgresql; " +
			"pg_ctlcluster <version> main start), then set " + EnvDSN +
			"=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable (any database the user may create schemas in)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	schema := fmt.Sprintf("hermod_test_%016x", rand.Uint64())
	exec(t, base, "CREATE SCHEMA "+schema)
	t.Cleanup(func() { exec(t, base, "DROP SCHEMA "+schema+" CASCADE") })
	return WithSearchPath(base, schema)
}

// WithSearchPath returns dsn with its connections' search_path set to
// schema, for a URL (postgres://...) or a key=value DSN.
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}

func exec(t testing.TB, dsn, stmt string) {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
