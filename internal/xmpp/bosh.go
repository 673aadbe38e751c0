package xmpp

// boshPath is where BOSH (XEP-0124, XEP-0206) is served on the XMPP HTTP
// listeners.
const boshPath = "/http-bind"

// boshEnabled reports whether the HTTP listeners serve BOSH.
func (s *Server) boshEnabled() bool { return false }
