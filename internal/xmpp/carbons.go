package xmpp

import (
	"strconv"

	"hermod/internal/domain/event"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// Message carbons (XEP-0280): a resource that enables them gets a copy of
// every chat its user sends from another session, XMPP or Turms (a <sent/>
// carbon), and of every chat addressed to another of the user's resources
// (a <received/> carbon). Which messages are copied follows the rules of
// XEP-0280 section 6 (announced as urn:xmpp:carbons:rules:0): messages of
// type chat, and of type normal with a body; not headlines, not errors,
// not group chat. A message with XEP-0280 <private/> or the XEP-0334
// <no-copy/> hint is not copied, and <private/> is removed before the
// recipient gets it.
//
// A message the domain stores reaches the sender's other sessions as an
// event anyway (Turms relays it to them); a stanza it only passes on (a
// chat state, a receipt, a marker) is copied to the sender's own XMPP
// sessions here, since no other protocol cares.
const (
	nsCarbons      = "urn:xmpp:carbons:2"
	nsCarbonsRules = "urn:xmpp:carbons:rules:0"
)

func carbonsModule() *module {
	return &module{
		features: []string{nsCarbons, nsCarbonsRules},
		iq:       map[string]iqHandler{nsCarbons: (*session).carbonsIQ},
	}
}

// carbonsIQ enables or disables carbons for this resource. Repeating
// either is no error (XEP-0280 section 10.1).
func (s *session) carbonsIQ(iq, payload *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != 0 && to != s.userID {
		return nil, errNotAllowed("carbons are enabled on one's own account")
	}
	if iq.Attr("type") != "set" {
		return nil, errBadRequest("carbons are enabled or disabled with an IQ set")
	}
	switch payload.Local {
	case "enable":
		s.carbons.Store(true)
	case "disable":
		s.carbons.Store(false)
	default:
		return nil, errBadRequest("expected <enable/> or <disable/>")
	}
	return nil, nil
}

// noCopy reports whether a message asks not to be copied to other
// resources: XEP-0280 <private/> or XEP-0334 <no-copy/>.
func noCopy(el *xmlstream.Element) bool {
	return el.Child(nsCarbons, "private") != nil || el.Child(nsHints, "no-copy") != nil
}

// carbonEligible applies the rules of XEP-0280 section 6 to a stanza one
// user's resource sends another user.
func carbonEligible(el *xmlstream.Element) bool {
	if el.Local != "message" || noCopy(el) || el.Child(nsCarbons, "") != nil {
		return false
	}
	switch el.Attr("type") {
	case "chat":
		return true
	case "", "normal":
		return el.Child(xmlstream.NSClient, "body") != nil
	}
	return false
}

// wantsCarbons reports whether this session takes carbons now.
func (s *session) wantsCarbons() bool { return s.carbons.Load() && s.available.Load() }

// carbon wraps inner as a <sent/> or <received/> carbon for this session:
// from the user's bare JID, to this resource (XEP-0280 sections 7 and 8).
func (s *session) carbon(direction string, inner *xmlstream.Element) []byte {
	typ := inner.Attr("type")
	if typ == "" {
		typ = "normal"
	}
	el := xmlstream.New(xmlstream.NSClient, "message", "from", s.bare, "to", s.jid.String(), "type", typ).
		Add(xmlstream.New(nsCarbons, direction).Add(xmlstream.New(nsForward, "forwarded").Add(inner)))
	return xmlstream.Append(nil, el, "")
}

// withStanzaID is a copy of a stored message's stanza with the stanza-id
// of ownerID's archive in place of the recipient's: a sent carbon names
// the message by its id in the sender's archive (XEP-0359), as MAM does.
func (s *Server) withStanzaID(el *xmlstream.Element, m *store.Message, ownerID int64) *xmlstream.Element {
	out := el.Copy()
	out.Children = out.Children[:0:0]
	for _, n := range el.Children {
		if c, ok := n.(*xmlstream.Element); ok && c.Is(nsStanzaID, "stanza-id") {
			continue
		}
		out.Children = append(out.Children, n)
	}
	return out.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(m.ID, 10), "by", s.bareJID(ownerID)))
}

// prepareMessageCarbon decides whether a stored private message reaches
// this session as a carbon: a <sent/> one when the session's user sent it
// from another session, a <received/> one when it was addressed to
// another of the user's resources. handled is false when the message is
// none of this session's carbons business.
func (s *session) prepareMessageCarbon(ev *event.Event, m *store.Message) (it outItem, ok, handled bool) {
	o, fromXMPP := ev.Origin.(*stanzaOrigin)
	switch {
	case m.SenderID == s.userID && m.RecipientID != s.userID:
		if !s.wantsCarbons() || (fromXMPP && o.noCopy) {
			return outItem{}, false, true
		}
		var inner *xmlstream.Element
		if fromXMPP {
			inner = s.srv.withStanzaID(o.el, m, s.userID)
		} else {
			inner = s.srv.archivedMessage(m, s.userID) // a Turms client sent it
		}
		return outItem{b: s.carbon("sent", inner)}, true, true
	case m.RecipientID == s.userID && fromXMPP && o.toResource != "" && o.toResource != s.jid.Resource:
		if !s.wantsCarbons() || o.noCopy {
			return outItem{}, false, true
		}
		return outItem{b: s.carbon("received", o.el), msgID: m.ID}, true, true
	}
	return outItem{}, false, false
}

