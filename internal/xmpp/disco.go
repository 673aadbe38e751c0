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
	if node := q.Attr("node"); node != "" {
		return nil, errItemNotFound("no such node")
	}
	out := xmlstream.New(nsDiscoInfo, "query")
	var features []string
	if to == 0 {
		out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "server", "type", "im", "name", "hermod"))
		features = s.srv.serverFeatures()
	} else {
		if to != s.userID && !s.receivesPresenceOf(to) {
			// RFC 6121: an account's details are for its contacts; others
			// learn only that it exists.
			if _, err := s.srv.svc.Users.Get(s.ctx(), to); err != nil {
				return nil, errServiceUnavailable("")
			}
		}
		out.Add(xmlstream.New(nsDiscoInfo, "identity", "category", "account", "type", "registered"))
		features = s.srv.accountFeatures()
	}
	slices.Sort(features)
	features = slices.Compact(features)
	for _, f := range features {
		out.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
	}
	return out, nil
}

func (s *session) discoItems(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if iq.Attr("type") != "get" {
		return nil, errBadRequest("")
	}
	if q.Attr("node") != "" {
		return nil, errItemNotFound("no such node")
	}
	return xmlstream.New(nsDiscoItems, "query"), nil
}
