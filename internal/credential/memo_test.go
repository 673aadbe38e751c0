package credential

import (
	"testing"

	"hermod/internal/store"
)

// countVerify counts the full verifications (PBKDF2) for the test's time.
func countVerify(t *testing.T) *int {
	n := new(int)
	t.Cleanup(func() { fullVerify = Verify })
	fullVerify = func(c store.Credentials, password string) bool {
		*n++
		return Verify(c, password)
	}
	return n
}

func TestMemo(t *testing.T) {
	full := countVerify(t)
	m := NewMemo(2)
	c, err := Derive("pencil", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name     string
		id       int64
		c        *store.Credentials
		password string
		want     bool
		wantFull int // full verifications so far
	}{
		{"first login verifies in full", 1, &c, "pencil", true, 1},
		{"the same password again is remembered", 1, &c, "pencil", true, 1},
		{"a wrong password is verified in full and refused", 1, &c, "Pencil", false, 2},
		{"the right one is still remembered", 1, &c, "pencil", true, 2},
		{"another account does not share the entry", 2, &c, "pencil", true, 3},
	}
	for _, s := range steps {
		if got := m.Verify(s.id, *s.c, s.password); got != s.want || *full != s.wantFull {
			t.Fatalf("%s: got %v after %d full verifications, want %v after %d", s.name, got, *full, s.want, s.wantFull)
		}
	}

	// A new password: the old one is refused, though remembered for the
	// old credentials, and the new one is verified once.
	c2, err := Derive("crayon", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	if m.Verify(1, c2, "pencil") {
		t.Fatal("the old password was accepted for new credentials")
	}
	before := *full
	if !m.Verify(1, c2, "crayon") || !m.Verify(1, c2, "crayon") || *full != before+1 {
		t.Fatalf("new password: %d full verifications for two logins, want 1", *full-before)
	}

	// The memo holds at most its size.
	if !m.Verify(3, c2, "crayon") || memoLen(m) != 2 {
		t.Fatalf("memo of 2 holds %d accounts", memoLen(m))
	}
}

func TestNilMemoVerifiesEveryTime(t *testing.T) {
	full := countVerify(t)
	var m *Memo = NewMemo(0)
	c, err := Derive("pencil", MinIterations)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if !m.Verify(1, c, "pencil") {
			t.Fatal("refused")
		}
	}
	if *full != 2 || memoLen(m) != 0 {
		t.Fatalf("%d full verifications, %d remembered; want 2, 0", *full, memoLen(m))
	}
}

func BenchmarkMemoHit(b *testing.B) {
	m := NewMemo(16)
	c, err := Derive("pencil", DefaultIterations)
	if err != nil {
		b.Fatal(err)
	}
	m.Verify(1, c, "pencil")
	b.ReportAllocs()
	for b.Loop() {
		if !m.Verify(1, c, "pencil") {
			b.Fatal("refused")
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	c, err := Derive("pencil", DefaultIterations)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Verify(c, "pencil")
	}
}

// memoLen is how many accounts m holds.
func memoLen(m *Memo) int {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.m)
}
