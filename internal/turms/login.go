package turms

import (
	"context"
	"strconv"
	"time"

	"hermod/internal/domain"
	"hermod/internal/domain/presence"
	"hermod/internal/status"
	"hermod/internal/turms/pb"
)

// login handles CreateSessionRequest. A failed login leaves the connection
// open for another try, as Turms does; repeated failures from one address
// are throttled.
func (s *session) login(ctx context.Context, req *pb.CreateSessionRequest) (status.Code, string, *pb.TurmsNotification_Data) {
	if s.loggedIn {
		return status.CreateExistingSession, "", nil
	}
	if req.GetVersion() != 1 {
		return status.UnsupportedClientVersion, "the supported client version is 1", nil
	}
	now := time.Now()
	if !s.srv.throttle.Allowed(s.ip, now) {
		s.srv.svc.Metrics.LoginFailed("turms")
		return status.ClientRequestsTooFrequent, "too many failed logins from this address; try again later", nil
	}
	if req.Password == nil {
		s.srv.throttle.Failed(s.ip, now)
		return status.LoginAuthenticationFailed, "a password is required", nil
	}
	u, err := s.srv.svc.Users.Authenticate(ctx, req.GetUserId(), req.GetPassword())
	if err != nil {
		code := domain.CodeOf(err)
		if code == status.LoginAuthenticationFailed {
			s.srv.throttle.Failed(s.ip, now)
			s.srv.svc.Metrics.LoginFailed("turms")
			return code, "The user ID or password is incorrect", nil
		}
		if code == status.ServerInternalError {
			s.logger().Error("login failed", "err", err)
		}
		return code, "", nil
	}
	dt := int32(req.GetDeviceType())
	if _, known := pb.DeviceType_name[dt]; !known {
		dt = int32(pb.DeviceType_UNKNOWN)
	}
	st := int32(req.GetUserStatus())
	if !presence.ValidStatus(st) || st == presence.Offline {
		st = presence.Available
	}
	if max := s.srv.opts.MaxSessionsPerUser; max > 0 && len(s.srv.svc.Router.Sessions(u.ID)) >= max {
		if !s.srv.opts.ExclusiveDeviceSessions || !s.hasSameDevice(u.ID, dt) {
			return status.SessionSimultaneousConflictsDecline, "too many sessions for this user", nil
		}
	}
	s.userID, s.deviceType, s.loggedIn = u.ID, dt, true
	s.lastSeen.Store(now.UnixMilli())
	s.timer.Reset(s.srv.opts.HeartbeatTimeout)
	for _, old := range s.srv.svc.Router.Register(s, s.srv.opts.ExclusiveDeviceSessions, st) {
		if o, ok := old.(*session); ok {
			o.closeWith(status.CloseDisconnectedByOtherDevice, 0, "")
		}
	}
	s.srv.svc.Metrics.SessionOpened("turms")
	// XMPP contacts see a Turms login as presence; Turms clients are not told.
	if err := s.srv.svc.Presence.Announce(ctx, u.ID, s.id, st, nil); err != nil {
		s.logger().Warn("announcing a login", "err", err)
	}
	s.logger().Debug("logged in", "user", u.ID, "device", dt)
	s.pushSession = true // after the response
	return status.OK, "", nil
}

func (s *session) hasSameDevice(userID int64, dt int32) bool {
	for _, o := range s.srv.svc.Router.Sessions(userID) {
		if o.DeviceType() == dt {
			return true
		}
	}
	return false
}

// logout removes a closed session from the router (a session replaced by
// a newer login on its device type is already gone from it).
func (s *Server) logout(ss *session) {
	found, last := s.svc.Router.Unregister(ss)
	s.svc.Metrics.SessionClosed("turms")
	if found {
		st := presence.Offline
		if !last {
			st, _ = s.svc.Router.Status(ss.userID)
		}
		if err := s.svc.Presence.Announce(context.Background(), ss.userID, ss.id, st, nil); err != nil {
			ss.logger().Warn("announcing a logout", "err", err)
		}
	}
}

// userSessionPush tells a client its session id and the server's id.
func (s *session) userSessionPush() *pb.TurmsNotification {
	return &pb.TurmsNotification{
		Timestamp: now(),
		Data: &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserSession{
			UserSession: &pb.UserSession{SessionId: strconv.FormatInt(s.id, 10), ServerId: s.srv.opts.ServerID},
		}},
	}
}
