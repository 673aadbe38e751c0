package xmpp

import (
	"strings"
	"time"

	"hermod/internal/domain/user"
	"hermod/internal/xmpp/xmlstream"
)

// registerModule is in-band registration (XEP-0077). Creating accounts
// before authentication is off unless AllowRegistration is set; an
// authenticated user may always change their password. Removing an
// account this way is refused: accounts are deactivated by an operator.
func registerModule() *module {
	return &module{
		iq: map[string]iqHandler{nsRegister: (*session).registerAfterAuth},
	}
}

func (s *session) registerAfterAuth(iq, q *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != 0 && to != s.userID {
		return nil, errServiceUnavailable("")
	}
	if iq.Attr("type") == "get" {
		return xmlstream.New(nsRegister, "query").Add(
			xmlstream.New(nsRegister, "registered"),
			xmlstream.New(nsRegister, "username").AddText(s.jid.Local),
			xmlstream.New(nsRegister, "password"),
		), nil
	}
	if q.Child(nsRegister, "remove") != nil {
		return nil, errNotAllowed("accounts are removed by an operator")
	}
	pw := q.ChildText(nsRegister, "password")
	if pw == "" {
		return nil, errBadRequest("a new password is needed")
	}
	if un := q.ChildText(nsRegister, "username"); un != "" && s.localID(strings.ToLower(un)) != s.userID {
		return nil, errBadRequest("the username is not yours")
	}
	return nil, s.srv.svc.Users.SetPassword(s.ctx(), s.userID, pw)
}

// registerBeforeAuth answers registration IQs on a stream that is not
// authenticated: the form, and account creation with a login name.
func (s *session) registerBeforeAuth(iq, q *xmlstream.Element) *xmlstream.Element {
	switch iq.Attr("type") {
	case "get":
		return result(iq, xmlstream.New(nsRegister, "query").Add(
			xmlstream.New(nsRegister, "instructions").AddText("Choose a username (letters, digits, . _ -) and a password."),
			xmlstream.New(nsRegister, "username"),
			xmlstream.New(nsRegister, "password"),
		))
	case "set":
		un := strings.ToLower(strings.TrimSpace(q.ChildText(nsRegister, "username")))
		pw := q.ChildText(nsRegister, "password")
		if un == "" || pw == "" {
			return stanzaError(iq, &stanzaErr{"modify", "not-acceptable", "a username and a password are needed", nil})
		}
		if !s.srv.signups.Allowed(s.ip, time.Now()) {
			return stanzaError(iq, &stanzaErr{"wait", "resource-constraint", "too many registrations from this address; try again later", nil})
		}
		if !user.ValidLoginName(un) {
			return stanzaError(iq, &stanzaErr{"modify", "not-acceptable", "usernames start with a letter and use a-z, 0-9, . _ -", nil})
		}
		if _, err := s.srv.svc.Users.Add(s.ctx(), user.NewUser{LoginName: un, Password: pw, Name: un}); err != nil {
			if se := errFromDomain(err); se.cond == "conflict" || strings.Contains(se.text, "DUPLICATE") || strings.Contains(se.text, "exists") {
				return stanzaError(iq, &stanzaErr{"cancel", "conflict", "the username is taken", nil})
			}
			return stanzaError(iq, errFromDomain(err))
		}
		s.srv.signups.Failed(s.ip, time.Now()) // counts toward the address's limit
		return result(iq, nil)
	}
	return stanzaError(iq, errBadRequest(""))
}
