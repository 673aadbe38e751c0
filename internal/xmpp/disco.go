package xmpp

import (
	"slices"

	"hermod/internal/xmpp/xmlstream"
)

const (
	nsDiscoInfo  = "http://jabber.org/protocol/disco#info"
	nsDiscoItems = "http://jabber.org/protocol/disco#items"
)

// discoModule is service discovery (XEP-0030): the server's identity and
// the features every module declares, and an account's identity.
func discoModule() *module {
	return &module{
		features:        []string{nsDiscoInfo, nsDiscoItems},
		accountFeatures: []string{nsDiscoInfo, nsDiscoItems},
		iq: map[string]iqHandler{
			nsDiscoInfo:  (*session).discoInfo,
			nsDiscoItems: (*session).discoItems,
		},
	}
}

func (s *session) discoInfo(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" {
		return nil, errBadRequest("")
	}
	node := q.Attr("node")
	if to == 0 && (node == "" || node == capsNode+"#"+s.srv.capsVer) {
		out := s.srv.serverInfo()
		out.SetAttr("node", node)
		return out, nil
	}
	if node != "" {
		return nil, errItemNotFound("no such node")
	}
	if to != s.userID && !s.receivesPresenceOf(to) {
		// RFC 6121: an account's details are for its contacts; others
		// learn only that it exists.
		if _, err := s.srv.svc.Users.Get(s.ctx(), to); err != nil {
			return nil, errServiceUnavailable("")
		}
	}
	out := xmlstream.New(nsDiscoInfo, "query")
	out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "account", "type", "registered"))
	for _, m := range s.srv.modules {
		for _, id := range m.accountIdentities {
			out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", id[0], "type", id[1]))
		}
	}
	addFeatures(out, s.srv.accountFeatures())
	return out, nil
}

// serverInfo is the server's disco#info: its identity and every module's
// features (its caps hash is computed from it).
func (s *Server) serverInfo() *xmlstream.Element {
	out := xmlstream.New(nsDiscoInfo, "query")
	out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "server", "type", "im", "name", "hermod"))
	addFeatures(out, s.serverFeatures())
	return out
}

func addFeatures(q *xmlstream.Element, features []string) {
	features = slices.Clone(features)
	slices.Sort(features)
	features = slices.Compact(features)
	for _, f := range features {
		q.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
	}
}

func (s *session) discoItems(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" {
		return nil, errBadRequest("")
	}
	if q.Attr("node") != "" {
		return nil, errItemNotFound("no such node")
	}
	out := xmlstream.New(nsDiscoItems, "query")
	if to == 0 {
		out.Add(xmlstream.New(nsDiscoItems, "item", "jid", s.srv.opts.MUCDomain, "name", "Groups"))
		if s.srv.uploadEnabled() {
			out.Add(xmlstream.New(nsDiscoItems, "item", "jid", s.srv.opts.UploadDomain, "name", "HTTP File Upload"))
		}
		out.Add(s.srv.componentItems()...)
	}
	if to != 0 && to == s.userID {
		// XEP-0163 section 9: the owner discovers their PEP nodes.
		nodes, err := s.srv.svc.Store.PEP().Nodes(s.ctx(), to)
		if err != nil {
			return nil, err
		}
		for _, n := range nodes {
			out.Add(xmlstream.New(nsDiscoItems, "item", "jid", s.srv.bareJID(to), "node", n.Node))
		}
	}
	return out, nil
}
