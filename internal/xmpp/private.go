package xmpp

import (
	"errors"
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

const nsPrivate = "jabber:iq:private"

// privateModule is private XML storage (XEP-0049): a client keeps one
// element per namespace on the server for itself. (Its PEP-native
// successor, XEP-0223, is a PEP node with access model whitelist.)
func privateModule() *module {
	return &module{
		features: []string{nsPrivate},
		iq:       map[string]iqHandler{nsPrivate: (*session).private},
	}
}

func (s *session) private(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != s.userID {
		return nil, errForbidden("private XML is for the account's owner")
	}
	els := q.Elements()
	if len(els) != 1 {
		return nil, errNotAcceptable("name exactly one element")
	}
	el := els[0]
	if el.Is(nsBookmarksLegacy, "storage") {
		return s.privateBookmarks(iq) // the user's groups: muc_bookmarks.go
	}
	switch el.Space {
	case "", xmlstream.NSClient, nsPrivate:
		// XEP-0049 section 3: jabber:* namespaces are the protocol's own.
		return nil, errNotAcceptable("the element needs a namespace of its own")
	}
	repo := s.srv.svc.Store.PrivateXML()
	if iq.Attr("type") == "set" {
		b := xmlstream.Append(nil, el, "")
		if len(b) > s.srv.opts.PrivateMaxBytes {
			return nil, errNotAcceptable("private XML is limited to " + strconv.Itoa(s.srv.opts.PrivateMaxBytes) + " bytes")
		}
		return nil, repo.Put(s.ctx(), s.userID, el.Space, b, domain.Now())
	}
	out := xmlstream.New(nsPrivate, "query")
	b, err := repo.Get(s.ctx(), s.userID, el.Space)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return out.Add(xmlstream.New(el.Space, el.Local)), nil // nothing stored: the empty element back
	case err != nil:
		return nil, err
	}
	out.Children = append(out.Children, xmlstream.Raw(b))
	return out, nil
}
