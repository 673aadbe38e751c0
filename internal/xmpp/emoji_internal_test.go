package xmpp

import "testing"

func TestReactionTypes(t *testing.T) {
	for _, tc := range []struct {
		emoji string
		typ   int32
		back  string // what XMPP gets back; the emoji when empty
	}{
		{"👍", 0x1F44D, ""},
		{"😂", 0x1F602, ""},
		{"❤️", 0x2764, ""},
		{"❤", 0x2764, "❤️"}, // one reaction with or without the selector
		{"👍🏽", 0x1F44D | 3<<21, ""},
		{"👍🏽", 0x1F44D | 3<<21, ""},
		{"1️⃣", '1' | 6<<21, ""},
		{"🇫🇷", (5*26 + 17) | 7<<21, ""},
		{"🇺🇦", (20*26 + 0) | 7<<21, ""},
		{"+", '+', ""},
	} {
		got, ok := reactionType(tc.emoji)
		if !ok || got != tc.typ {
			t.Errorf("reactionType(%q) = %#x %v, want %#x", tc.emoji, got, ok, tc.typ)
			continue
		}
		want := tc.back
		if want == "" {
			want = tc.emoji
		}
		if back, ok := reactionText(got); !ok || back != want {
			t.Errorf("reactionText(%#x) = %q %v, want %q", got, back, ok, want)
		}
	}
}

func TestReactionsWithoutATurmsNumber(t *testing.T) {
	for _, s := range []string{"", " ", "ab", "❤️‍🔥", "👨‍👩‍👧", "\x01"} {
		if typ, ok := reactionType(s); ok {
			t.Errorf("reactionType(%q) = %#x, want none", s, typ)
		}
	}
	for _, typ := range []int32{0, -1, 1, 10, ' ', 0xD800, 7<<21 | 26*26, 6<<21 | 'a', 8 << 21} {
		if s, ok := reactionText(typ); ok {
			t.Errorf("reactionText(%#x) = %q, want none", typ, s)
		}
	}
}
