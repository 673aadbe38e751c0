package xmpp

import (
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// Message features that refer to an earlier message and mean something to
// the domain: a correction is an edit, a retraction a recall, reactions are
// reactions, a displayed marker moves the read date.
const (
	nsCorrect = "urn:xmpp:message-correct:0"
	nsRetract = "urn:xmpp:message-retract:1"
	// nsRetract0 and nsFasten are the retraction of XEP-0424 before
	// version 0.4 (still sent by some clients): an <apply-to/> with a
	// <retract/> inside.
	nsRetract0  = "urn:xmpp:message-retract:0"
	nsFasten    = "urn:xmpp:fasten:0"
	nsFallback  = "urn:xmpp:fallback:0"
	nsHints     = "urn:xmpp:hints"
	nsReactions = "urn:xmpp:reactions:0"
	nsMarkers   = "urn:xmpp:chat-markers:0"
	nsReceipts  = "urn:xmpp:receipts"
)

// featuresModule announces that the server archives retractions
// (XEP-0424 section 2). Corrections, reactions and markers are client
// features, which clients announce themselves.
func featuresModule() *module {
	return &module{
		features:        []string{nsRetract},
		accountFeatures: []string{nsRetract},
	}
}

// handleReference handles a message that refers to an earlier one: a
// correction, a retraction, reactions or a displayed marker. It reports
// false for any other message, which handleMessage goes on with.
func (s *session) handleReference(el *xmlstream.Element, a address) bool {
	if a.userID == s.userID {
		return false // notes to self stay plain messages
	}
	switch {
	case el.Child(nsRetract, "retract") != nil:
		s.retract(el, a, el.Child(nsRetract, "retract").Attr("id"))
	case el.Child(nsFasten, "apply-to").Child(nsRetract0, "retract") != nil:
		s.retract(el, a, el.Child(nsFasten, "apply-to").Attr("id"))
	case el.Child(nsCorrect, "replace") != nil:
		s.correct(el, a)
	case el.Child(nsReactions, "reactions") != nil:
		s.react(el, a)
	case el.Child(nsMarkers, "displayed") != nil || el.Child(nsMarkers, "acknowledged") != nil:
		s.markDisplayed(el, a)
	default:
		return false
	}
	return true
}

// clientID is the id by which an XMPP client refers to a message it sent:
// its origin-id (XEP-0359), else its id attribute.
func clientID(el *xmlstream.Element) string {
	if o := el.Child(nsStanzaID, "origin-id"); o != nil && o.Attr("id") != "" {
		return o.Attr("id")
	}
	return el.Attr("id")
}

// refOf is the id XMPP clients know a stored message by: the id its XMPP
// sender gave it, or the message id (which is also its stanza-id).
func refOf(m *store.Message) string {
	if m.ClientID != "" {
		return m.ClientID
	}
	return strconv.FormatInt(m.ID, 10)
}

// referenced finds the message of the conversation with a that ref names.
func (s *session) referenced(a address, ref string) (*store.Message, *stanzaErr) {
	if ref == "" {
		return nil, errBadRequest("the reference has no message id")
	}
	m, err := s.srv.svc.Messages.Find(s.ctx(), s.userID, a.userID, false, ref, 0)
	if domain.CodeOf(err) == status.ResourceNotFound {
		return nil, errItemNotFound("no message " + ref + " in this conversation")
	}
	if err != nil {
		return nil, errFromDomain(err)
	}
	return m, nil
}

// stamped is el as it travels on: from this session's full JID.
func (s *session) stamped(el *xmlstream.Element) *stanzaOrigin {
	out := el.Copy()
	out.SetAttr("from", s.jid.String())
	return &stanzaOrigin{el: out}
}

// prepareFeature decides what a change to an earlier message becomes for
// this session (see prepare). A change that came from an XMPP client
// travels as its stanza; one from a Turms client is rebuilt. The
// requester's own other resources are not told (that is carbons' work).
func (s *session) prepareFeature(ev *event.Event) (outItem, bool) {
	if !s.available.Load() {
		return outItem{}, false
	}
	if groupID, ok := roomFeatureGroup(ev); ok {
		// Rendering needs the group: the write loop does it.
		return outItem{ev: ev}, s.srv.rooms.seatOf(s, groupID) != nil
	}
	switch p := ev.Payload.(type) {
	case *event.MessageUpdated:
		m := &p.Message
		if m.IsGroup() || m.RecipientID != s.userID || m.SenderID == s.userID {
			return outItem{}, false
		}
		return outItem{b: ev.Rendered(event.SlotXMPP, func() []byte { return s.srv.renderUpdate(p, ev.Origin) })}, true
	case *event.ReactionsChanged:
		if p.Partial || p.Message.IsGroup() || p.UserID == s.userID {
			return outItem{}, false
		}
		return outItem{b: ev.Rendered(event.SlotXMPP, func() []byte { return s.srv.renderReactions(p, ev.Origin) })}, true
	case *event.ReadDateUpdated:
		if _, fromXMPP := ev.Origin.(*stanzaOrigin); fromXMPP || p.IsGroup || p.TargetID != s.userID || p.OwnerID == s.userID {
			return outItem{}, false // an XMPP marker was passed on as it was
		}
		// Which message was read is a store question: the write loop
		// answers it.
		return outItem{ev: ev}, true
	}
	return outItem{}, false
}

// renderFeatureDeferred renders, on the write loop, a change that needs
// the store.
func (s *session) renderFeatureDeferred(ev *event.Event) [][]byte {
	if groupID, ok := roomFeatureGroup(ev); ok {
		return s.renderRoomFeature(ev, groupID)
	}
	if p, ok := ev.Payload.(*event.TypingStatus); ok && !p.IsGroup {
		return s.renderTurmsTyping(p)
	}
	if p, ok := ev.Payload.(*event.ReadDateUpdated); ok {
		if b := s.displayedMarker(p); b != nil {
			return [][]byte{b}
		}
	}
	return nil
}
