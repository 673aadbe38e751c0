package xmpp

import (
	"sync"
	"time"

	"hermod/internal/domain/event"
	"hermod/internal/xmpp/xmlstream"
)

// A Turms typing status is one moment: Turms clients send it again while
// their user types, and nothing when they stop. An XMPP client shows
// "composing" until the next chat state, so each session ends a Turms
// user's typing with <paused/> when no typing status has followed for
// xmpp.typing_pause (XEP-0085 section 5.2 has the sender do this; the
// Turms sender cannot).

// typingPauses are a session's pending pauses, by whose typing they end.
type typingPauses struct {
	mu     sync.Mutex
	timers map[string]*time.Timer
	closed bool
}

// pauseLater sends paused after the typing pause unless key types again
// first. It runs on the write loop, after the composing it follows was
// rendered, so the pause can never overtake it.
func (s *session) pauseLater(key string, paused []byte) {
	d := s.srv.opts.TypingPause
	if d <= 0 {
		return
	}
	p := &s.pauses
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.timers == nil {
		p.timers = map[string]*time.Timer{}
	}
	if t := p.timers[key]; t != nil {
		t.Stop()
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		p.mu.Lock()
		current := !p.closed && p.timers[key] == t
		if current {
			delete(p.timers, key)
		}
		p.mu.Unlock()
		if current && s.available.Load() {
			s.sendBytes(paused)
		}
	})
	p.timers[key] = t
}

// stopPauses cancels the pending pauses of a session that ended.
func (s *session) stopPauses() {
	p := &s.pauses
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, t := range p.timers {
		t.Stop()
	}
	p.timers = nil
}

// renderTurmsTyping renders a Turms user's typing in a chat as composing,
// with the pause that ends it.
func (s *session) renderTurmsTyping(p *event.TypingStatus) [][]byte {
	from := s.srv.bareJID(p.FromID)
	s.pauseLater(from, chatState(from, "chat", "paused"))
	return [][]byte{chatState(from, "chat", "composing")}
}

// chatState renders a chat state notification.
func chatState(from, typ, state string) []byte {
	el := xmlstream.New(xmlstream.NSClient, "message", "type", typ, "from", from).Add(xmlstream.New(nsChatStates, state))
	return xmlstream.Append(nil, el, "")
}
