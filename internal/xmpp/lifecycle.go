package xmpp

import (
	"hermod/internal/domain/presence"
)

// online registers a bound session with the router: from now on events
// addressed to its user reach it.
func (s *session) online() {
	st, _ := s.srv.svc.Router.Status(s.userID)
	if st == presence.Offline {
		st = presence.Available
	}
	s.srv.svc.Router.Register(s, false, st)
	s.srv.pushSeen(s.userID)
	s.srv.svc.Metrics.SessionOpened("xmpp")
	s.debug("bound", "jid", s.jid.String())
}

// offline takes a closed session out of the router and tells contacts it
// is gone.
func (s *session) offline() {
	found, last := s.srv.svc.Router.Unregister(s)
	s.smForget()
	s.stopPauses()
	s.forgetCaps()
	s.srv.svc.Metrics.SessionClosed("xmpp")
	// Components the resource sent presence to hear it is gone, whether or
	// not it was available (component*.go).
	s.unavailableToComponents(nil)
	if !found {
		return
	}
	if s.available.Load() {
		s.goUnavailable(nil)
	}
	s.leaveAllRooms(false)
	if last {
		// Turms clients do not hear of it (an implicit change), but the
		// router now reports the user offline to anyone who asks.
		s.srv.svc.Presence.Announce(s.ctx(), s.userID, s.id, presence.Offline, nil)
	}
}
