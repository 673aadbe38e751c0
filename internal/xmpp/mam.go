package xmpp

import (
	"context"
	"strconv"

	"hermod/internal/domain/message"
	"hermod/internal/store"
	"hermod/internal/xmpp/jid"
	"hermod/internal/xmpp/xmlstream"
)

// mamModule is Message Archive Management (XEP-0313) on the user's own
// archive: the private messages they sent and received, the same records
// that Turms QueryMessages reads, with archive ids equal to message ids
// (and so to the stanza-ids of XEP-0359). Preferences are XEP-0441's.
func mamModule() *module {
	return &module{
		accountFeatures: []string{nsMAM, nsMAMExtended},
		iq:              map[string]iqHandler{nsMAM: (*session).mam},
	}
}

func (s *session) mam(iq, payload *xmlstream.Element, to int64) (*xmlstream.Element, error) {
	if to != s.userID {
		// Another user's archive is theirs alone (XEP-0313 section 7.1);
		// the server's domain hosts no archive.
		return nil, errServiceUnavailable("")
	}
	if payload.Local == "prefs" {
		return s.mamPrefs(iq, payload)
	}
	return s.answerMAM(iq, payload, userArchive{s})
}

// userArchive is the archive of the session's user.
type userArchive struct{ s *session }

func (a userArchive) address() string { return a.s.bare }

func (a userArchive) scope(ctx context.Context, with jid.JID) (store.MessageQuery, bool, error) {
	var withID int64
	if !with.IsZero() {
		if with.Domain != a.s.srv.opts.Domain {
			return store.MessageQuery{}, false, nil // no federation: no such messages
		}
		if withID = a.s.localID(with.Local); withID == 0 {
			return store.MessageQuery{}, false, nil
		}
	}
	return a.s.srv.svc.Messages.ArchiveScope(ctx, a.s.userID, withID)
}

func (a userArchive) holds(m *store.Message) bool { return message.InArchive(m, a.s.userID) }

func (a userArchive) forwarded(m *store.Message) *xmlstream.Element {
	if m.IsSystem {
		return a.s.srv.archivedRetraction(m, a.s.userID)
	}
	return a.s.srv.archivedMessage(m, a.s.userID)
}

// archivedMessage renders a stored private message as a stanza of
// ownerID's archive: between the bare JIDs of its sender and recipient
// (resources are not kept), with its body, the extension payloads an
// XMPP sender attached, and its stanza-id in that archive.
func (s *Server) archivedMessage(m *store.Message, ownerID int64) *xmlstream.Element {
	el := xmlstream.New(xmlstream.NSClient, "message", "type", "chat", "id", refOf(m),
		"from", s.bareJID(m.SenderID), "to", s.bareJID(m.RecipientID))
	if m.Text != "" {
		el.Add(xmlstream.New(xmlstream.NSClient, "body").AddText(m.Text))
	}
	if len(m.Extensions) > 0 {
		el.Children = append(el.Children, xmlstream.Raw(m.Extensions))
	}
	return el.Add(xmlstream.New(nsStanzaID, "stanza-id", "id", strconv.FormatInt(m.ID, 10), "by", s.bareJID(ownerID)))
}
