package xmpp

import "hermod/internal/xmpp/xmlstream"

// iqHandler answers an IQ get or set whose payload is in the handler's
// namespace. to is whom the IQ addresses: 0 for the server, the user's own
// id, or another user's id (for handlers that answer on an account's
// behalf). It returns the result payload (nil for an empty result) or an
// error, usually a *stanzaErr.
type iqHandler func(s *session, iq, payload *xmlstream.Element, to int64) (*xmlstream.Element, error)

// module is one XMPP feature: what it announces in stream features and
// service discovery, and the IQ namespaces it answers.
type module struct {
	// features are announced in disco#info of the server; accountFeatures
	// in disco#info of account JIDs.
	features, accountFeatures []string
	// accountIdentities are added to an account's disco#info, as
	// (category, type).
	accountIdentities [][2]string
	// streamFeatures are announced once authenticated, as (namespace, name).
	streamFeatures [][2]string
	iq             map[string]iqHandler
}

// modules returns every module of the adapter.
func modules(opts Options) []*module {
	ms := []*module{
		rosterModule(), discoModule(), pingModule(), versionModule(opts.Version), timeModule(),
		vcardModule(), blockingModule(), sessionModule(), registerModule(), messageModule(), featuresModule(),
		pepModule(), privateModule(), avatarModule(), bookmarksModule(),
		mamModule(), carbonsModule(), extdiscoModule(opts),
		smModule(), csiModule(), pushModule(),
	}
	return ms
}

// serverFeatures lists every module's server features.
func (s *Server) serverFeatures() []string {
	var out []string
	for _, m := range s.modules {
		out = append(out, m.features...)
	}
	return out
}

func (s *Server) accountFeatures() []string {
	var out []string
	for _, m := range s.modules {
		out = append(out, m.accountFeatures...)
	}
	return out
}

// sessionModule answers the legacy session establishment of RFC 3921,
// which RFC 6121 keeps as an optional no-op for old clients.
func sessionModule() *module {
	return &module{iq: map[string]iqHandler{
		nsSession: func(s *session, iq, _ *xmlstream.Element, _ int64) (*xmlstream.Element, error) {
			if iq.Attr("type") != "set" {
				return nil, errBadRequest("")
			}
			return nil, nil
		},
	}}
}
