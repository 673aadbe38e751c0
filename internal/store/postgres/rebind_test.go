package postgres

import "testing"

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"SELECT a FROM t WHERE a = ? AND b IN (?,?)", "SELECT a FROM t WHERE a = $1 AND b IN ($2,$3)"},
		{"SELECT '?' , ? FROM t", "SELECT '?' , $1 FROM t"},
		{"SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1"},
		{`SELECT "odd?name", ?`, `SELECT "odd?name", $1`},
		{"SELECT ? -- a comment?\n, ?", "SELECT $1 -- a comment?\n, $2"},
		{"SELECT ? /* why? */, ?", "SELECT $1 /* why? */, $2"},
		{"WHERE client_id != '' AND x = ?", "WHERE client_id != '' AND x = $1"},
		{"SELECT 'unterminated ?", "SELECT 'unterminated ?"},
		{"SELECT ? -- to the end?", "SELECT $1 -- to the end?"},
	} {
		if got := rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRebinderCaches(t *testing.T) {
	var r rebinder
	q := "SELECT ? FROM t"
	first := r.rebind(q)
	if got := r.rebind(q); got != first || r.n.Load() != 1 {
		t.Fatalf("%q, %d cached", got, r.n.Load())
	}
	if n := testing.AllocsPerRun(100, func() { r.rebind(q) }); n != 0 {
		t.Fatalf("a cached statement costs %v allocations", n)
	}
}
