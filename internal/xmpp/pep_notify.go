package xmpp

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/xmpp/xmlstream"
)

// pepNotice is what happened to a PEP node, on its way through the router
// to the owner's and their contacts' sessions; each session that follows
// the node (its caps announce <node>+notify) renders it as an event
// message (XEP-0060 section 7.1.2).
type pepNotice struct {
	owner     int64
	node      string
	access    string
	items     []pepItem
	retracted []string
	deleted   bool
	purged    bool
}

// notifyPEP sends a notice to the owner's sessions and, unless the node
// is the owner's alone, to the users the owner shares presence with
// (XEP-0163 section 4.3: notifications follow presence subscriptions).
func (s *Server) notifyPEP(owner int64, n *pepNotice) {
	ctx := context.Background()
	to := []int64{owner}
	if n.access != accessWhitelist {
		var err error
		if to, err = domain.AppendRelated(ctx, s.svc.Store, to, owner); err != nil {
			s.log.Warn("listing PEP followers", "err", err)
		}
	}
	s.svc.Router.Publish(ctx, to, &event.Event{
		RequesterID: owner, Payload: &event.Relayed{FromID: owner}, Origin: n,
	})
}

// preparePEP decides whether this session gets a notice: an available
// resource that follows the node.
func (s *session) preparePEP(n *pepNotice) (outItem, bool) {
	if !s.available.Load() || !s.follows(n.node) || (n.access == accessWhitelist && s.userID != n.owner) {
		return outItem{}, false
	}
	// With its namespace declared, as every session's stanzas are prepared
	// on the router's goroutine: a resumed session's transport (sm.go) may
	// be changing meanwhile, and the bytes are valid on any transport.
	return outItem{b: xmlstream.Append(nil, s.srv.pepEvent(n, s.jid.String(), false), "")}, true
}

// follows reports whether this resource's client asked for notifications
// of a node.
func (s *session) follows(node string) bool {
	f := s.notify.Load()
	return f != nil && (*f)[node]
}

// pepEvent renders a notice as an event message for one resource; delayed
// marks the last item sent at login (XEP-0060 section 6.1.7).
func (s *Server) pepEvent(n *pepNotice, to string, delayed bool) *xmlstream.Element {
	ev := xmlstream.New(nsPubSubEvent, "event")
	switch {
	case n.deleted:
		ev.Add(xmlstream.New(nsPubSubEvent, "delete", "node", n.node))
	case n.purged:
		ev.Add(xmlstream.New(nsPubSubEvent, "purge", "node", n.node))
	default:
		items := xmlstream.New(nsPubSubEvent, "items", "node", n.node)
		for _, it := range n.items {
			items.Add(itemElement(nsPubSubEvent, it))
		}
		for _, id := range n.retracted {
			items.Add(xmlstream.New(nsPubSubEvent, "retract", "id", id))
		}
		ev.Add(items)
	}
	typ := "headline"
	if delayed {
		typ = "" // a last item is a normal message (XEP-0163 example 9)
	}
	return xmlstream.New(xmlstream.NSClient, "message", "from", s.bareJID(n.owner), "to", to, "type", typ, "id", randomID()).Add(ev)
}

// sendLastItems sends a resource that just told the server what it
// follows the last item of each such node of the user and of their
// contacts (XEP-0163 section 4.3.2). It may run on another session's
// goroutine (when a caps query it waited for is answered).
func (s *session) sendLastItems() {
	if !s.available.Load() {
		return
	}
	f := s.notify.Load()
	if f == nil || len(*f) == 0 {
		return
	}
	owners := append([]int64{s.userID}, s.srv.contacts(s.userID)...)
	for _, owner := range owners {
		names := map[string]bool{}
		for name := range *f {
			if pepProviders[name] != nil {
				names[name] = true
			}
		}
		stored, err := s.srv.svc.Store.PEP().Nodes(s.ctx(), owner)
		if err != nil {
			s.logger().Warn("listing PEP nodes", "err", err)
			continue
		}
		for _, n := range stored {
			if (*f)[n.Node] {
				names[n.Node] = true
			}
		}
		for name := range names {
			n, err := s.node(owner, name)
			if err != nil || !n.exists || n.cfg.SendLast == "never" || s.mayRead(owner, n.cfg.Access) != nil {
				continue
			}
			its, err := s.items(n, nil, 1)
			if err != nil || len(its) == 0 {
				continue
			}
			s.send(s.srv.pepEvent(&pepNotice{owner: owner, node: name, items: its}, s.jid.String(), true))
		}
	}
}

// contacts returns the users whose presence userID receives and who are
// in userID's roster: both relate to each other without blocking.
func (s *Server) contacts(userID int64) []int64 {
	ctx := context.Background()
	var out []int64
	mine, err := domain.AppendRelated(ctx, s.svc.Store, nil, userID)
	if err != nil {
		return nil
	}
	for _, other := range mine {
		if r, err := s.svc.Store.Relationships().Get(ctx, other, userID); err == nil && r.BlockDate == 0 {
			out = append(out, other)
		}
	}
	return out
}
