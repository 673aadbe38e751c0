package xmpp

import (
	"slices"
	"strconv"
	"time"

	"hermod/internal/domain/message"
	"hermod/internal/idgen"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

const (
	nsStanzaID   = "urn:xmpp:sid:0"
	nsDelay      = "urn:xmpp:delay"
	nsChatStates = "http://jabber.org/protocol/chatstates"
)

// versionDelivered is the per-user watermark of messages that have reached
// an XMPP resource: the largest message id a resource received before it
// went away. Later messages are offline storage for the next resource that
// becomes available. Ids grow with time, and unlike a clock reading taken
// at disconnect, an id cannot pass a message that was never delivered.
const versionDelivered store.VersionKind = "xmpp_delivered"

// ephemeral lists namespaces of message payloads that are not worth
// archiving on their own: a message with only these and no body is passed
// on but not stored.
var ephemeral = map[string]bool{
	nsChatStates:              true,
	"urn:xmpp:receipts":       true,
	"urn:xmpp:chat-markers:0": true,
	"urn:xmpp:hints":          true,
	nsStanzaID:                true,
	xmlstream.NSClient:        true, // <thread/>, <subject/>
}

func messageModule() *module {
	return &module{
		features:        []string{nsStanzaID, nsChatStates, "msgoffline"},
		accountFeatures: []string{nsStanzaID},
	}
}

func (s *session) handleMessage(el *xmlstream.Element) {
	typ := el.Attr("type")
	switch typ {
	case "", "normal", "chat", "headline":
	case "error":
		return // errors about messages are not passed on
	case "groupchat":
		s.send(stanzaError(el, errServiceUnavailable("group chat is not available on this address")))
		return
	default:
		s.send(stanzaError(el, errBadRequest("unknown message type")))
		return
	}
	a, serr := s.resolve(el.Attr("to"))
	switch {
	case serr != nil:
		s.send(stanzaError(el, serr))
		return
	case !a.local:
		s.send(stanzaError(el, errRemoteServerNotFound()))
		return
	case a.server || a.userID == 0:
		s.send(stanzaError(el, errServiceUnavailable("")))
		return
	}
	if x := el.Child(nsConference, "x"); x != nil && s.directInvitation(el, x, a) {
		return
	}
	if blocked, err := s.srv.svc.Relations.IsBlocked(s.ctx(), s.userID, a.userID); err == nil && blocked {
		// XEP-0191 section 3.4: a message to someone you blocked bounces.
		s.send(stanzaError(el, &stanzaErr{"cancel", "not-acceptable", "you blocked this user",
			xmlstream.New(nsBlockingErrors, "blocked")}))
		return
	}
	if s.handleReference(el, a) {
		return
	}
	// Only this server says which stanza-id a message has (XEP-0359).
	kept := el.Children[:0:0]
	var body string
	payloads := false
	for _, n := range el.Children {
		c, ok := n.(*xmlstream.Element)
		if !ok {
			continue
		}
		switch {
		case c.Is(nsStanzaID, "stanza-id"), c.Is(nsCarbons, "private"):
			continue
		case c.Is(xmlstream.NSClient, "body") && body == "":
			body = c.Text()
			continue
		case !ephemeral[c.Space]:
			payloads = true
		}
		kept = append(kept, c)
	}
	if (body == "" && !payloads) || typ == "headline" {
		s.passOn(el, a)
		return
	}
	ext := xmlstream.New(xmlstream.NSClient, "x")
	ext.Children = kept
	var extBytes []byte
	if len(kept) > 0 {
		extBytes = innerBytes(ext)
	}
	out := el.Copy()
	out.SetAttr("from", s.jid.String())
	out.SetAttr("type", "chat")
	out.Children = nil
	if body != "" {
		out.Add(xmlstream.New(xmlstream.NSClient, "body").AddText(body))
	}
	out.Children = append(out.Children, kept...)
	toResource, nc := s.directedResource(a), noCopy(el)
	_, err := s.srv.svc.Messages.Send(s.ctx(), s.requester(), message.Draft{
		RecipientID: a.userID, Text: body, Extensions: extBytes, ClientID: clientID(el),
	}, func(m *store.Message) any {
		o := out.Copy()
		o.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(m.ID, 10), "by", s.srv.bareJID(m.RecipientID)))
		return &stanzaOrigin{el: o, toResource: toResource, noCopy: nc}
	})
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
	}
}

