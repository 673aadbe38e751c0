package sqlrepo_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "modernc.org/sqlite"

	"hermod/internal/store/sqlrepo"
)

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		files   fstest.MapFS
		wantErr string
		tables  int
	}{
		{"in order", fstest.MapFS{
			"m/0002_b.sql": {Data: []byte("CREATE TABLE b (x INTEGER REFERENCES a (x));")},
			"m/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER PRIMARY KEY);")},
		}, "", 2},
		{"one number twice", fstest.MapFS{
			"m/0001_a.sql":     {Data: []byte("CREATE TABLE a (x INTEGER);")},
			"m/0002_b.sql":     {Data: []byte("CREATE TABLE b (x INTEGER);")},
			"m/0002_other.sql": {Data: []byte("CREATE TABLE c (x INTEGER);")},
		}, "same version number", 0},
		{"no number", fstest.MapFS{"m/init.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")}}, "no version number", 0},
		{"a failing one", fstest.MapFS{
			"m/0001_a.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
			"m/0002_b.sql": {Data: []byte("CREATE TABLE a (x INTEGER);")},
		}, "0002_b.sql", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			for range 2 { // the second run applies nothing new
				conn, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				err = sqlrepo.Migrate(ctx, conn, tc.files, "m", "test")
				conn.Close()
				if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			}
			var n int
			if err := db.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != tc.tables {
				t.Fatalf("%d migrations recorded, want %d", n, tc.tables)
			}
		})
	}
}
