package xmpp

import (
	"unicode"
	"unicode/utf8"
)

// Turms reaction types are numbers; XEP-0444 reactions are emoji. hermod
// numbers an emoji by its code point (👍 is 0x1F44D, 128077), so that a
// Turms client that uses code points as its reaction types speaks the same
// language as XMPP clients. Bits 21 to 23 say what follows the code point:
//
//   - 0: nothing (a variation selector 16 is dropped: ❤ and ❤️ are one
//     reaction; XMPP gets it back with the selector below U+1F000, where
//     many symbols default to text presentation);
//   - 1 to 5: a skin tone modifier, U+1F3FB to U+1F3FF (👍🏽 is
//     0x1F44D | 3<<21);
//   - 6: a keycap, U+20E3 (1️⃣ is '1' | 6<<21);
//   - 7: a flag, two regional indicators, numbered first*26+second (🇫🇷 is
//     5*26+17 | 7<<21).
//
// Other emoji (ZWJ sequences such as ❤️‍🔥) have no number: they reach XMPP
// peers in the stanza as sent but are not stored as Turms reactions.
const (
	vs16         = '\uFE0F'
	keycapMark   = '\u20E3'
	skinToneBase = 0x1F3FA // tone n is skinToneBase+n
	regionalA    = 0x1F1E6
	tagShift     = 21
	tagKeycap    = 6
	tagFlag      = 7
	codePointMax = 1<<tagShift - 1
)

// reactionType numbers a reaction; false if it has no number.
func reactionType(s string) (int32, bool) {
	var rs []rune
	for _, r := range s {
		if r != vs16 {
			rs = append(rs, r)
		}
	}
	switch {
	case len(rs) == 1 && unicode.IsGraphic(rs[0]) && !unicode.IsSpace(rs[0]):
		return rs[0], true
	case len(rs) == 2 && isRegional(rs[0]) && isRegional(rs[1]):
		return tagFlag<<tagShift | (rs[0]-regionalA)*26 + rs[1] - regionalA, true
	case len(rs) == 2 && rs[1] == keycapMark && (rs[0] >= '0' && rs[0] <= '9' || rs[0] == '#' || rs[0] == '*'):
		return tagKeycap<<tagShift | rs[0], true
	case len(rs) == 2 && rs[1] > skinToneBase && rs[1] <= skinToneBase+5 && unicode.IsGraphic(rs[0]):
		return (rs[1]-skinToneBase)<<tagShift | rs[0], true
	}
	return 0, false
}

// reactionText is the emoji a reaction type numbers; false if it numbers
// none (a Turms client's own numbering, for example).
func reactionText(t int32) (string, bool) {
	if t <= 0 || t > 8<<tagShift-1 {
		return "", false
	}
	tag, cp := t>>tagShift, t&codePointMax
	switch {
	case tag == tagFlag:
		if cp >= 26*26 {
			return "", false
		}
		return string([]rune{regionalA + cp/26, regionalA + cp%26}), true
	case tag == tagKeycap:
		if !(cp >= '0' && cp <= '9' || cp == '#' || cp == '*') {
			return "", false
		}
		return string([]rune{cp, vs16, keycapMark}), true
	case !utf8.ValidRune(cp) || !unicode.IsGraphic(cp) || unicode.IsSpace(cp):
		return "", false
	case tag == 0:
		if cp < 0x1F000 && cp >= 0x80 {
			return string([]rune{cp, vs16}), true
		}
		return string(cp), true
	}
	return string([]rune{cp, skinToneBase + tag}), true
}

func isRegional(r rune) bool { return r >= regionalA && r < regionalA+26 }
