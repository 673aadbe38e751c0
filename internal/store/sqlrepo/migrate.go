package sqlrepo

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// Migrate applies the migrations in dir of fsys that conn's database has
// not recorded in schema_migrations, in version order, each in its own
// transaction with its record. A migration is a file NNNN_name.sql, NNNN
// its version. backend names the store in errors.
//
// Migrate takes no lock: a backend that several processes open at once
// holds one around it (PostgreSQL an advisory lock on conn's session;
// SQLite's write lock serializes each migration's transaction).
func Migrate(ctx context.Context, conn *sql.Conn, fsys fs.FS, dir, backend string) error {
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return fmt.Errorf("%s: creating schema_migrations: %w", backend, err)
	}
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	// Two migrations with one number would skip the second silently (as
	// happens when two branches each add the next one): refuse to start.
	seen := map[int]string{}
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		version, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("%s: migration %s has no version number", backend, base)
		}
		if other, dup := seen[version]; dup {
			return fmt.Errorf("%s: migrations %s and %s have the same version number", backend, other, base)
		}
		seen[version] = base
	}
	for _, name := range names {
		base := strings.TrimPrefix(name, dir+"/")
		version, _ := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if err := apply(ctx, conn, version, string(body)); err != nil {
			return fmt.Errorf("%s: migration %s: %w", backend, base, err)
		}
	}
	return nil
}

// apply runs one migration unless it is recorded. The version is an int
// from a file name, written into the SQL so that no placeholder style is
// needed.
func apply(ctx context.Context, conn *sql.Conn, version int, body string) error {
	v := strconv.Itoa(version)
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = "+v).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version) VALUES ("+v+")"); err != nil {
		return err
	}
	return tx.Commit()
}
