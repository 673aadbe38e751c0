package xmpp

import (
	"strings"
	"sync"
	"sync/atomic"

	"hermod/internal/domain/event"
	"hermod/internal/xmpp/xmlstream"
)

// Client state indication (XEP-0352): a client that says it is inactive
// (a phone in a pocket) is not woken for what can wait. While a session is
// inactive, presence updates and chat states are held back, only the
// latest per contact (per full JID) is kept, and all of it is sent once the
// client is active again. Messages and everything else pass at once; a
// message drops the sender's held chat state, which it supersedes. Room
// presence (MUC) is not held back.
const nsCSI = "urn:xmpp:csi:0"

type csiState struct {
	inactive atomic.Bool
	mu       sync.Mutex
	held     []csiHeld
	keys     map[string]int // index in held
}

type csiHeld struct {
	key string
	it  outItem
}

func csiModule() *module {
	return &module{streamFeatures: [][2]string{{nsCSI, "csi"}}}
}

func (s *session) handleCSI(el *xmlstream.Element) {
	switch el.Local {
	case "inactive":
		s.csi.mu.Lock()
		s.csi.inactive.Store(true)
		s.csi.mu.Unlock()
	case "active":
		// Pushing under the lock keeps a newer update of a contact from
		// overtaking the held one.
		s.csi.mu.Lock()
		s.csi.inactive.Store(false)
		for _, h := range s.csi.held {
			if h.key != "" {
				s.push(h.it, true)
			}
		}
		s.csi.held, s.csi.keys = nil, nil
		s.csi.mu.Unlock()
		s.srv.pushSeen(s.userID)
	default:
		s.closeWith(&xmlstream.StreamError{Condition: "unsupported-stanza-type", Text: "<" + el.Local + "/> in " + nsCSI})
	}
}

// csiHold holds back what an inactive client need not see now; true if it
// was held (the caller queues nothing).
func (s *session) csiHold(ev *event.Event, it outItem) bool {
	if !s.csi.inactive.Load() {
		return false
	}
	key := s.csiKey(ev)
	s.csi.mu.Lock()
	defer s.csi.mu.Unlock()
	if !s.csi.inactive.Load() {
		return false
	}
	if key == "" {
		if m, ok := ev.Payload.(*event.MessageCreated); ok && !m.Message.IsGroup() {
			s.csiDropChatStates("c:" + s.srv.bareJID(m.Message.SenderID))
		}
		return false
	}
	if s.csi.keys == nil {
		s.csi.keys = make(map[string]int)
	}
	if i, ok := s.csi.keys[key]; ok {
		s.csi.held[i].it = it // only the latest counts
		return true
	}
	s.csi.keys[key] = len(s.csi.held)
	s.csi.held = append(s.csi.held, csiHeld{key: key, it: it})
	return true
}

// csiDropChatStates forgets held chat states of a bare JID (prefix).
func (s *session) csiDropChatStates(prefix string) {
	for k, i := range s.csi.keys {
		if k == prefix || strings.HasPrefix(k, prefix+"/") {
			s.csi.held[i].key = ""
			delete(s.csi.keys, k)
		}
	}
}

// csiKey names what an event updates, for an inactive client: "p:" and a
// JID for presence, "c:" and a JID for a chat state; "" for what is not
// held back.
func (s *session) csiKey(ev *event.Event) string {
	o, _ := ev.Origin.(*stanzaOrigin)
	switch p := ev.Payload.(type) {
	case *event.OnlineStatusUpdated:
		if o != nil {
			return "p:" + o.el.Attr("from")
		}
		return "p:" + s.srv.bareJID(p.UserID)
	case *event.TypingStatus:
		if p.IsGroup {
			return ""
		}
		if o != nil {
			return "c:" + o.el.Attr("from")
		}
		return "c:" + s.srv.bareJID(p.FromID)
	case *event.Relayed:
		if o == nil {
			return ""
		}
		switch {
		case o.el.Local == "presence" && (o.el.Attr("type") == "" || o.el.Attr("type") == "unavailable"):
			return "p:" + o.el.Attr("from")
		case o.el.Local == "message" && onlyChatState(o.el):
			return "c:" + o.el.Attr("from")
		}
	}
	return ""
}

// onlyChatState reports a message that carries a chat state and nothing
// else of note.
func onlyChatState(el *xmlstream.Element) bool {
	state := false
	for _, c := range el.Elements() {
		switch {
		case c.Space == nsChatStates:
			state = true
		case c.Is(xmlstream.NSClient, "thread"), c.Space == nsHints, c.Space == nsStanzaID:
		default:
			return false
		}
	}
	return state
}
