package xmpp

import (
	"strconv"
	"time"

	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

const (
	nsMAM         = "urn:xmpp:mam:2"
	nsMAMExtended = "urn:xmpp:mam:2#extended"
	nsRSM         = "http://jabber.org/protocol/rsm"
	nsForward     = "urn:xmpp:forward:0"
)

// Page sizes of MAM queries: a query without <max/> gets mamDefaultPage
// results, and no page is larger than mamMaxPage (XEP-0313 lets the
// server limit pages; the client pages on).
const (
	mamDefaultPage = 50
	mamMaxPage     = 250
)

// mamQuery is a parsed MAM query (XEP-0313): the data form's filters, the
// RSM page (XEP-0059) and the flip-page flag. Archive ids are message ids;
// an id that is not a number cannot be in an archive and is kept as -1,
// which no message has, so that looking it up says item-not-found.
type mamQuery struct {
	queryID string
	// with filters by peer (user archive) or occupant (room archive); the
	// zero JID means every one.
	with       jid.JID
	start, end int64 // Unix ms, inclusive; 0 is unbounded
	// afterID and beforeID are the #extended form's exclusive bounds; ids
	// lists the wanted messages. 0 / nil when absent.
	afterID, beforeID int64
	ids               []int64
	page              rsmPage
	flip              bool
}

// rsmPage is an RSM request: how many items, and after or before which
// (before with no id is the last page).
type rsmPage struct {
	max           int
	after, before int64
	lastPage      bool
}

// backward reports whether the page is taken from its end: RSM <before/>.
func (p rsmPage) backward() bool { return p.before != 0 || p.lastPage }

// parseMAMQuery reads a <query xmlns='urn:xmpp:mam:2'/> of an IQ set. Bad
// input is a bad-request; a form field it does not know is
// feature-not-implemented, as XEP-0313 section 4.1.5 asks.
func parseMAMQuery(q *xmlstream.Element) (*mamQuery, *stanzaErr) {
	out := &mamQuery{queryID: q.Attr("queryid"), page: rsmPage{max: mamDefaultPage}}
	if len(out.queryID) > 256 {
		return nil, errBadRequest("the queryid is too long")
	}
	for _, c := range q.Elements() {
		switch {
		case c.Is(nsDataForms, "x"):
			if err := out.parseForm(c); err != nil {
				return nil, err
			}
		case c.Is(nsRSM, "set"):
			p, err := parseRSM(c)
			if err != nil {
				return nil, err
			}
			out.page = p
		case c.Is(nsMAM, "flip-page"):
			out.flip = true
		default:
			return nil, errBadRequest("unexpected <" + c.Local + "/> in a MAM query")
		}
	}
	return out, nil
}

func (m *mamQuery) parseForm(x *xmlstream.Element) *stanzaErr {
	if t := x.Attr("type"); t != "submit" {
		return errBadRequest("a MAM query form has type submit")
	}
	for _, f := range x.Elements() {
		if !f.Is(nsDataForms, "field") {
			continue // <title/>, <instructions/>
		}
		values := formValues(f)
		one := ""
		if len(values) > 0 {
			one = values[0]
		}
		var err *stanzaErr
		switch v := f.Attr("var"); v {
		case "FORM_TYPE":
			if one != nsMAM {
				return errBadRequest("the FORM_TYPE of a MAM query is " + nsMAM)
			}
		case "with":
			if one == "" {
				continue
			}
			j, perr := jid.Parse(one)
			if perr != nil {
				return &stanzaErr{"modify", "jid-malformed", "the 'with' field is not a JID", nil}
			}
			m.with = j
		case "start":
			m.start, err = formTime(v, one)
		case "end":
			m.end, err = formTime(v, one)
		case "after-id":
			m.afterID = archiveID(one)
		case "before-id":
			m.beforeID = archiveID(one)
		case "ids":
			if len(values) > mamMaxPage {
				return errPolicy("at most " + strconv.Itoa(mamMaxPage) + " ids in one query")
			}
			for _, id := range values {
				m.ids = append(m.ids, archiveID(id))
			}
		case "":
			return errBadRequest("a form field without a var")
		default:
			return errFeatureNotImplemented("unknown field '" + v + "'")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// formValues returns a data form field's values.
func formValues(f *xmlstream.Element) []string {
	var out []string
	for _, v := range f.Elements() {
		if v.Is(nsDataForms, "value") {
			out = append(out, v.Text())
		}
	}
	return out
}

// formTime parses an XEP-0082 DateTime into Unix milliseconds.
func formTime(field, v string) (int64, *stanzaErr) {
	if v == "" {
		return 0, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return 0, errBadRequest("the '" + field + "' field is not an XEP-0082 DateTime")
	}
	ms := t.UnixMilli()
	if ms <= 0 {
		ms = 1 // before the first message: as good as unbounded
	}
	return ms, nil
}

// archiveID reads an archive id; one that no message can have is -1.
func archiveID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return -1
	}
	return id
}

// parseRSM reads an RSM <set/> request.
func parseRSM(set *xmlstream.Element) (rsmPage, *stanzaErr) {
	p := rsmPage{max: mamDefaultPage}
	for _, c := range set.Elements() {
		if c.Space != nsRSM {
			continue
		}
		switch c.Local {
		case "max":
			n, err := strconv.Atoi(c.Text())
			if err != nil || n < 0 {
				return p, errBadRequest("<max/> is a non-negative integer")
			}
			p.max = min(n, mamMaxPage)
		case "after":
			if c.Text() == "" {
				return p, errBadRequest("<after/> needs an id")
			}
			p.after = archiveID(c.Text())
		case "before":
			if c.Text() == "" {
				p.lastPage = true
			} else {
				p.before = archiveID(c.Text())
			}
		case "index":
			return p, errFeatureNotImplemented("paging by index is not supported: page with <after/> or <before/>")
		default:
			return p, errBadRequest("unexpected <" + c.Local + "/> in an RSM request")
		}
	}
	if p.after != 0 && p.backward() {
		return p, errBadRequest("<after/> and <before/> together: use the after-id and before-id fields")
	}
	return p, nil
}

// mamQueryForm is the form a client fetches to learn the query fields
// (XEP-0313 section 4.1.5).
func mamQueryForm() *xmlstream.Element {
	field := func(typ, v string) *xmlstream.Element {
		return xmlstream.New(nsDataForms, "field", "type", typ, "var", v)
	}
	return xmlstream.New(nsMAM, "query").Add(xmlstream.New(nsDataForms, "x", "type", "form").Add(
		field("hidden", "FORM_TYPE").Add(xmlstream.New(nsDataForms, "value").AddText(nsMAM)),
		field("jid-single", "with"),
		field("text-single", "start"),
		field("text-single", "end"),
		field("text-single", "before-id"),
		field("text-single", "after-id"),
		field("list-multi", "ids").Add(xmlstream.New("http://jabber.org/protocol/xdata-validate", "validate", "datatype", "xs:string").
			Add(xmlstream.New("http://jabber.org/protocol/xdata-validate", "open"))),
	))
}

// mamStamp formats a Unix ms time as an XEP-0082 DateTime.
func mamStamp(ms int64) string {
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}
