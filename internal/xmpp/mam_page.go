package xmpp

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// mamArchive is one archive that MAM queries read: the user's own
// (userArchive) or, for the MUC service, a room's. The query parsing,
// paging and result stanzas are the same for every archive; only what it
// holds and how a message looks differ.
type mamArchive interface {
	// address is the archive's JID: the 'from' of result stanzas.
	address() string
	// scope returns the store query of the messages the querier may see,
	// narrowed to with (the zero JID for every one). ok false means none
	// match. The caller adds ids, dates, cursors, order and limit.
	scope(ctx context.Context, with jid.JID) (q store.MessageQuery, ok bool, err error)
	// holds reports whether m is in the archive, so that paging and the
	// id filters may name it.
	holds(m *store.Message) bool
	// forwarded renders m as the archived stanza a result carries.
	forwarded(m *store.Message) *xmlstream.Element
}

// answerMAM answers an IQ in the urn:xmpp:mam:2 namespace addressed to
// archive a: the query form (get <query/>), a query (set <query/>) and the
// archive metadata (get <metadata/>). It sends the result messages and
// returns the IQ result payload. The MUC service calls it for IQs to a
// room; preferences (<prefs/>) are the user archive's own.
func (s *session) answerMAM(iq, payload *xmlstream.Element, a mamArchive) (*xmlstream.Element, error) {
	typ := iq.Attr("type")
	switch {
	case payload.Local == "query" && typ == "get":
		return mamQueryForm(), nil
	case payload.Local == "query" && typ == "set":
		q, err := parseMAMQuery(payload)
		if err != nil {
			return nil, err
		}
		return s.runMAMQuery(q, a)
	case payload.Local == "metadata" && typ == "get":
		return s.mamMetadata(a)
	}
	return nil, errBadRequest("unexpected <" + payload.Local + "/> of type " + typ)
}

// runMAMQuery sends the page of archive a that q asks for, in
// chronological order (reversed with flip-page), and returns the <fin/>
// that ends it (XEP-0313 section 4.3 and XEP-0059).
func (s *session) runMAMQuery(q *mamQuery, a mamArchive) (*xmlstream.Element, error) {
	ctx := s.ctx()
	sq, ok, err := a.scope(ctx, q.with)
	if err != nil {
		return nil, err
	}
	// Every id the client names must be in the archive, whatever the
	// filters select.
	after, err := s.mamCursor(a, q.afterID)
	if err != nil {
		return nil, err
	}
	before, err := s.mamCursor(a, q.beforeID)
	if err != nil {
		return nil, err
	}
	for _, id := range q.ids {
		if _, err := s.mamCursor(a, id); err != nil {
			return nil, err
		}
	}
	pageAfter, err := s.mamCursor(a, q.page.after)
	if err != nil {
		return nil, err
	}
	pageBefore, err := s.mamCursor(a, q.page.before)
	if err != nil {
		return nil, err
	}
	fin := xmlstream.New(nsMAM, "fin")
	set := xmlstream.New(nsRSM, "set")
	if !ok {
		fin.SetAttr("complete", "true")
		return fin.Add(set.Add(xmlstream.New(nsRSM, "count").AddText("0"))), nil
	}
	sq.IDs, sq.DeliveredFrom, sq.DeliveredTo = q.ids, q.start, q.end
	sq.After, sq.Before = after, before
	whole := sq // the result set that RSM pages through
	sq.After = later(sq.After, pageAfter)
	sq.Before = earlier(sq.Before, pageBefore)

	if q.page.max == 0 {
		// An RSM count request: no items, how many there are.
		n, err := s.srv.svc.Store.Messages().Count(ctx, whole)
		if err != nil {
			return nil, err
		}
		fin.SetAttr("complete", strconv.FormatBool(n == 0))
		return fin.Add(set.Add(xmlstream.New(nsRSM, "count").AddText(strconv.FormatInt(n, 10)))), nil
	}
	sq.Descending, sq.Limit = q.page.backward(), q.page.max+1
	msgs, err := s.srv.svc.Store.Messages().Query(ctx, sq)
	if err != nil {
		return nil, err
	}
	// One more than the page tells whether the result set goes on in the
	// direction of paging: if not, the page completes it.
	complete := len(msgs) <= q.page.max
	msgs = msgs[:min(len(msgs), q.page.max)]
	if sq.Descending {
		slices.Reverse(msgs)
	}
	order := msgs
	if q.flip {
		order = slices.Clone(msgs)
		slices.Reverse(order)
	}
	for i := range order {
		s.send(s.mamResult(a, q.queryID, &order[i]))
	}
	if complete {
		fin.SetAttr("complete", "true")
	}
	if len(msgs) > 0 {
		first := xmlstream.New(nsRSM, "first").AddText(strconv.FormatInt(msgs[0].ID, 10))
		if pageAfter == nil && !q.page.backward() {
			first.SetAttr("index", "0") // the page starts the result set
		}
		set.Add(first, xmlstream.New(nsRSM, "last").AddText(strconv.FormatInt(msgs[len(msgs)-1].ID, 10)))
	}
	if complete && pageAfter == nil && pageBefore == nil {
		// The page is the whole result set: its count costs nothing. Other
		// counts would cost a scan of the archive on every page, which
		// XEP-0313 leaves optional; <max>0</max> asks for one.
		set.Add(xmlstream.New(nsRSM, "count").AddText(strconv.Itoa(len(msgs))))
	}
	return fin.Add(set), nil
}

