package xmpp

import (
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// handle processes one stanza of a bound session.
func (s *session) handle(el *xmlstream.Element) {
	if s.streamNonza(el) {
		return // stream management, client state (sm.go, csi.go)
	}
	if el.Space != xmlstream.NSClient {
		s.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "<" + el.Local + "/> in " + el.Space})
		return
	}
	if from := el.Attr("from"); from != "" {
		f, err := jid.Parse(from)
		if err != nil || (f != s.jid && f != s.jid.Bare()) {
			s.closeWith(&xmlstream.StreamError{Condition: "invalid-from"})
			return
		}
	}
	if d, ok := s.srv.componentDomain(el.Attr("to")); ok {
		s.toComponent(el, d) // external components: component*.go
		return
	}
	if to, ok := s.srv.isMUC(el.Attr("to")); ok {
		s.handleMUC(el, to) // rooms: muc*.go
		return
	}
	if s.srv.isUpload(el.Attr("to")) {
		s.handleUpload(el) // upload.go
		return
	}
	switch el.Local {
	case "iq":
		s.handleIQ(el)
	case "message":
		s.handleMessage(el)
	case "presence":
		s.handlePresence(el)
	default:
		s.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "<" + el.Local + "/>"})
	}
}

// address is where a stanza is going, as the server sees it.
type address struct {
	jid    jid.JID
	server bool  // this server's domain
	userID int64 // an account of this server (0 when none)
	local  bool  // the domain is this server's
}

// resolve parses a 'to' attribute. An empty one addresses the sender's own
// account.
func (s *session) resolve(to string) (address, *stanzaErr) {
	if to == "" {
		return address{jid: s.jid.Bare(), userID: s.userID, local: true}, nil
	}
	j, err := jid.Parse(to)
	if err != nil {
		return address{}, &stanzaErr{"modify", "jid-malformed", "", nil}
	}
	a := address{jid: j, local: j.Domain == s.srv.opts.Domain}
	if !a.local {
		return a, nil
	}
	if j.Local == "" {
		a.server = true
		return a, nil
	}
	a.userID = s.localID(j.Local)
	return a, nil
}

// canonical is the canonical JID of a user: the numeric one.
func (s *Server) canonical(userID int64) jid.JID {
	return jid.JID{Local: strconv.FormatInt(userID, 10), Domain: s.opts.Domain}
}

func (s *Server) bareJID(userID int64) string {
	return strconv.FormatInt(userID, 10) + "@" + s.opts.Domain
}

func (s *session) requester() domain.Requester {
	return domain.Requester{UserID: s.userID, SessionID: s.id}
}

func (s *session) handleIQ(iq *xmlstream.Element) {
	typ := iq.Attr("type")
	switch typ {
	case "get", "set":
	case "result", "error":
		s.routeIQResponse(iq)
		return
	default:
		s.send(stanzaError(iq, errBadRequest("an IQ's type is get, set, result or error")))
		return
	}
	if iq.Attr("id") == "" {
		s.send(stanzaError(iq, errBadRequest("an IQ needs an id")))
		return
	}
	payloads := iq.Elements()
	if len(payloads) != 1 {
		s.send(stanzaError(iq, errBadRequest("an IQ get or set has exactly one child")))
		return
	}
	p := payloads[0]
	a, serr := s.resolve(iq.Attr("to"))
	if serr != nil {
		s.send(stanzaError(iq, serr))
		return
	}
	switch {
	case !a.local:
		s.send(stanzaError(iq, errRemoteServerNotFound()))
		return
	case !a.jid.IsBare() && !a.server:
		s.relayIQ(iq, a)
		return
	case !a.server && a.userID == 0:
		s.send(stanzaError(iq, errServiceUnavailable("")))
		return
	case !a.server && a.jid.IsBare() && a.userID != s.userID && !accountNamespace(p.Space):
		s.send(stanzaError(iq, errServiceUnavailable("")))
		return
	}
	h := s.srv.iq[p.Space]
	if h == nil {
		s.send(stanzaError(iq, errServiceUnavailable("")))
		return
	}
	to := a.userID
	if a.server {
		to = 0
	}
	out, err := h(s, iq, p, to)
	if err != nil {
		if _, ok := err.(*stanzaErr); !ok && domain.CodeOf(err) == status.ServerInternalError {
			s.logger().Error("IQ failed", "ns", p.Space, "err", err)
		}
		s.send(stanzaError(iq, errFromDomain(err)))
		return
	}
	s.send(result(iq, out))
}

// accountNamespace lists what the server answers for another user's bare
// JID (RFC 6120 section 10.5.3.1 has the server answer for an account).
func accountNamespace(ns string) bool {
	switch ns {
	case nsDiscoInfo, nsDiscoItems, nsVCard, nsPing, nsPubSub:
		return true
	}
	return false
}

// relayIQ passes an IQ to another session's full JID.
func (s *session) relayIQ(iq *xmlstream.Element, a address) {
	if s.answerForTurms(iq, a) {
		return
	}
	if a.userID == 0 || s.srv.resourceSession(a.userID, a.jid.Resource) == nil {
		s.send(stanzaError(iq, errServiceUnavailable("")))
		return
	}
	if err := s.relay(iq, a); err != nil {
		s.send(stanzaError(iq, errFromDomain(err)))
	}
}

// routeIQResponse passes a result or error to the full JID that asked;
// responses to the server's own requests (roster pushes) end here.
func (s *session) routeIQResponse(iq *xmlstream.Element) {
	if s.capsAnswer(iq) {
		return
	}
	a, serr := s.resolve(iq.Attr("to"))
	if serr != nil || !a.local || a.server || a.jid.IsBare() || a.userID == 0 {
		return
	}
	s.relay(iq, a)
}

// relay sends a stanza the domain does not interpret to a user, stamped
// with this session's full JID.
func (s *session) relay(st *xmlstream.Element, a address) error {
	c := *st
	c.Attrs = append([]xmlstream.Attr(nil), st.Attrs...)
	c.SetAttr("from", s.jid.String())
	return s.srv.svc.Messages.Relay(s.ctx(), s.requester(), a.userID, &stanzaOrigin{el: &c, toResource: a.jid.Resource})
}

// resourceSession returns userID's session bound to resource, or nil.
func (s *Server) resourceSession(userID int64, resource string) *session {
	for _, o := range s.svc.Router.Sessions(userID) {
		if x, ok := o.(*session); ok && x.jid.Resource == resource && x.bound.Load() {
			return x
		}
	}
	return nil
}

// stanzaOrigin is an XMPP stanza on its way between sessions: with 'from'
// set to its sender's full JID, and the resource it is for ("" for any).
type stanzaOrigin struct {
	el         *xmlstream.Element
	toResource string
	// noCopy: the sender asked that no carbons be made (XEP-0280 private,
	// XEP-0334 no-copy).
	noCopy bool
}

// bytes serializes the stanza with its namespace declared, which is valid
// in a TCP stream and in a WebSocket frame alike, so that one encoding
// serves every receiving session.
func (o *stanzaOrigin) bytes() []byte { return xmlstream.Append(nil, o.el, "") }
