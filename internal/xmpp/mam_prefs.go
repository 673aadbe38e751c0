package xmpp

import (
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// The archive preferences of XEP-0441 (<prefs xmlns='urn:xmpp:mam:2'/>).
// hermod stores every message for Turms whatever they say; they decide
// what the user's own MAM queries show (see message.ArchiveScope). Named
// JIDs are kept as accounts: a JID of another domain or of no account can
// have no message here (hermod does not federate) and is dropped, and a
// login name reads back as the account's numeric JID.

var archiveDefaults = map[string]store.ArchiveDefault{
	"always": store.ArchiveAlways, "roster": store.ArchiveRoster, "never": store.ArchiveNever,
}

func (s *session) mamPrefs(iq, payload *xmlstream.Element) (*xmlstream.Element, error) {
	if iq.Attr("type") == "get" {
		p, err := s.srv.svc.Messages.ArchivePrefs(s.ctx(), s.userID)
		if err != nil {
			return nil, err
		}
		return s.srv.prefsElement(p), nil
	}
	def, ok := archiveDefaults[payload.Attr("default")]
	if !ok {
		return nil, errBadRequest("the default is always, roster or never")
	}
	p := store.ArchivePrefs{Default: def}
	for _, list := range payload.Elements() {
		var ids *[]int64
		switch {
		case list.Is(nsMAM, "always"):
			ids = &p.Always
		case list.Is(nsMAM, "never"):
			ids = &p.Never
		default:
			return nil, errBadRequest("unexpected <" + list.Local + "/> in preferences")
		}
		for _, j := range list.Elements() {
			if !j.Is(nsMAM, "jid") {
				return nil, errBadRequest("unexpected <" + j.Local + "/> in a JID list")
			}
			parsed, err := jid.Parse(j.Text())
			if err != nil {
				return nil, &stanzaErr{"modify", "jid-malformed", "not a JID: " + j.Text(), nil}
			}
			if parsed.Domain != s.srv.opts.Domain || parsed.Local == "" {
				continue
			}
			if id := s.localID(parsed.Local); id != 0 {
				*ids = append(*ids, id)
			}
		}
	}
	saved, err := s.srv.svc.Messages.SetArchivePrefs(s.ctx(), s.requester(), p)
	if err != nil {
		return nil, err
	}
	return s.srv.prefsElement(saved), nil
}

func (s *Server) prefsElement(p *store.ArchivePrefs) *xmlstream.Element {
	def := "always"
	for name, d := range archiveDefaults {
		if d == p.Default {
			def = name
		}
	}
	out := xmlstream.New(nsMAM, "prefs", "default", def)
	for _, list := range []struct {
		name string
		ids  []int64
	}{{"always", p.Always}, {"never", p.Never}} {
		el := xmlstream.New(nsMAM, list.name)
		for _, id := range list.ids {
			el.Add(xmlstream.New(nsMAM, "jid").AddText(s.bareJID(id)))
		}
		out.Add(el)
	}
	return out
}
