package xmpp

import (
	"slices"
	"strings"
	"sync"

	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// components are the external components (XEP-0114) the server accepts:
// their secrets, by domain, and the connections open to them. A domain
// has at most one authenticated connection; a second one is refused with
// <conflict/> while the first lives (a component that restarts has closed
// its old connection, and a half-open one is found out by TCP keepalives),
// so that a misconfigured second instance cannot take a running
// component's traffic.
type components struct {
	secrets map[string]string

	mu      sync.Mutex
	bound   map[string]*componentConn   // authenticated, by domain
	conns   map[*componentConn]struct{} // every open connection
	stopped bool
	// directed holds, by session, the component JIDs it sent available
	// presence to, which get its unavailable presence (RFC 6121 section
	// 4.6.3) when it goes unavailable or away.
	directed map[*session]map[string]bool
}

func newComponents(secrets map[string]string) *components {
	c := &components{secrets: make(map[string]string, len(secrets)),
		bound: make(map[string]*componentConn), conns: make(map[*componentConn]struct{}),
		directed: make(map[*session]map[string]bool)}
	for d, secret := range secrets {
		c.secrets[strings.ToLower(d)] = secret
	}
	return c
}

// track adds an open connection; false once the server stops.
func (cs *components) track(c *componentConn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.stopped {
		return false
	}
	cs.conns[c] = struct{}{}
	return true
}

// untrack forgets a connection that has ended.
func (cs *components) untrack(c *componentConn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	delete(cs.conns, c)
}

// unbind frees the domain of a connection whose stream is ending, so that
// the component may connect again at once.
func (cs *components) unbind(c *componentConn) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.bound[c.domain] == c {
		delete(cs.bound, c.domain)
	}
}

// bind makes an authenticated connection the one of its domain.
func (cs *components) bind(c *componentConn) *xmlstream.StreamError {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch {
	case cs.stopped:
		return &xmlstream.StreamError{Condition: "system-shutdown"}
	case cs.bound[c.domain] != nil:
		return &xmlstream.StreamError{Condition: "conflict", Text: c.domain + " is already connected"}
	}
	cs.bound[c.domain] = c
	return nil
}

// get returns the connection of a domain, or nil.
func (cs *components) get(domain string) *componentConn {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.bound[domain]
}

// connected lists the domains of the connected components, sorted.
func (cs *components) connected() []string {
	cs.mu.Lock()
	out := make([]string, 0, len(cs.bound))
	for d := range cs.bound {
		out = append(out, d)
	}
	cs.mu.Unlock()
	slices.Sort(out)
	return out
}

// closeAll ends every connection and refuses new ones.
func (cs *components) closeAll(se *xmlstream.StreamError) {
	cs.mu.Lock()
	cs.stopped = true
	all := make([]*componentConn, 0, len(cs.conns))
	for c := range cs.conns {
		all = append(all, c)
	}
	cs.mu.Unlock()
	for _, c := range all {
		c.closeWith(se)
	}
}

// componentDomain reports whether to addresses a configured component's
// domain or a JID at it, and which domain that is.
func (s *Server) componentDomain(to string) (string, bool) {
	if len(s.comps.secrets) == 0 || to == "" {
		return "", false
	}
	j, err := jid.Parse(to)
	if err != nil {
		return "", false
	}
	if _, ok := s.comps.secrets[j.Domain]; !ok {
		return "", false
	}
	return j.Domain, true
}

// componentItems are the connected components, for the server's
// disco#items.
func (s *Server) componentItems() []*xmlstream.Element {
	var out []*xmlstream.Element
	for _, d := range s.comps.connected() {
		out = append(out, xmlstream.New(nsDiscoItems, "item", "jid", d))
	}
	return out
}

// notePresence remembers or forgets a session's directed presence to a
// component JID.
func (cs *components) notePresence(s *session, to, typ string) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	switch typ {
	case "":
		if cs.directed[s] == nil {
			cs.directed[s] = make(map[string]bool)
		}
		cs.directed[s][to] = true
	case "unavailable":
		delete(cs.directed[s], to)
		if len(cs.directed[s]) == 0 {
			delete(cs.directed, s)
		}
	}
}

// unavailableToComponents sends the session's unavailable presence (p,
// or a plain one when nil) to the component JIDs it sent presence to, and
// forgets them.
func (s *session) unavailableToComponents(p *xmlstream.Element) {
	cs := s.srv.comps
	if len(cs.secrets) == 0 {
		return
	}
	cs.mu.Lock()
	targets := cs.directed[s]
	delete(cs.directed, s)
	cs.mu.Unlock()
	if len(targets) == 0 {
		return
	}
	if p == nil {
		p = xmlstream.New(xmlstream.NSClient, "presence", "type", "unavailable", "from", s.jid.String())
	}
	for to := range targets {
		j, err := jid.Parse(to)
		if err != nil {
			continue
		}
		if c := cs.get(j.Domain); c != nil {
			u := p.Copy()
			u.SetAttr("to", to)
			c.send(u)
		}
	}
}
