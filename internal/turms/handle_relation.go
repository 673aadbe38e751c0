package turms

import (
	"context"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/relation"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(200, createFriendRequest)
	register(201, createRelationshipGroup)
	register(202, createRelationship)
	register(203, deleteFriendRequest)
	register(204, deleteRelationshipGroup)
	register(205, deleteRelationship)
	register(206, queryFriendRequests)
	register(207, queryRelatedUserIDs)
	register(208, queryRelationshipGroups)
	register(209, queryRelationships)
	register(210, updateFriendRequest)
	register(211, updateRelationshipGroup)
	register(212, updateRelationship)
}

func createFriendRequest(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateFriendRequestRequest()
	fr, err := s.srv.svc.Relations.CreateFriendRequest(ctx, s.requester(), r.GetRecipientId(), r.GetContent(), req)
	if err != nil {
		return nil, err
	}
	return dataLong(fr.ID), nil
}

func deleteFriendRequest(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	return nil, s.srv.svc.Relations.RecallFriendRequest(ctx, s.requester(), req.GetDeleteFriendRequestRequest().GetRequestId(), req)
}

func updateFriendRequest(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateFriendRequestRequest()
	return nil, s.srv.svc.Relations.ReplyFriendRequest(ctx, s.requester(), r.GetRequestId(),
		relation.Reply(r.GetResponseAction()), r.GetReason(), req)
}

func queryFriendRequests(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryFriendRequestsRequest()
	reqs, version, err := s.srv.svc.Relations.FriendRequests(ctx, s.userID, r.GetAreSentByMe(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.UserFriendRequestsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for i := range reqs {
		out.UserFriendRequests = append(out.UserFriendRequests, friendRequestProto(&reqs[i]))
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserFriendRequestsWithVersion{UserFriendRequestsWithVersion: out}}, nil
}

func createRelationship(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateRelationshipRequest()
	return nil, s.srv.svc.Relations.CreateRelationship(ctx, s.requester(), r.GetUserId(), r.GetBlocked(), r.GroupIndex, r.Name, req)
}

func updateRelationship(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateRelationshipRequest()
	return nil, s.srv.svc.Relations.UpdateRelationship(ctx, s.requester(), r.GetUserId(), relation.RelationshipChange{
		Blocked: r.Blocked, NewGroupIndex: r.NewGroupIndex, DeleteGroupIndex: r.DeleteGroupIndex,
		Name: r.Name, Note: r.Note,
	}, req)
}

func deleteRelationship(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteRelationshipRequest()
	return nil, s.srv.svc.Relations.DeleteRelationship(ctx, s.requester(), r.GetUserId(), r.GroupIndex, r.TargetGroupIndex, req)
}

func queryRelationships(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryRelationshipsRequest()
	rels, version, err := s.relationships(ctx, store.RelationshipFilter{
		RelatedIDs: r.GetUserIds(), Blocked: r.Blocked, GroupIndexes: r.GetGroupIndexes(),
	}, r.GetLastUpdatedDate(), r.GetUserIdsForCommonRelationships())
	if err != nil {
		return nil, err
	}
	out := &pb.UserRelationshipsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for i := range rels {
		out.UserRelationships = append(out.UserRelationships, relationshipProto(&rels[i]))
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserRelationshipsWithVersion{UserRelationshipsWithVersion: out}}, nil
}

func queryRelatedUserIDs(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryRelatedUserIdsRequest()
	rels, version, err := s.relationships(ctx, store.RelationshipFilter{
		Blocked: r.Blocked, GroupIndexes: r.GetGroupIndexes(),
	}, r.GetLastUpdatedDate(), r.GetUserIdsForCommonRelationships())
	if err != nil {
		return nil, err
	}
	out := &pb.LongsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for _, rel := range rels {
		out.Longs = append(out.Longs, rel.RelatedID)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_LongsWithVersion{LongsWithVersion: out}}, nil
}

// relationships returns the requester's relationships matching f whose
// related user is also related to every user in common, and their version.
func (s *session) relationships(ctx context.Context, f store.RelationshipFilter, lastUpdated int64, common []int64) ([]store.Relationship, int64, error) {
	rels, version, err := s.srv.svc.Relations.Relationships(ctx, s.userID, f, lastUpdated)
	if err != nil {
		return nil, 0, err
	}
	rels, err = s.keepCommon(ctx, rels, common)
	return rels, version, err
}

// keepCommon keeps the relationships whose related user is also related to
// every user in with.
func (s *session) keepCommon(ctx context.Context, rels []store.Relationship, with []int64) ([]store.Relationship, error) {
	if len(with) == 0 {
		return rels, nil
	}
	ids := make([]int64, len(rels))
	for i, r := range rels {
		ids[i] = r.RelatedID
	}
	common, err := s.srv.svc.Relations.CommonRelatedIDs(ctx, ids, with)
	if err != nil {
		return nil, err
	}
	keep := rels[:0]
	for _, r := range rels {
		for _, id := range common {
			if id == r.RelatedID {
				keep = append(keep, r)
				break
			}
		}
	}
	return keep, nil
}

func createRelationshipGroup(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	idx, err := s.srv.svc.Relations.CreateGroup(ctx, s.requester(), req.GetCreateRelationshipGroupRequest().GetName(), req)
	if err != nil {
		return nil, err
	}
	return dataLong(int64(idx)), nil
}

func updateRelationshipGroup(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateRelationshipGroupRequest()
	return nil, s.srv.svc.Relations.RenameGroup(ctx, s.requester(), r.GetGroupIndex(), r.GetNewName(), req)
}

func deleteRelationshipGroup(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteRelationshipGroupRequest()
	return nil, s.srv.svc.Relations.DeleteGroup(ctx, s.requester(), r.GetGroupIndex(), r.TargetGroupIndex, req)
}

func queryRelationshipGroups(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	gs, version, err := s.srv.svc.Relations.Groups(ctx, s.userID, req.GetQueryRelationshipGroupsRequest().GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.UserRelationshipGroupsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for _, g := range gs {
		out.UserRelationshipGroups = append(out.UserRelationshipGroups, &pb.UserRelationshipGroup{Index: g.Index, Name: g.Name})
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserRelationshipGroupsWithVersion{UserRelationshipGroupsWithVersion: out}}, nil
}
