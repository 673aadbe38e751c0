package turms

import (
	"context"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/group"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(400, createGroupBlockedUser)
	register(401, deleteGroupBlockedUser)
	register(402, queryGroupBlockedUserIDs)
	register(403, queryGroupBlockedUserInfos)
	register(500, checkGroupJoinQuestionsAnswers)
	register(501, createGroupInvitation)
	register(502, createGroupJoinRequest)
	register(503, createGroupJoinQuestions)
	register(504, deleteGroupInvitation)
	register(505, deleteGroupJoinRequest)
	register(506, deleteGroupJoinQuestions)
	register(507, queryGroupInvitations)
	register(508, queryGroupJoinRequests)
	register(509, queryGroupJoinQuestions)
	register(510, updateGroupInvitation)
	register(511, updateGroupJoinQuestion)
	register(512, updateGroupJoinRequest)
}

func createGroupBlockedUser(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateGroupBlockedUserRequest()
	return nil, s.srv.svc.Groups.Block(ctx, s.requester(), r.GetGroupId(), r.GetUserId(), req)
}

func deleteGroupBlockedUser(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteGroupBlockedUserRequest()
	return nil, s.srv.svc.Groups.Unblock(ctx, s.requester(), r.GetGroupId(), r.GetUserId(), req)
}