// mamCursor looks up an archive id the client named: nil for none, and
// item-not-found when the archive does not hold it (XEP-0313 section 4.3).
func (s *session) mamCursor(a mamArchive, id int64) (*store.MessageCursor, error) {
	if id == 0 {
		return nil, nil
	}
	notFound := errItemNotFound("no message " + strconv.FormatInt(max(id, 0), 10) + " in this archive")
	if id < 0 {
		return nil, notFound
	}
	m, err := s.srv.svc.Store.Messages().Get(s.ctx(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.holds(m)) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	return store.CursorOf(m), nil
}

func later(a, b *store.MessageCursor) *store.MessageCursor {
	if a == nil || (b != nil && cursorLess(*a, *b)) {
		return b
	}
	return a
}

func earlier(a, b *store.MessageCursor) *store.MessageCursor {
	if a == nil || (b != nil && cursorLess(*b, *a)) {
		return b
	}
	return a
}

func cursorLess(a, b store.MessageCursor) bool {
	return a.DeliveryDate < b.DeliveryDate || (a.DeliveryDate == b.DeliveryDate && a.ID < b.ID)
}

// mamResult wraps an archived message in a result stanza for this
// session (XEP-0313 section 4.2): forwarded (XEP-0297), with the time it
// was received.
func (s *session) mamResult(a mamArchive, queryID string, m *store.Message) *xmlstream.Element {
	result := xmlstream.New(nsMAM, "result", "id", strconv.FormatInt(m.ID, 10))
	if queryID != "" {
		result.SetAttr("queryid", queryID)
	}
	result.Add(xmlstream.New(nsForward, "forwarded").Add(
		xmlstream.New(nsDelay, "delay", "stamp", mamStamp(m.DeliveryDate)),
		a.forwarded(m),
	))
	return xmlstream.New(xmlstream.NSClient, "message", "to", s.jid.String(), "from", a.address(), "id", s.newID()).Add(result)
}

// mamMetadata answers the #extended metadata query: the first and last
// messages of the archive, or an empty element for an empty archive.
func (s *session) mamMetadata(a mamArchive) (*xmlstream.Element, error) {
	out := xmlstream.New(nsMAM, "metadata")
	q, ok, err := a.scope(s.ctx(), jid.JID{})
	if err != nil || !ok {
		return out, err
	}
	for _, end := range []struct {
		name       string
		descending bool
	}{{"start", false}, {"end", true}} {
		q.Descending, q.Limit = end.descending, 1
		ms, err := s.srv.svc.Store.Messages().Query(s.ctx(), q)
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 {
			return out, nil
		}
		out.Add(xmlstream.New(nsMAM, end.name, "id", strconv.FormatInt(ms[0].ID, 10), "timestamp", mamStamp(ms[0].DeliveryDate)))
	}
	return out, nil
}
