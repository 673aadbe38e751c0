package turms

import (
	"context"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain"
	"hermod/internal/domain/user"
	"hermod/internal/status"
	"hermod/internal/turms/pb"
)

func init() {
	register(100, queryUserProfiles)
	register(102, queryUserOnlineStatuses)
	register(104, updateUserOnlineStatus)
	register(105, updateUser)
}

func queryUserProfiles(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryUserProfilesRequest()
	if len(r.GetUserIds()) == 0 {
		if r.Name != nil {
			return nil, domain.Refuse(status.SearchingUserIsDisabled)
		}
		return nil, domain.Errorf(status.IllegalArgument, "user_ids must not be empty")
	}
	users, err := s.srv.svc.Users.Profiles(ctx, r.GetUserIds(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.UserInfosWithVersion{}
	for i := range users {
		u := &users[i]
		ok, err := s.mayViewProfile(ctx, u.ID, u.ProfileAccessStrategy)
		if err != nil {
			return nil, err
		}
		if ok {
			out.UserInfos = append(out.UserInfos, userInfo(u))
		}
	}
	if len(out.UserInfos) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserInfosWithVersion{UserInfosWithVersion: out}}, nil
}

// mayViewProfile applies the owner's profile access strategy.
func (s *session) mayViewProfile(ctx context.Context, ownerID int64, strategy int32) (bool, error) {
	if ownerID == s.userID {
		return true, nil
	}
	switch pb.ProfileAccessStrategy(strategy) {
	case pb.ProfileAccessStrategy_ALL_EXCEPT_BLOCKED_USERS:
		blocked, err := s.srv.svc.Relations.IsBlocked(ctx, ownerID, s.userID)
		return !blocked, err
	case pb.ProfileAccessStrategy_FRIENDS:
		return s.srv.svc.Relations.IsRelatedNotBlocked(ctx, ownerID, s.userID)
	}
	return true, nil
}

func queryUserOnlineStatuses(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	ids := req.GetQueryUserOnlineStatusesRequest().GetUserIds()
	if len(ids) == 0 {
		return nil, domain.Errorf(status.IllegalArgument, "user_ids must not be empty")
	}
	out := &pb.UserOnlineStatuses{}
	for _, st := range s.srv.svc.Presence.Query(s.userID, ids) {
		dts := make([]pb.DeviceType, len(st.DeviceTypes))
		for i, d := range st.DeviceTypes {
			dts[i] = pb.DeviceType(d)
		}
		out.Statuses = append(out.Statuses, &pb.UserOnlineStatus{
			UserId: st.UserID, UserStatus: pb.UserStatus(st.Status), DeviceTypes: dts,
		})
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserOnlineStatuses{UserOnlineStatuses: out}}, nil
}

func updateUserOnlineStatus(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateUserOnlineStatusRequest()
	dts := make([]int32, len(r.GetDeviceTypes()))
	for i, d := range r.GetDeviceTypes() {
		dts[i] = int32(d)
	}
	return nil, s.srv.svc.Presence.Update(ctx, s.userID, s.id, int32(r.GetUserStatus()), dts, req)
}

func updateUser(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateUserRequest()
	ch := user.ProfileChange{
		Password: r.Password, Name: r.Name, Intro: r.Intro, ProfilePicture: r.ProfilePicture,
	}
	if r.ProfileAccessStrategy != nil {
		ch.ProfileAccessStrategy = proto.Int32(int32(r.GetProfileAccessStrategy()))
	}
	if len(r.GetUserDefinedAttributes()) > 0 {
		ch.SetAttributes = attributesToJSON(r.GetUserDefinedAttributes())
	}
	// Relay the change without the password to the user's other sessions.
	relay := proto.Clone(req).(*pb.TurmsRequest)
	relay.GetUpdateUserRequest().Password = nil
	return nil, s.srv.svc.Users.UpdateProfile(ctx, s.requester(), ch, relay)
}
