package turms

import (
	"context"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(11, createGroupMembers)
	register(12, deleteGroupMembers)
	register(13, queryGroupMembers)
	register(14, updateGroupMember)
	register(300, createGroup)
	register(301, deleteGroup)
	register(302, queryGroups)
	register(303, queryJoinedGroupIDs)
	register(304, queryJoinedGroupInfos)
	register(305, updateGroup)
}

func createGroup(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateGroupRequest()
	g, err := s.srv.svc.Groups.Create(ctx, s.requester(), group.NewGroup{
		Name: r.GetName(), Intro: r.GetIntro(), Announcement: r.GetAnnouncement(), MinScore: r.GetMinScore(),
		TypeID: r.TypeId, MuteEndDate: r.GetMuteEndDate(), Attributes: attributesToJSON(r.GetUserDefinedAttributes()),
	}, req)
	if err != nil {
		return nil, err
	}
	return dataLong(g.ID), nil
}

func deleteGroup(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	return nil, s.srv.svc.Groups.Delete(ctx, s.requester(), req.GetDeleteGroupRequest().GetGroupId(), req)
}

func updateGroup(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateGroupRequest()
	c := group.Change{
		Name: r.Name, Intro: r.Intro, Announcement: r.Announcement, MinScore: r.MinScore, TypeID: r.TypeId,
		MuteEndDate: r.MuteEndDate, SuccessorID: r.SuccessorId, QuitAfterTransfer: r.GetQuitAfterTransfer(),
	}
	if len(r.GetUserDefinedAttributes()) > 0 {
		c.Attributes = attributesToJSON(r.GetUserDefinedAttributes())
	}
	return nil, s.srv.svc.Groups.Update(ctx, s.requester(), r.GetGroupId(), c, req)
}

func queryGroups(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupsRequest()
	if r.Name != nil {
		// Turms searches group names only with its Elasticsearch plugin.
		return nil, domain.Refuse(status.SearchingGroupIsDisabled)
	}
	gs, err := s.srv.svc.Groups.Groups(ctx, r.GetGroupIds(), r.GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	return groupsData(gs, 0), nil
}

func queryJoinedGroupIDs(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	ids, version, err := s.srv.svc.Groups.JoinedGroupIDs(ctx, s.userID, req.GetQueryJoinedGroupIdsRequest().GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_LongsWithVersion{LongsWithVersion: &pb.LongsWithVersion{
		Longs: ids, LastUpdatedDate: proto.Int64(version),
	}}}, nil
}

func queryJoinedGroupInfos(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	gs, version, err := s.srv.svc.Groups.JoinedGroups(ctx, s.userID, req.GetQueryJoinedGroupInfosRequest().GetLastUpdatedDate())
	if err != nil {
		return nil, err
	}
	return groupsData(gs, version), nil
}

func groupsData(gs []store.Group, version int64) *pb.TurmsNotification_Data {
	out := &pb.GroupsWithVersion{Groups: make([]*pb.Group, len(gs))}
	for i := range gs {
		out.Groups[i] = groupProto(&gs[i])
	}
	if version != 0 {
		out.LastUpdatedDate = proto.Int64(version)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_GroupsWithVersion{GroupsWithVersion: out}}
}

func createGroupMembers(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetCreateGroupMembersRequest()
	nm := group.NewMembers{UserIDs: r.GetUserIds(), Name: r.GetName(), MuteEndDate: r.GetMuteEndDate()}
	if r.Role != nil {
		nm.Role = proto.Int32(int32(r.GetRole()))
	}
	return nil, s.srv.svc.Groups.AddMembers(ctx, s.requester(), r.GetGroupId(), nm, req)
}

func deleteGroupMembers(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetDeleteGroupMembersRequest()
	return nil, s.srv.svc.Groups.RemoveMembers(ctx, s.requester(), r.GetGroupId(), r.GetMemberIds(),
		r.SuccessorId, r.GetQuitAfterTransfer(), req)
}

func updateGroupMember(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateGroupMemberRequest()
	c := group.MemberChange{Name: r.Name, MuteEndDate: r.MuteEndDate, Note: r.Note}
	if r.Role != nil {
		c.Role = proto.Int32(int32(r.GetRole()))
	}
	return nil, s.srv.svc.Groups.UpdateMember(ctx, s.requester(), r.GetGroupId(), r.GetMemberId(), c, req)
}

func queryGroupMembers(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryGroupMembersRequest()
	ms, version, err := s.srv.svc.Groups.Members(ctx, s.userID, r.GetGroupId(), r.GetMemberIds(), r.GetLastUpdatedDate(), r.GetWithStatus())
	if err != nil {
		return nil, err
	}
	out := &pb.GroupMembersWithVersion{GroupMembers: make([]*pb.GroupMember, len(ms)), LastUpdatedDate: proto.Int64(version)}
	for i := range ms {
		gm := memberProto(&ms[i].GroupMember)
		if r.GetWithStatus() {
			gm.UserStatus = pb.UserStatus(ms[i].Status).Enum()
			for _, d := range ms[i].DeviceTypes {
				gm.UsingDeviceTypes = append(gm.UsingDeviceTypes, pb.DeviceType(d))
			}
		}
		out.GroupMembers[i] = gm
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_GroupMembersWithVersion{GroupMembersWithVersion: out}}, nil
}

func groupProto(g *store.Group) *pb.Group {
	p := &pb.Group{
		Id: proto.Int64(g.ID), TypeId: proto.Int64(g.TypeID), CreatorId: proto.Int64(g.CreatorID),
		OwnerId: proto.Int64(g.OwnerID), Name: proto.String(g.Name), Intro: proto.String(g.Intro),
		Announcement: proto.String(g.Announcement), CreationDate: proto.Int64(g.CreationDate),
		LastUpdatedDate: proto.Int64(g.LastUpdatedDate), Active: proto.Bool(g.Active && g.DeletionDate == 0),
		UserDefinedAttributes: attributesFromJSON(g.Attributes),
	}
	if g.MuteEndDate != 0 {
		p.MuteEndDate = proto.Int64(g.MuteEndDate)
	}
	return p
}

func memberProto(m *store.GroupMember) *pb.GroupMember {
	p := &pb.GroupMember{
		GroupId: proto.Int64(m.GroupID), UserId: proto.Int64(m.UserID), Role: pb.GroupMemberRole(m.Role).Enum(),
		JoinDate: proto.Int64(m.JoinDate),
	}
	if m.Name != "" {
		p.Name = proto.String(m.Name)
	}
	if m.MuteEndDate != 0 {
		p.MuteEndDate = proto.Int64(m.MuteEndDate)
	}
	if m.Note != "" {
		p.Note = proto.String(m.Note)
	}
	return p
}
