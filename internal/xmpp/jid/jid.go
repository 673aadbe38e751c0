// Package jid parses and prepares XMPP addresses (RFC 7622).
package jid

import (
	"errors"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
)

// JID is a prepared XMPP address. The zero JID is empty.
type JID struct {
	Local, Domain, Resource string
}

const maxPart = 1023 // bytes, for each of the three parts

// Errors Parse returns.
var (
	ErrEmpty   = errors.New("jid: empty address")
	ErrInvalid = errors.New("jid: malformed address")
	ErrTooLong = errors.New("jid: part longer than 1023 bytes")
)

// Parse splits and prepares s: the localpart with the UsernameCaseMapped
// profile, the domain lowercased (in Unicode form), the resource with
// OpaqueString.
func Parse(s string) (JID, error) {
	if s == "" {
		return JID{}, ErrEmpty
	}
	var j JID
	rest := s
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		j.Resource, rest = rest[i+1:], rest[:i]
		if j.Resource == "" {
			return JID{}, ErrInvalid
		}
	}
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		j.Local, rest = rest[:i], rest[i+1:]
		if j.Local == "" {
			return JID{}, ErrInvalid
		}
	}
	j.Domain = rest
	return j.prepare()
}

// New prepares a JID from its parts.
func New(local, domain, resource string) (JID, error) {
	return JID{Local: local, Domain: domain, Resource: resource}.prepare()
}

func (j JID) prepare() (JID, error) {
	var err error
	if j.Local != "" {
		if j.Local, err = prepLocal(j.Local); err != nil {
			return JID{}, err
		}
	}
	if j.Domain, err = PrepDomain(j.Domain); err != nil {
		return JID{}, err
	}
	if j.Resource != "" {
		if j.Resource, err = PrepResource(j.Resource); err != nil {
			return JID{}, err
		}
	}
	return j, nil
}

func prepLocal(s string) (string, error) {
	if isASCIILocal(s) { // the common case, without the PRECIS machinery
		return strings.ToLower(s), nil
	}
	p, err := precis.UsernameCaseMapped.String(s)
	if err != nil || p == "" {
		return "", ErrInvalid
	}
	if strings.ContainsAny(p, `"&'/:<>@`) {
		return "", ErrInvalid
	}
	if len(p) > maxPart {
		return "", ErrTooLong
	}
	return p, nil
}

// isASCIILocal reports whether s is a non-empty localpart of printable
// ASCII without the characters RFC 7622 forbids.
func isASCIILocal(s string) bool {
	if len(s) == 0 || len(s) > maxPart {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"&'/:<>@`, c) >= 0 {
			return false
		}
	}
	return true
}

// PrepDomain prepares a domainpart: lowercase, without a trailing dot,
// internationalized labels in Unicode form.
func PrepDomain(s string) (string, error) {
	s = strings.TrimSuffix(s, ".")
	if s == "" || !utf8.ValidString(s) {
		return "", ErrInvalid
	}
	if isASCII(s) {
		s = strings.ToLower(s)
	} else {
		u, err := idna.Lookup.ToUnicode(s)
		if err != nil {
			return "", ErrInvalid
		}
		s = u
	}
	if len(s) > maxPart {
		return "", ErrTooLong
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || strings.ContainsFunc(label, func(r rune) bool {
			return r <= ' ' || r == 0x7f || r == '@' || r == '/' || r == utf8.RuneError
		}) {
			return "", ErrInvalid
		}
	}
	return s, nil
}

// PrepResource prepares a resourcepart with the OpaqueString profile.
func PrepResource(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", ErrInvalid
	}
	p, err := precis.OpaqueString.String(s)
	if err != nil || p == "" {
		return "", ErrInvalid
	}
	if len(p) > maxPart {
		return "", ErrTooLong
	}
	return p, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Bare returns j without its resource.
func (j JID) Bare() JID { return JID{Local: j.Local, Domain: j.Domain} }

// IsZero reports whether j is empty.
func (j JID) IsZero() bool { return j.Domain == "" }

// IsBare reports whether j has no resource.
func (j JID) IsBare() bool { return j.Resource == "" }

// String returns the address in its usual form.
func (j JID) String() string {
	if j.Domain == "" {
		return ""
	}
	n := len(j.Domain)
	if j.Local != "" {
		n += len(j.Local) + 1
	}
	if j.Resource != "" {
		n += len(j.Resource) + 1
	}
	var b strings.Builder
	b.Grow(n)
	if j.Local != "" {
		b.WriteString(j.Local)
		b.WriteByte('@')
	}
	b.WriteString(j.Domain)
	if j.Resource != "" {
		b.WriteByte('/')
		b.WriteString(j.Resource)
	}
	return b.String()
}
