package jid

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{in: "1001@example.com", want: "1001@example.com"},
		{in: "Alice@Example.COM/Phone", want: "alice@example.com/Phone"},
		{in: "example.com", want: "example.com"},
		{in: "example.com.", want: "example.com"},
		{in: "a@b/c/d@e", want: "a@b/c/d@e"},
		{in: "ÄLICE@example.com", want: "älice@example.com"},
		{in: "user@EXAMPLE.com/ res ", want: "user@example.com/ res "},
		{in: "", err: true},
		{in: "@example.com", err: true},
		{in: "a@", err: true},
		{in: "a@example.com/", err: true},
		{in: "a b@example.com", err: true},
		{in: "a@exa mple.com", err: true},
		{in: "a@b@c", err: true},
		{in: "a\x00@b", err: true},
	}
	for _, tt := range tests {
		j, err := Parse(tt.in)
		if tt.err {
			if err == nil {
				t.Errorf("Parse(%q) = %q, want an error", tt.in, j)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := j.String(); got != tt.want {
			t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBare(t *testing.T) {
	j, err := Parse("a@b/c")
	if err != nil {
		t.Fatal(err)
	}
	if j.IsBare() || !j.Bare().IsBare() || j.Bare().String() != "a@b" {
		t.Fatalf("Bare of %q = %q", j, j.Bare())
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a@b/c", "ÄLICE@example.com", "x", "@@//"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := Parse(s)
		if err != nil {
			return
		}
		// A prepared address parses to itself.
		again, err := Parse(j.String())
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, j, err)
		}
		if again != j {
			t.Fatalf("Parse(%q) = %q, reparsed %q", s, j, again)
		}
	})
}
