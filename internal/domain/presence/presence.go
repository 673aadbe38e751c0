// Package presence keeps users' online status: what they set, what others
// may see, and the devices they are online on.
package presence

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// User statuses, the Turms UserStatus numbers.
const (
	Available    int32 = 0
	Offline      int32 = 1
	Invisible    int32 = 2
	Busy         int32 = 3
	DoNotDisturb int32 = 4
	Away         int32 = 5
	BeRightBack  int32 = 6
)

// Directory is where online sessions are registered (the router).
type Directory interface {
	// SetStatus sets an online user's status; false if they are offline.
	SetStatus(userID int64, status int32) bool
	// Status returns a user's status and the device types they are online
	// on; Offline and none when they have no session.
	Status(userID int64) (status int32, deviceTypes []int32)
}

// Options are the presence rules.
type Options struct {
	// NotifyRelatedUsers tells the Turms clients of the user's non-blocked
	// related users of a status change, not only the user's other sessions
	// (XMPP contacts always see presence) (Turms:
	// notification.user-online-status-updated.notify-non-blocked-related-users).
	NotifyRelatedUsers bool
}

// Service is the presence service.
type Service struct {
	st   store.Store
	dir  Directory
	pub  event.Publisher
	opts Options
}

// New returns the presence service.
func New(st store.Store, dir Directory, pub event.Publisher, opts Options) *Service {
	return &Service{st: st, dir: dir, pub: pub, opts: opts}
}

// Status is one user's status as another user sees it.
type Status struct {
	UserID      int64
	Status      int32
	DeviceTypes []int32
}

// ValidStatus reports whether s is a known status.
func ValidStatus(s int32) bool { return s >= Available && s <= BeRightBack }

// Update sets the requester's status. Setting Offline closes the
// requester's sessions on deviceTypes (all when empty), as Turms does.
func (s *Service) Update(ctx context.Context, userID, sessionID int64, st int32, deviceTypes []int32, origin any) error {
	if !ValidStatus(st) {
		return domain.Errorf(status.IllegalArgument, "unknown user status %d", st)
	}
	if st == Offline {
		s.pub.Publish(ctx, []int64{userID}, &event.Event{
			RequesterID: userID,
			Payload: &event.SessionKicked{
				UserID: userID, DeviceTypes: deviceTypes,
				CloseStatus: int32(status.CloseDisconnectedByClient),
			},
		})
		return nil
	}
	s.dir.SetStatus(userID, st)
	return s.publish(ctx, sessionID, &event.OnlineStatusUpdated{
		UserID: userID, Status: st, RelayToRelated: s.opts.NotifyRelatedUsers,
	}, origin)
}

// Announce tells the user's other sessions and related users of a change
// no status request made: a session logged in or out, or an XMPP resource
// changed only its own presence. st is the user's status after it (Offline
// once the last session is gone).
func (s *Service) Announce(ctx context.Context, userID, sessionID int64, st int32, origin any) error {
	return s.publish(ctx, sessionID, &event.OnlineStatusUpdated{UserID: userID, Status: st, Implicit: true}, origin)
}

func (s *Service) publish(ctx context.Context, sessionID int64, p *event.OnlineStatusUpdated, origin any) error {
	to, err := domain.AppendRelated(ctx, s.st, []int64{p.UserID}, p.UserID)
	if err != nil {
		return err
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: p.UserID, RequesterSession: sessionID, Payload: p, Origin: origin,
	})
	return nil
}

// Query returns the statuses of ids as viewer sees them: an invisible user
// looks offline to everyone but themselves.
func (s *Service) Query(viewer int64, ids []int64) []Status {
	out := make([]Status, 0, len(ids))
	for _, id := range ids {
		st, devs := s.dir.Status(id)
		if st == Invisible && id != viewer {
			st, devs = Offline, nil
		}
		out = append(out, Status{UserID: id, Status: st, DeviceTypes: devs})
	}
	return out
}
