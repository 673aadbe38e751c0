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

// privateProvider serves one namespace of private XML from elsewhere than
// the store (bookmarks of XEP-0048 from the user's groups, for example).
type privateProvider struct {
	// get returns the element the owner keeps (nil: the empty element).
	get func(s *session) (*xmlstream.Element, error)
	// set takes a new element; nil refuses changes.
	set func(s *session, el *xmlstream.Element) error
}

// privateProviders are the provided namespaces. Files register theirs in
// init.
var privateProviders = map[string]*privateProvider{}

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
	case "", xmlstream.NSClient, "jabber:server", nsPrivate:
		// XEP-0049 section 3: jabber:* namespaces are the protocol's own.
		return nil, errNotAcceptable("the element needs a namespace of its own")
	}
	if p := privateProviders[el.Space]; p != nil {
		return s.providedPrivate(p, iq.Attr("type") == "set", el)
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

func (s *session) providedPrivate(p *privateProvider, set bool, el *xmlstream.Element) (*xmlstream.Element, error) {
	if set {
		if p.set == nil {
			return nil, errNotAllowed("this element is kept by the server")
		}
		return nil, p.set(s, el)
	}
	got, err := p.get(s)
	if err != nil {
		return nil, err
	}
	if got == nil {
		got = xmlstream.New(el.Space, el.Local)
	}
	return xmlstream.New(nsPrivate, "query").Add(got), nil
}