// innerBytes serializes an element's children, each with its namespace
// declared, as they are kept in the archive.
func innerBytes(el *xmlstream.Element) []byte {
	var b []byte
	for _, n := range el.Children {
		if c, ok := n.(*xmlstream.Element); ok {
			b = xmlstream.Append(b, c, "")
		}
	}
	return b
}

// passOn delivers a message that is not archived: a chat state (typing is
// also a domain typing status, which Turms clients see), a receipt, a
// marker, a headline.
func (s *session) passOn(el *xmlstream.Element, a address) {
	out := el.Copy()
	out.SetAttr("from", s.jid.String())
	out.Children = withoutPrivate(out.Children)
	nc := noCopy(el)
	origin := &stanzaOrigin{el: out, toResource: a.jid.Resource, noCopy: nc}
	var err error
	if el.Child(nsChatStates, "composing") != nil {
		err = s.srv.svc.Messages.Typing(s.ctx(), s.requester(), a.userID, false, origin)
	} else {
		err = s.srv.svc.Messages.Relay(s.ctx(), s.requester(), a.userID, origin)
	}
	if err != nil && el.Child(nsChatStates, "") == nil {
		s.send(stanzaError(el, errFromDomain(err)))
	}
	if err == nil && !nc && a.userID != s.userID {
		s.sendCarbons(out) // (to oneself, the addressed resource has it already)
	}
}

// directedResource is the resource a chat addressed to a full JID goes to
// alone, when that resource is available (RFC 6121 section 8.5.3.1); the
// user's other resources get it as a carbon if they enabled carbons. ""
// (every available resource) for a bare JID or a resource that is not
// available, which RFC 6121 treats as the bare JID for chats.
func (s *session) directedResource(a address) string {
	if a.jid.IsBare() {
		return ""
	}
	if x := s.srv.resourceSession(a.userID, a.jid.Resource); x != nil && x.available.Load() {
		return a.jid.Resource
	}
	return ""
}

// renderMessage renders a stored message for its recipient. A message that
// came from an XMPP client is its stanza as sent, with its extensions; one
// from the archive or a Turms client is rebuilt from the stored record.
func (s *Server) renderMessage(m *store.Message, origin any, delayed bool) []byte {
	if o, ok := origin.(*stanzaOrigin); ok && !delayed {
		return o.bytes()
	}
	el := s.archivedMessage(m, m.RecipientID)
	if delayed {
		el.Add(xmlstream.New(nsDelay, "delay", "from", s.opts.Domain,
			"stamp", time.UnixMilli(m.DeliveryDate).UTC().Format("2006-01-02T15:04:05.000Z")))
	}
	return xmlstream.Append(nil, el, "")
}

// deliverOffline sends the messages that arrived after the watermark,
// oldest first, marked as delayed.
func (s *session) deliverOffline() {
	ctx, st := s.ctx(), s.srv.svc.Store
	since, err := st.Versions().Get(ctx, s.userID, versionDelivered)
	if err != nil {
		s.logger().Warn("reading the delivery watermark", "err", err)
		return
	}
	var from int64
	if since > 0 {
		from = idgen.Time(since).UnixMilli() - clockSkew.Milliseconds()
	}
	notSystem := false
	msgs, err := st.Messages().Query(ctx, store.MessageQuery{
		TargetIDs: []int64{s.userID}, System: &notSystem, DeliveredFrom: from, AboveID: since,
		Descending: true, Limit: s.srv.opts.OfflineMessages,
	})
	if err != nil {
		s.logger().Warn("reading offline messages", "err", err)
		return
	}
	slices.Reverse(msgs)
	for i := range msgs {
		m := &msgs[i]
		if m.ID <= since || (m.SenderID == s.userID && m.RecipientID != s.userID) {
			continue
		}
		s.push(outItem{b: s.srv.renderMessage(m, nil, true), msgID: m.ID}, true)
	}
	s.deliverOfflineRetractions(since, from)
}

// clockSkew is how far apart the clocks of nodes that make ids may be.
const clockSkew = time.Minute

// markDelivered moves the watermark to the last message this resource was
// sent.
func (s *session) markDelivered() {
	d := s.delivered.Load()
	if d == 0 {
		return
	}
	if err := s.srv.svc.Store.Versions().Bump(s.ctx(), s.userID, versionDelivered, d); err != nil {
		s.logger().Warn("moving the delivery watermark", "err", err)
	}
}
