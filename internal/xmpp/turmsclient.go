package xmpp

import (
	"crypto/sha1"
	"sync"

	"hermod/internal/xmpp/xmlstream"
)

// The resource "turms" stands for a user's Turms sessions. XMPP clients
// decide from a contact's resources what they may send it (Dino offers
// reactions only when every resource supports them), so hermod answers
// for the Turms sessions what it translates for them: chat states,
// corrections, retractions, reactions and chat markers (not receipts:
// Turms clients do not acknowledge delivery). Their presence carries the
// entity capabilities (XEP-0115) of that list.
var turmsFeatures = []string{
	nsDiscoInfo, nsChatStates, nsCorrect, nsRetract, nsReactions, nsMarkers,
}

// turmsInfo is the disco#info of the Turms resource.
func turmsInfo() *xmlstream.Element {
	q := xmlstream.New(nsDiscoInfo, "query").
		Add(xmlstream.New(nsDiscoInfo, "identity", "category", "client", "type", "phone", "name", "Turms"))
	for _, f := range turmsFeatures {
		q.Add(xmlstream.New(nsDiscoInfo, "feature", "var", f))
	}
	return q
}

var turmsCapsVer = sync.OnceValue(func() string { return capsVer(sha1.New, turmsInfo()) })

// turmsCaps is the <c/> of the Turms resource's presence.
func turmsCaps() *xmlstream.Element {
	return xmlstream.New(nsCaps, "c", "hash", "sha-1", "node", capsNode, "ver", turmsCapsVer())
}

// answerForTurms answers a disco#info query to a user's Turms resource,
// for those who see the user's presence; false leaves the IQ to the usual
// routing (which finds no XMPP session there).
func (s *session) answerForTurms(iq *xmlstream.Element, a address) bool {
	q := iq.Child(nsDiscoInfo, "query")
	if a.jid.Resource != turmsResource || iq.Attr("type") != "get" || q == nil || a.userID == 0 ||
		(a.userID != s.userID && !s.receivesPresenceOf(a.userID)) {
		return false
	}
	out := turmsInfo()
	if node := q.Attr("node"); node != "" {
		if node != capsNode+"#"+turmsCapsVer() {
			s.send(stanzaError(iq, errItemNotFound("no such node")))
			return true
		}
		out.SetAttr("node", node)
	}
	r := result(iq, out)
	r.SetAttr("to", s.jid.String())
	s.send(r)
	return true
}
