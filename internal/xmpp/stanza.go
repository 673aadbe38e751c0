package xmpp

import (
	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/xmpp/xmlstream"
)

// stanzaErr is an RFC 6120 section 8.3 stanza error.
type stanzaErr struct {
	typ, cond, text string
	app             *xmlstream.Element // an application-specific condition
}

func (e *stanzaErr) Error() string { return e.cond + ": " + e.text }

func errBadRequest(text string) *stanzaErr { return &stanzaErr{"modify", "bad-request", text, nil} }
func errNotAllowed(text string) *stanzaErr { return &stanzaErr{"cancel", "not-allowed", text, nil} }
func errForbidden(text string) *stanzaErr  { return &stanzaErr{"auth", "forbidden", text, nil} }
func errItemNotFound(text string) *stanzaErr {
	return &stanzaErr{"cancel", "item-not-found", text, nil}
}
func errServiceUnavailable(text string) *stanzaErr {
	return &stanzaErr{"cancel", "service-unavailable", text, nil}
}
func errFeatureNotImplemented(text string) *stanzaErr {
	return &stanzaErr{"cancel", "feature-not-implemented", text, nil}
}
func errInternal() *stanzaErr { return &stanzaErr{"wait", "internal-server-error", "", nil} }
func errNotAcceptable(text string) *stanzaErr {
	return &stanzaErr{"modify", "not-acceptable", text, nil}
}
func errRemoteServerNotFound() *stanzaErr {
	return &stanzaErr{"cancel", "remote-server-not-found", "this server does not federate", nil}
}
func errPolicy(text string) *stanzaErr { return &stanzaErr{"modify", "policy-violation", text, nil} }

// errFromDomain turns a domain refusal into the stanza error an XMPP client
// understands; the Turms status code travels in the text.
func errFromDomain(err error) *stanzaErr {
	if se, ok := err.(*stanzaErr); ok {
		return se
	}
	code := domain.CodeOf(err)
	text := code.String()
	var de *domain.Error
	if e, ok := err.(*domain.Error); ok {
		de = e
		if de.Reason != "" {
			text += ": " + de.Reason
		}
	}
	switch code {
	case status.ServerInternalError:
		return errInternal()
	case status.IllegalArgument:
		return errBadRequest(text)
	case status.ResourceNotFound, status.MessageRecipientNotActive:
		return errServiceUnavailable(text)
	case status.BlockedUserSendPrivateMessage, status.NotFriendToSendPrivateMessage,
		status.NotFriendToSendTypingStatus:
		// The recipient blocked the sender: do not tell (XEP-0191 section 3.5).
		return errServiceUnavailable("")
	case status.DuplicateResource:
		return &stanzaErr{"cancel", "conflict", text, nil}
	}
	if code >= 3000 || code == status.Unauthorized {
		return errNotAllowed(text)
	}
	return errBadRequest(text)
}

// stanzaError builds the error reply to st: addressed back to its sender,
// from where it was sent.
func stanzaError(st *xmlstream.Element, e *stanzaErr) *xmlstream.Element {
	r := xmlstream.New(xmlstream.NSClient, st.Local, "type", "error", "id", st.Attr("id"))
	if to := st.Attr("to"); to != "" {
		r.SetAttr("from", to)
	}
	errEl := xmlstream.New(xmlstream.NSClient, "error", "type", e.typ).Add(xmlstream.New(nsStanzas, e.cond))
	if e.text != "" {
		errEl.Add(xmlstream.New(nsStanzas, "text").AddText(e.text))
	}
	errEl.Add(e.app)
	return r.Add(errEl)
}

// result builds the result of iq with an optional payload.
func result(iq *xmlstream.Element, payload *xmlstream.Element) *xmlstream.Element {
	r := xmlstream.New(xmlstream.NSClient, "iq", "type", "result", "id", iq.Attr("id"))
	if to := iq.Attr("to"); to != "" {
		r.SetAttr("from", to)
	}
	return r.Add(payload)
}
