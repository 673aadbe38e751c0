package xmpp

import (
	"errors"

	"hermod/internal/domain/relation"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

const (
	nsBlocking       = "urn:xmpp:blocking"
	nsBlockingErrors = "urn:xmpp:blocking:errors"
)

// blockingModule is the blocking command (XEP-0191) on relationship
// blocking: a blocked user is a relationship with a block date, as a Turms
// client blocks.
func blockingModule() *module {
	return &module{
		features: []string{nsBlocking},
		iq:       map[string]iqHandler{nsBlocking: (*session).blocking},
	}
}

func (s *session) blocking(iq, p *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != s.userID {
		return nil, errForbidden("")
	}
	typ := iq.Attr("type")
	switch {
	case typ == "get" && p.Local == "blocklist":
		blocked := true
		rels, _, err := s.srv.svc.Relations.Relationships(s.ctx(), s.userID, store.RelationshipFilter{Blocked: &blocked}, 0)
		if err != nil && !isNoContent(err) {
			return nil, err
		}
		out := xmlstream.New(nsBlocking, "blocklist")
		for _, r := range rels {
			out.Add(xmlstream.New(nsBlocking, "item", "jid", s.srv.bareJID(r.RelatedID)))
		}
		return out, nil
	case typ == "set" && (p.Local == "block" || p.Local == "unblock"):
		return nil, s.block(p, p.Local == "block")
	}
	return nil, errBadRequest("")
}

func (s *session) block(p *xmlstream.Element, block bool) error {
	var ids []int64
	for _, it := range p.Elements() {
		if !it.Is(nsBlocking, "item") {
			continue
		}
		a, serr := s.resolve(it.Attr("jid"))
		if serr != nil {
			return serr
		}
		if !a.local || a.userID == 0 || a.userID == s.userID {
			return errItemNotFound("only other users of this server can be blocked")
		}
		ids = append(ids, a.userID)
	}
	if block && len(ids) == 0 {
		return errBadRequest("nothing to block")
	}
	ctx, rels := s.ctx(), s.srv.svc.Relations
	if !block && len(ids) == 0 { // unblock everyone
		blocked := true
		list, _, err := rels.Relationships(ctx, s.userID, store.RelationshipFilter{Blocked: &blocked}, 0)
		if err != nil && !isNoContent(err) {
			return err
		}
		for _, r := range list {
			ids = append(ids, r.RelatedID)
		}
	}
	for _, id := range ids {
		var err error
		if block {
			err = rels.UpdateRelationship(ctx, s.requester(), id, relation.RelationshipChange{Blocked: &block}, nil)
		} else {
			err = s.unblock(id)
		}
		if err != nil {
			return err
		}
	}
	// XEP-0191 section 3.3: every resource that asked for the blocklist is
	// told; hermod tells every resource.
	push := xmlstream.New(nsBlocking, p.Local)
	for _, id := range ids {
		push.Add(xmlstream.New(nsBlocking, "item", "jid", s.srv.bareJID(id)))
	}
	for _, o := range s.srv.svc.Router.Sessions(s.userID) {
		if x, ok := o.(*session); ok {
			x.send(xmlstream.New(xmlstream.NSClient, "iq", "type", "set", "id", "block"+randomID()[:8]).Add(push))
		}
	}
	return nil
}

// unblock lifts a block. A relationship that existed only to block (the
// other side has none) goes away; one of friends becomes a friendship again.
func (s *session) unblock(id int64) error {
	ctx, rels := s.ctx(), s.srv.svc.Relations
	_, err := s.srv.svc.Store.Relationships().Get(ctx, id, s.userID)
	if errors.Is(err, store.ErrNotFound) {
		return rels.DeleteRelationship(ctx, s.requester(), id, nil, nil, nil)
	}
	if err != nil {
		return err
	}
	no := false
	return rels.UpdateRelationship(ctx, s.requester(), id, relation.RelationshipChange{Blocked: &no}, nil)
}
