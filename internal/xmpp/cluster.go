package xmpp

import (
	"bytes"

	"hermod/internal/xmpp/xmlstream"
)

// In a cluster, contacts on other nodes probe a resource's presence through
// the session registry: each XMPP session describes itself there as
// "x" resource NUL presence, the presence being the resource's last
// available presence as broadcast (empty while it is not available).
// Sessions of other protocols describe nothing, which is how a remote
// Turms session is told apart.

// Info implements router.Describer.
func (s *session) Info() []byte {
	b := append([]byte{'x'}, s.jid.Resource...)
	b = append(b, 0)
	if p := s.presence.Load(); p != nil && s.available.Load() {
		b = xmlstream.Append(b, p, "")
	}
	return b
}

// remoteResource reads what a remote session's Info says: whether it is
// an XMPP resource, its name and its presence (nil when unavailable).
func remoteResource(info []byte) (resource string, presence []byte, isXMPP bool) {
	if len(info) == 0 || info[0] != 'x' {
		return "", nil, false
	}
	rest := info[1:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", nil, false
	}
	if len(rest[i+1:]) > 0 {
		presence = rest[i+1:]
	}
	return string(rest[:i]), presence, true
}

// describe tells other nodes of the session's new presence.
func (s *session) describe() {
	s.srv.svc.Router.Describe(s, s.Info())
}