func queryGroupBlockedUserIDs(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupBlockedUserIdsRequest()
	bs, version, err := s.srv.svc.Groups.Blocked(ctx, r.GetGroupId(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.LongsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for _, b := range bs {
		out.Longs = append(out.Longs, b.UserID)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_LongsWithVersion{LongsWithVersion: out}}, nil
}

func queryGroupBlockedUserInfos(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupBlockedUserInfosRequest()
	bs, version, err := s.srv.svc.Groups.Blocked(ctx, r.GetGroupId(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(bs))
	for i, b := range bs {
		ids[i] = b.UserID
	}
	us, err := s.srv.svc.Users.Profiles(ctx, ids, 0)
	if err != nil {
		return nil, err
	}
	out := &pb.UserInfosWithVersion{LastUpdatedDate: proto.Int64(version)}
	for i := range us {
		out.UserInfos = append(out.UserInfos, userInfo(&us[i]))
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_UserInfosWithVersion{UserInfosWithVersion: out}}, nil
}

func createGroupInvitation(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateGroupInvitationRequest()
	inv, err := s.srv.svc.Groups.Invite(ctx, s.requester(), r.GetGroupId(), r.GetInviteeId(), r.GetContent(), req)
	if err != nil {
		return nil, err
	}
	return dataLong(inv.ID), nil
}

func deleteGroupInvitation(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	return nil, s.srv.svc.Groups.RecallInvitation(ctx, s.requester(), req.GetDeleteGroupInvitationRequest().GetInvitationId(), req)
}

func updateGroupInvitation(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateGroupInvitationRequest()
	return nil, s.srv.svc.Groups.ReplyInvitation(ctx, s.requester(), r.GetInvitationId(), group.Reply(r.GetResponseAction()), r.GetReason(), req)
}

func queryGroupInvitations(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupInvitationsRequest()
	invs, version, err := s.srv.svc.Groups.Invitations(ctx, s.userID, r.GroupId, r.GetAreSentByMe(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.GroupInvitationsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for i := range invs {
		out.GroupInvitations = append(out.GroupInvitations, invitationProto(&invs[i]))
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_GroupInvitationsWithVersion{GroupInvitationsWithVersion: out}}, nil
}

func createGroupJoinRequest(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateGroupJoinRequestRequest()
	jr, err := s.srv.svc.Groups.RequestToJoin(ctx, s.requester(), r.GetGroupId(), r.GetContent(), req)
	if err != nil {
		return nil, err
	}
	return dataLong(jr.ID), nil
}

func deleteGroupJoinRequest(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	return nil, s.srv.svc.Groups.RecallJoinRequest(ctx, s.requester(), req.GetDeleteGroupJoinRequestRequest().GetRequestId(), req)
}

func updateGroupJoinRequest(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateGroupJoinRequestRequest()
	return nil, s.srv.svc.Groups.ReplyJoinRequest(ctx, s.requester(), r.GetRequestId(), group.Reply(r.GetResponseAction()), r.GetReason(), req)
}

func queryGroupJoinRequests(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupJoinRequestsRequest()
	jrs, version, err := s.srv.svc.Groups.JoinRequests(ctx, s.userID, r.GroupId, r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.GroupJoinRequestsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for i := range jrs {
		out.GroupJoinRequests = append(out.GroupJoinRequests, joinRequestProto(&jrs[i]))
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_GroupJoinRequestsWithVersion{GroupJoinRequestsWithVersion: out}}, nil
}

func createGroupJoinQuestions(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateGroupJoinQuestionsRequest()
	drafts := make([]group.QuestionDraft, len(r.GetQuestions()))
	for i, q := range r.GetQuestions() {
		drafts[i] = group.QuestionDraft{Question: q.GetQuestion(), Answers: q.GetAnswers(), Score: q.GetScore()}
	}
	ids, err := s.srv.svc.Groups.AddQuestions(ctx, s.requester(), r.GetGroupId(), drafts)
	if err != nil {
		return nil, err
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_LongsWithVersion{LongsWithVersion: &pb.LongsWithVersion{Longs: ids}}}, nil
}

func updateGroupJoinQuestion(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateGroupJoinQuestionRequest()
	return nil, s.srv.svc.Groups.UpdateQuestion(ctx, s.requester(), r.GetQuestionId(), r.Question, r.GetAnswers(), r.Score)
}

func deleteGroupJoinQuestions(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteGroupJoinQuestionsRequest()
	return nil, s.srv.svc.Groups.DeleteQuestions(ctx, s.requester(), r.GetGroupId(), r.GetQuestionIds())
}

func queryGroupJoinQuestions(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupJoinQuestionsRequest()
	qs, version, err := s.srv.svc.Groups.Questions(ctx, s.userID, r.GetGroupId(), r.GetWithAnswers(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	out := &pb.GroupJoinQuestionsWithVersion{LastUpdatedDate: proto.Int64(version)}
	for _, q := range qs {
		out.GroupJoinQuestions = append(out.GroupJoinQuestions, &pb.GroupJoinQuestion{
			Id: proto.Int64(q.ID), GroupId: proto.Int64(q.GroupID), Question: proto.String(q.Question),
			Answers: q.Answers, Score: proto.Int32(q.Score),
		})
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_GroupJoinQuestionsWithVersion{GroupJoinQuestionsWithVersion: out}}, nil
}

func checkGroupJoinQuestionsAnswers(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	res, err := s.srv.svc.Groups.Answer(ctx, s.requester(), req.GetCheckGroupJoinQuestionsAnswersRequest().GetQuestionIdToAnswer())
	if err != nil {
		return nil, err
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_GroupJoinQuestionAnswerResult{GroupJoinQuestionAnswerResult: &pb.GroupJoinQuestionsAnswerResult{
		Score: res.Score, QuestionIds: res.Correct, Joined: res.Joined,
	}}}, nil
}

func invitationProto(v *store.GroupInvitation) *pb.GroupInvitation {
	return &pb.GroupInvitation{
		Id: proto.Int64(v.ID), CreationDate: proto.Int64(v.CreationDate), Content: proto.String(v.Content),
		Status: pb.RequestStatus(v.Status).Enum(), ExpirationDate: proto.Int64(v.ExpirationDate),
		GroupId: proto.Int64(v.GroupID), InviterId: proto.Int64(v.InviterID), InviteeId: proto.Int64(v.InviteeID),
	}
}

func joinRequestProto(v *store.GroupJoinRequest) *pb.GroupJoinRequest {
	p := &pb.GroupJoinRequest{
		Id: proto.Int64(v.ID), CreationDate: proto.Int64(v.CreationDate), Content: proto.String(v.Content),
		Status: pb.RequestStatus(v.Status).Enum(), ExpirationDate: proto.Int64(v.ExpirationDate),
		GroupId: proto.Int64(v.GroupID), RequesterId: proto.Int64(v.RequesterID),
	}
	if v.ResponderID != 0 {
		p.ResponderId = proto.Int64(v.ResponderID)
	}
	return p
}
