package xmpp

import (
	"hermod/internal/domain/event"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// prepare decides, on the router's goroutine, what an event becomes for
// this session: bytes rendered once per event for every XMPP session
// (messages, relayed stanzas), or the event itself for the write loop to
// render when it needs the store or the router (presence, roster pushes),
// which the router's delivery must not enter. false means the session is
// not told.
func (s *session) prepare(ev *event.Event) (outItem, bool) {
	if it, ok, handled := s.prepareMUC(ev); handled {
		return it, ok
	}
	switch p := ev.Payload.(type) {
	case *event.MessageCreated:
		m := &p.Message
		if !m.IsGroup() && !m.IsSystem && s.available.Load() {
			if it, ok, handled := s.prepareMessageCarbon(ev, m); handled {
				return it, ok
			}
		}
		if m.IsGroup() || m.RecipientID != s.userID || !s.available.Load() {
			return outItem{}, false // group chat is the MUC service's
		}
		if m.IsSystem {
			return outItem{}, false // a recall's announcement: XMPP gets a retraction
		}
		b := ev.Rendered(event.SlotXMPP, func() []byte { return s.srv.renderMessage(m, ev.Origin, false) })
		return outItem{b: b, msgID: m.ID}, true
	case *event.TypingStatus:
		if p.IsGroup || !s.available.Load() {
			return outItem{}, false
		}
		if o, ok := ev.Origin.(*stanzaOrigin); ok && o.toResource != "" && o.toResource != s.jid.Resource {
			return s.prepareRelayedCarbon(o)
		}
		if _, fromXMPP := ev.Origin.(*stanzaOrigin); !fromXMPP && s.srv.opts.TypingPause > 0 {
			return outItem{ev: ev}, true // the write loop renders it with its pause
		}
		return outItem{b: ev.Rendered(event.SlotXMPP, func() []byte { return s.srv.renderTyping(p, ev.Origin) })}, true
	case *event.Relayed:
		if n, ok := ev.Origin.(*pepNotice); ok {
			return s.preparePEP(n)
		}
		o, ok := ev.Origin.(*stanzaOrigin)
		if !ok {
			return outItem{}, false
		}
		if o.toResource != "" && o.toResource != s.jid.Resource {
			return s.prepareRelayedCarbon(o)
		}
		return outItem{b: ev.Rendered(event.SlotXMPP, o.bytes)}, true
	case *event.OnlineStatusUpdated:
		// Rendered in the write loop: it consults the blocklist and the
		// router, which must not be entered from the router's delivery.
		return outItem{ev: ev}, s.available.Load()
	case *event.UserInfoUpdated:
		return outItem{ev: ev}, s.available.Load()
	case *event.FriendRequestCreated, *event.FriendRequestReplied, *event.FriendRequestRecalled,
		*event.RelationshipChanged, *event.RelationshipGroupsChanged:
		return outItem{ev: ev}, true
	}
	if it, ok := s.prepareChangeCarbon(ev); ok {
		return it, true
	}
	return s.prepareFeature(ev)
}

// renderDeferred renders an event that needs the store, on the write loop.
func (s *session) renderDeferred(ev *event.Event) [][]byte {
	switch p := ev.Payload.(type) {
	case *event.OnlineStatusUpdated:
		if !s.available.Load() {
			return nil
		}
		if p.UserID == s.userID {
			return [][]byte{s.srv.renderStatus(p, ev.Origin, s.userID)}
		}
		if blocked, err := s.srv.svc.Relations.IsBlocked(s.ctx(), s.userID, p.UserID); err != nil || blocked {
			return nil
		}
		return [][]byte{ev.Rendered(event.SlotXMPP, func() []byte { return s.srv.renderStatus(p, ev.Origin, 0) })}
	case *event.FriendRequestCreated:
		fr := &p.Request
		if fr.RecipientID == s.userID {
			if !s.available.Load() {
				return nil // sent at its next initial presence
			}
			return [][]byte{xmlstream.Append(nil, s.srv.subscribeRequest(fr), "")}
		}
		return s.pushes(fr.RecipientID)
	case *event.FriendRequestRecalled:
		fr := &p.Request
		if fr.RecipientID == s.userID {
			return s.withPushes(s.presenceType("unsubscribe", fr.RequesterID), fr.RequesterID)
		}
		return s.pushes(fr.RecipientID)
	case *event.FriendRequestReplied:
		fr := &p.Request
		if fr.RequesterID != s.userID {
			out := s.pushes(fr.RequesterID)
			if fr.Status == store.RequestAccepted && s.available.Load() {
				out = append(out, s.srv.presenceOf(fr.RequesterID, s.userID, nil)...)
			}
			return out
		}
		typ := "unsubscribed"
		if fr.Status == store.RequestAccepted || fr.Status == store.RequestAcceptedWithoutConfirm {
			typ = "subscribed"
		}
		out := s.withPushes(s.presenceType(typ, fr.RecipientID), fr.RecipientID)
		if typ == "subscribed" && s.available.Load() {
			out = append(out, s.srv.presenceOf(fr.RecipientID, s.userID, nil)...)
		}
		return out
	case *event.RelationshipChanged:
		if p.OwnerID == s.userID {
			return s.pushes(p.RelatedID)
		}
		// The owner started or stopped sharing presence with this user (a
		// relationship made, deleted, blocked or unblocked).
		out := s.pushes(p.OwnerID)
		if s.available.Load() {
			if !p.Deleted && s.receivesPresenceOf(p.OwnerID) {
				out = append(out, s.srv.presenceOf(p.OwnerID, s.userID, nil)...)
			} else {
				out = append(out, s.presenceType("unavailable", p.OwnerID))
			}
		}
		return out
	case *event.UserInfoUpdated:
		return s.renderProfileChange(ev, &p.User)
	case *event.RelationshipGroupsChanged:
		// A group was renamed or deleted: the items that were in it changed,
		// and which they were is gone, so every item is pushed.
		if p.OwnerID != s.userID || !s.roster.Load() {
			return nil
		}
		items, ver, err := s.rosterItems()
		if err != nil {
			return nil
		}
		out := make([][]byte, 0, len(items))
		for _, it := range items {
			out = append(out, s.srv.pushBytes(it, ver, s.t.parentNS()))
		}
		return out
	}
	if out, handled := s.renderCarbonDeferred(ev); handled {
		return out
	}
	if out := s.renderFeatureDeferred(ev); out != nil {
		return out
	}
	return s.renderMUC(ev)
}

func (s *session) pushes(userID int64) [][]byte {
	if b := s.rosterPush(userID); b != nil {
		return [][]byte{b}
	}
	return nil
}

func (s *session) withPushes(first []byte, userID int64) [][]byte {
	out := [][]byte{}
	if s.available.Load() {
		out = append(out, first)
	}
	return append(out, s.pushes(userID)...)
}

// presenceType renders <presence type=typ/> from a user's bare JID.
func (s *session) presenceType(typ string, from int64) []byte {
	return xmlstream.Append(nil, xmlstream.New(xmlstream.NSClient, "presence", "type", typ, "from", s.srv.bareJID(from)), "")
}

// renderStatus renders a status change as presence: the XMPP resource's
// own stanza when it came from one, else the presence of the user's Turms
// sessions.
func (s *Server) renderStatus(p *event.OnlineStatusUpdated, origin any, viewer int64) []byte {
	if o, ok := origin.(*stanzaOrigin); ok {
		return o.bytes()
	}
	return s.turmsPresence(p.UserID, viewer)
}

// renderTyping renders a typing status as a chat state notification.
func (s *Server) renderTyping(p *event.TypingStatus, origin any) []byte {
	if o, ok := origin.(*stanzaOrigin); ok {
		return o.bytes()
	}
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bareJID(p.FromID)).
		Add(xmlstream.New(nsChatStates, "composing"))
	return xmlstream.Append(nil, el, "")
}

// sendAll queues serialized stanzas.
func (s *session) sendAll(bs [][]byte) {
	for _, b := range bs {
		s.sendBytes(b)
	}
}
