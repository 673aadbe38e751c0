package xmpp

import (
	"encoding/binary"
	"strconv"
	"time"

	"hermod/internal/domain"
	"hermod/internal/domain/message"
	"hermod/internal/store"
	"hermod/internal/xmpp/xmlstream"
)

// retractionFallback is the body of a retraction for clients that do not
// know XEP-0424.
const retractionFallback = "/me retracted a previous message, but it's unsupported by your client."

// retract applies a message retraction (XEP-0424) of the message ref names
// as a recall of the message: only its sender may, within
// messages.recall_window. The retraction's fallback body is not a message
// of its own.
func (s *session) retract(el *xmlstream.Element, a address, ref string) {
	m, serr := s.referenced(a, ref)
	if serr != nil {
		s.send(stanzaError(el, serr))
		return
	}
	now := domain.Now()
	err := s.srv.svc.Messages.Update(s.ctx(), s.requester(), m.ID, message.Change{RecallDate: &now}, s.stamped(el))
	if err != nil {
		s.send(stanzaError(el, errFromDomain(err)))
	}
}

// retraction builds the retraction of a recalled message, as its sender's
// client would have sent it.
func (s *Server) retraction(m *store.Message) *xmlstream.Element {
	return addRetraction(xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bareJID(m.SenderID),
		"id", "retract-"+strconv.FormatInt(m.ID, 10)), refOf(m))
}

// deliverOfflineRetractions sends, after the offline messages, the
// retractions of messages this user's XMPP clients had received before
// their sender recalled them while no resource was available: the recall's
// announcement (a system message) is after the watermark, the recalled
// message before it. Recalled messages the clients never received are
// simply not delivered.
func (s *session) deliverOfflineRetractions(since, from int64) {
	if since == 0 {
		return // no client of this user ever received a message
	}
	ctx, st := s.ctx(), s.srv.svc.Store
	system := true
	sys, err := st.Messages().Query(ctx, store.MessageQuery{
		TargetIDs: []int64{s.userID}, System: &system, DeliveredFrom: from, AboveID: since,
		Limit: s.srv.opts.OfflineMessages,
	})
	if err != nil {
		s.logger().Warn("reading offline recalls", "err", err)
		return
	}
	for i := range sys {
		a := &sys[i]
		recalled, ok := recalledBy(a)
		if !ok || a.ID <= since || a.SenderID == s.userID || recalled > since {
			continue
		}
		m, err := st.Messages().Get(ctx, recalled)
		if err != nil {
			continue
		}
		el := s.srv.retraction(m).Add(xmlstream.New(nsDelay, "delay", "from", s.srv.opts.Domain,
			"stamp", time.UnixMilli(a.DeliveryDate).UTC().Format("2006-01-02T15:04:05.000Z")))
		s.push(outItem{b: xmlstream.Append(nil, el, ""), msgID: a.ID}, true)
	}
}

// recalledBy returns the id of the message a system message announces the
// recall of; false if it announces something else.
func recalledBy(sys *store.Message) (int64, bool) {
	if !sys.IsSystem || len(sys.Records) != 2 || len(sys.Records[0]) != 1 ||
		sys.Records[0][0] != message.SystemRecall || len(sys.Records[1]) != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(sys.Records[1])), true
}

// archivedRetraction renders the announcement of a recall as the archive
// keeps it (XEP-0424 section 6: the retraction is archived, the retracted
// message is not shown): the retraction from its sender, with the
// announcement's stanza-id in ownerID's archive.
func (s *Server) archivedRetraction(sys *store.Message, ownerID int64) *xmlstream.Element {
	var el *xmlstream.Element
	if id, ok := recalledBy(sys); ok {
		if m, err := s.svc.Store.Messages().Get(s.ctxBackground(), id); err == nil {
			el = s.retraction(m)
		}
	}
	if el == nil { // no such message any more: an empty message keeps the page's place
		el = xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "from", s.bareJID(sys.SenderID))
	}
	el.SetAttr("to", s.bareJID(sys.RecipientID))
	return el.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(sys.ID, 10), "by", s.bareJID(ownerID)))
}
