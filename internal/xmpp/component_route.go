package xmpp

import (
	"context"
	"strconv"

	"hermod/internal/domain/event"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// route handles a stanza a component sent: after checking that it comes
// from the component's domain, it goes to a user's XMPP sessions, to
// another component, or is answered for the server.
func (c *componentConn) route(in *xmlstream.Element) {
	// Components may write their stanzas in either namespace (slixmpp has
	// an option for jabber:client); sessions get jabber:client.
	el := xmlstream.Renamespace(in, xmlstream.NSComponent, xmlstream.NSClient)
	if el.Space != xmlstream.NSClient {
		c.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "<" + el.Local + "/> in " + el.Space})
		return
	}
	switch el.Local {
	case "message", "presence", "iq":
	default:
		c.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "<" + el.Local + "/>"})
		return
	}
	from, err := jid.Parse(el.Attr("from"))
	if err != nil || from.Domain != c.domain {
		// XEP-0114 section 3: a component speaks only for its own domain.
		c.closeWith(&xmlstream.StreamError{Condition: "invalid-from", Text: "stanzas of " + c.domain + " come from " + c.domain})
		return
	}
	if el.Local == "iq" && !validIQ(el) {
		c.bounce(el, errBadRequest("an IQ has an id and is of type get or set with one child, or result or error"))
		return
	}
	to := el.Attr("to")
	if to == "" {
		to = c.srv.opts.Domain
	}
	j, err := jid.Parse(to)
	if err != nil {
		c.bounce(el, &stanzaErr{"modify", "jid-malformed", "", nil})
		return
	}
	switch {
	case j.Domain == c.srv.opts.Domain && j.Local != "":
		c.toUser(el, j)
	case j.Domain == c.srv.opts.Domain:
		c.toServer(el)
	default:
		if _, ok := c.srv.comps.secrets[j.Domain]; ok {
			c.toComponent(el, j.Domain)
			return
		}
		if j.Domain == c.srv.opts.MUCDomain || j.Domain == c.srv.opts.UploadDomain {
			c.bounce(el, errServiceUnavailable("the server's own services take no stanzas from components"))
			return
		}
		c.bounce(el, errRemoteServerNotFound())
	}
}

func validIQ(iq *xmlstream.Element) bool {
	switch iq.Attr("type") {
	case "get", "set":
		return iq.Attr("id") != "" && len(iq.Elements()) == 1
	case "result", "error":
		return iq.Attr("id") != ""
	}
	return false
}

// toUser passes a stanza to a user's XMPP sessions through the router, as
// one session relays to another. A user with no XMPP session gets no
// message: it is bounced with service-unavailable (RFC 6121 section
// 8.5.2.1.1 lets a server do that instead of storing it), since the
// archive and offline storage hold conversations between accounts.
func (c *componentConn) toUser(el *xmlstream.Element, to jid.JID) {
	userID := c.srv.userIDOf(to.Local)
	var xmppSessions, atResource bool
	if userID != 0 {
		for _, o := range c.srv.svc.Router.Sessions(userID) {
			if x, ok := o.(*session); ok && x.bound.Load() {
				xmppSessions = true
				atResource = atResource || (to.Resource != "" && x.jid.Resource == to.Resource)
			}
		}
	}
	typ := el.Attr("type")
	resource := to.Resource
	switch el.Local {
	case "iq":
		// A full JID's client answers; the server does not answer for an
		// account to a component (RFC 6120 section 8.5.3.1 leaves that open).
		if !atResource {
			c.bounce(el, errServiceUnavailable(""))
			return
		}
	case "message":
		if !xmppSessions {
			if typ != "error" && typ != "headline" {
				c.bounce(el, errServiceUnavailable("the user has no XMPP session"))
			}
			return
		}
		if !atResource {
			resource = "" // RFC 6121 section 8.5.3.2.1: as if to the bare JID
		}
	case "presence":
		// Probes are the server's to answer, and no account subscribes
		// to a component's presence.
		if !xmppSessions || (resource != "" && !atResource) || typ == "probe" {
			return
		}
	}
	c.srv.svc.Router.Publish(context.Background(), []int64{userID}, &event.Event{
		Payload: &event.Relayed{ToID: userID}, Origin: &stanzaOrigin{el: el, toResource: resource},
	})
}

