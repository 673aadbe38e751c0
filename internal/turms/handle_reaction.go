package turms

import (
	"context"

	"google.golang.org/protobuf/proto"

	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(1200, createMessageReactions)
	register(1201, deleteMessageReactions)
	register(101, queryNearbyUsers)
	register(103, updateUserLocation)
}

func createMessageReactions(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateMessageReactionsRequest()
	return nil, s.srv.svc.Messages.React(ctx, s.requester(), r.GetMessageId(), r.GetReactionTypes(), false, req)
}

func deleteMessageReactions(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteMessageReactionsRequest()
	return nil, s.srv.svc.Messages.React(ctx, s.requester(), r.GetMessageId(), r.GetReactionTypes(), true, req)
}

// withReactions fills the reaction groups of queried messages.
func (s *session) withReactions(ctx context.Context, msgs []*pb.Message) error {
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		ids[i] = m.GetId()
	}
	byMsg, err := s.srv.svc.Messages.Reactions(ctx, ids)
	if err != nil || byMsg == nil {
		return err
	}
	for _, m := range msgs {
		m.ReactionGroups = reactionGroups(byMsg[m.GetId()])
	}
	return nil
}

// reactionGroups groups one message's reactions (sorted by type) by type.
func reactionGroups(rs []store.MessageReaction) []*pb.MessageReactionGroup {
	var out []*pb.MessageReactionGroup
	for _, r := range rs {
		n := len(out)
		if n == 0 || out[n-1].ReactionType != r.Type {
			out = append(out, &pb.MessageReactionGroup{ReactionType: r.Type})
			n++
		}
		g := out[n-1]
		g.ReactionCount++
		g.UserInfos = append(g.UserInfos, &pb.UserInfo{Id: proto.Int64(r.UserID)})
	}
	return out
}

func updateUserLocation(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateUserLocationRequest()
	return nil, s.srv.svc.Nearby.Update(s.userID, r.GetLatitude(), r.GetLongitude(), r.GetDetails())
}

func queryNearbyUsers(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryNearbyUsersRequest()
	found, err := s.srv.svc.Nearby.Query(s.userID, r.GetLatitude(), r.GetLongitude(), int(r.GetMaxCount()), int(r.GetMaxDistance()))
	if err != nil {
		return nil, err
	}
	var infos map[int64]*store.User
	if r.GetWithUserInfo() {
		ids := make([]int64, len(found))
		for i, n := range found {
			ids[i] = n.UserID
		}
		us, err := s.srv.svc.Users.Profiles(ctx, ids, 0)
		if err != nil {
			return nil, err
		}
		infos = make(map[int64]*store.User, len(us))
		for i := range us {
			infos[us[i].ID] = &us[i]
		}
	}
	out := &pb.NearbyUsers{}
	for _, n := range found {
		nu := &pb.NearbyUser{UserId: n.UserID}
		if r.GetWithDistance() {
			nu.Distance = proto.Int32(n.DistanceMeters)
		}
		if r.GetWithCoordinates() {
			nu.Location = &pb.UserLocation{Latitude: n.Latitude, Longitude: n.Longitude, Timestamp: proto.Int64(n.Timestamp), Details: n.Details}
		}
		if u := infos[n.UserID]; u != nil {
			nu.Info = userInfo(u)
		}
		out.NearbyUsers = append(out.NearbyUsers, nu)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_NearbyUsers{NearbyUsers: out}}, nil
}