// prepareRelayedCarbon is prepareMessageCarbon for a stanza the domain
// passed on to this user (a chat state, a receipt, a marker) addressed to
// another of their resources.
func (s *session) prepareRelayedCarbon(o *stanzaOrigin) (outItem, bool) {
	if !s.wantsCarbons() || o.noCopy || !carbonEligible(o.el) {
		return outItem{}, false
	}
	return outItem{b: s.carbon("received", o.el)}, true
}

// prepareChangeCarbon copies a change to an earlier private message that
// this user made from another session to the user's carbons-enabled
// resources: a correction, a retraction or reactions as the stanza an XMPP
// resource sent, or as its peer's XMPP clients see it when a Turms session
// made it; a Turms read date as a displayed marker, rendered on the write
// loop (it needs the store). XMPP markers were copied when passed on.
func (s *session) prepareChangeCarbon(ev *event.Event) (outItem, bool) {
	if ev.RequesterID != s.userID || !s.wantsCarbons() {
		return outItem{}, false
	}
	o, fromXMPP := ev.Origin.(*stanzaOrigin)
	if fromXMPP && (o.noCopy || !carbonEligible(o.el)) {
		return outItem{}, false
	}
	switch p := ev.Payload.(type) {
	case *event.MessageUpdated:
		m := &p.Message
		if m.IsGroup() || m.SenderID != s.userID {
			return outItem{}, false
		}
		if fromXMPP {
			return outItem{b: s.carbon("sent", o.el)}, true
		}
		return s.turmsChangeCarbon(s.srv.renderUpdate(p, nil), m.RecipientID)
	case *event.ReactionsChanged:
		m := &p.Message
		if m.IsGroup() || p.Partial || p.UserID != s.userID {
			return outItem{}, false
		}
		if fromXMPP {
			return outItem{b: s.carbon("sent", o.el)}, true
		}
		peer := m.SenderID
		if peer == s.userID {
			peer = m.RecipientID
		}
		return s.turmsChangeCarbon(s.srv.renderReactions(p, nil), peer)
	case *event.ReadDateUpdated:
		if fromXMPP || p.IsGroup || p.OwnerID != s.userID || p.TargetID == s.userID {
			return outItem{}, false
		}
		return outItem{ev: ev}, true
	}
	return outItem{}, false
}

// turmsChangeCarbon wraps a change a Turms session made, rendered as the
// peer's XMPP clients get it, as a sent carbon addressed to the peer.
func (s *session) turmsChangeCarbon(rendered []byte, peerID int64) (outItem, bool) {
	el, err := xmlstream.Parse(rendered, s.srv.opts.Limits)
	if err != nil {
		return outItem{}, false
	}
	el.SetAttr("to", s.srv.bareJID(peerID))
	return outItem{b: s.carbon("sent", el)}, true
}

// renderCarbonDeferred renders, on the write loop, the carbon of a read
// date this user set from a Turms session: a displayed marker (XEP-0333)
// for the last message the peer had sent them by then, so that their XMPP
// clients know the conversation was read. handled is false for other
// events.
func (s *session) renderCarbonDeferred(ev *event.Event) (out [][]byte, handled bool) {
	p, ok := ev.Payload.(*event.ReadDateUpdated)
	if !ok || p.OwnerID != s.userID || p.IsGroup {
		return nil, false
	}
	if _, fromXMPP := ev.Origin.(*stanzaOrigin); fromXMPP || !s.wantsCarbons() {
		return nil, true
	}
	m, err := s.srv.svc.Messages.LastReadBy(s.ctx(), s.userID, p.TargetID, false, p.ReadDate)
	if err != nil || m == nil {
		return nil, true
	}
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bare, "to", s.srv.bareJID(p.TargetID),
		"id", "read-"+randomID()[:8]).Add(xmlstream.New(nsMarkers, "displayed", "id", refOf(m)))
	return [][]byte{s.carbon("sent", el)}, true
}

// sendCarbons copies a stanza this session passed on (not stored, so no
// event reaches the user's other sessions) to the user's other
// carbons-enabled XMPP resources as a <sent/> carbon.
func (s *session) sendCarbons(out *xmlstream.Element) {
	if !carbonEligible(out) {
		return
	}
	for _, o := range s.srv.svc.Router.Sessions(s.userID) {
		x, ok := o.(*session)
		if !ok || x == s || !x.bound.Load() || !x.wantsCarbons() {
			continue
		}
		if !x.push(outItem{b: x.carbon("sent", out)}, false) {
			x.closeWith(&xmlstream.StreamError{Condition: "policy-violation", Text: "the client does not read fast enough"})
		}
	}
}

// withoutPrivate removes XEP-0280 <private/> from a message on its way to
// the recipient (section 9).
func withoutPrivate(children []xmlstream.Node) []xmlstream.Node {
	out := children[:0:0]
	for _, n := range children {
		if c, ok := n.(*xmlstream.Element); ok && c.Is(nsCarbons, "private") {
			continue
		}
		out = append(out, n)
	}
	return out
}