// userIDOf returns the account a local part names (its numeric id or login
// name), or 0.
func (s *Server) userIDOf(local string) int64 {
	if id, err := strconv.ParseInt(local, 10, 64); err == nil && id > 0 {
		return id
	}
	u, err := s.svc.Users.Lookup(context.Background(), local)
	if err != nil {
		return 0
	}
	return u.ID
}

// toServer answers what a component asks the server itself: ping and
// disco#info; other requests are not served and other stanzas go nowhere.
func (c *componentConn) toServer(el *xmlstream.Element) {
	typ := el.Attr("type")
	if el.Local != "iq" || (typ != "get" && typ != "set") {
		if el.Local == "message" && typ != "error" {
			c.bounce(el, errServiceUnavailable(""))
		}
		return
	}
	p := el.FirstElement()
	switch {
	case typ == "get" && p.Is(nsPing, "ping"):
		c.reply(el, nil)
	case typ == "get" && p.Is(nsDiscoInfo, "query") && p.Attr("node") == "":
		c.reply(el, c.srv.serverInfo())
	default:
		c.bounce(el, errServiceUnavailable(""))
	}
}

// toComponent passes a stanza on to another component, as it was sent.
func (c *componentConn) toComponent(el *xmlstream.Element, domain string) {
	o := c.srv.comps.get(domain)
	if o == nil {
		c.bounce(el, errServiceUnavailable(domain+" is not connected"))
		return
	}
	if !o.send(el) {
		c.bounce(el, &stanzaErr{"wait", "resource-constraint", domain + " does not keep up", nil})
	}
}

// reply answers an IQ the component sent to the server.
func (c *componentConn) reply(iq, payload *xmlstream.Element) {
	r := xmlstream.New(xmlstream.NSClient, "iq", "type", "result", "id", iq.Attr("id"),
		"from", c.srv.opts.Domain, "to", iq.Attr("from")).Add(payload)
	c.send(r)
}

// bounce answers a stanza with an error, except an error (no error loops).
func (c *componentConn) bounce(st *xmlstream.Element, e *stanzaErr) {
	if st.Attr("type") == "error" || (st.Local == "iq" && st.Attr("type") == "result") {
		return
	}
	r := stanzaError(st, e)
	r.SetAttr("to", st.Attr("from"))
	if r.Attr("from") == "" {
		r.SetAttr("from", c.srv.opts.Domain)
	}
	c.send(r)
}

// toComponent passes a stanza a user sent to a component's domain (or a
// JID at it) to the component, from the user's full JID. A component that
// is not connected answers nothing: requests and messages bounce with
// service-unavailable.
func (s *session) toComponent(el *xmlstream.Element, domain string) {
	c := *el
	c.Attrs = append([]xmlstream.Attr(nil), el.Attrs...)
	c.SetAttr("from", s.jid.String())
	comp := s.srv.comps.get(domain)
	typ := el.Attr("type")
	if el.Local == "presence" {
		s.srv.comps.notePresence(s, el.Attr("to"), typ)
	}
	refusable := (el.Local == "iq" && (typ == "get" || typ == "set")) || (el.Local == "message" && typ != "error")
	switch {
	case comp == nil:
		if refusable {
			s.send(stanzaError(el, errServiceUnavailable(domain+" is not connected")))
		}
	case !comp.send(&c):
		if refusable {
			s.send(stanzaError(el, &stanzaErr{"wait", "resource-constraint", domain + " does not keep up", nil}))
		}
	}
}
