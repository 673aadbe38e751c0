package turms

import (
	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/event"
	"hermod/internal/turms/pb"
)

// groupRequestFor rebuilds the Turms request of a group change that did
// not come from a Turms client (or that a Turms request caused only
// indirectly, such as an ownership transfer on quitting).
func groupRequestFor(payload any) *pb.TurmsRequest {
	switch p := payload.(type) {
	case *event.GroupCreated:
		g := &p.Group
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupRequest{CreateGroupRequest: &pb.CreateGroupRequest{
			Name: g.Name, Intro: proto.String(g.Intro), Announcement: proto.String(g.Announcement),
			MinScore: proto.Int32(g.MinScore), TypeId: proto.Int64(g.TypeID),
		}}}
	case *event.GroupUpdated:
		g := &p.Group
		ug := &pb.UpdateGroupRequest{
			GroupId: g.ID, Name: proto.String(g.Name), Intro: proto.String(g.Intro),
			Announcement: proto.String(g.Announcement), MinScore: proto.Int32(g.MinScore),
			TypeId: proto.Int64(g.TypeID), SuccessorId: proto.Int64(g.OwnerID),
		}
		if g.MuteEndDate != 0 {
			ug.MuteEndDate = proto.Int64(g.MuteEndDate)
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupRequest{UpdateGroupRequest: ug}}
	case *event.GroupDeleted:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupRequest{DeleteGroupRequest: &pb.DeleteGroupRequest{GroupId: p.GroupID}}}
	case *event.GroupMembersAdded:
		cm := &pb.CreateGroupMembersRequest{GroupId: p.GroupID}
		for _, m := range p.Members {
			cm.UserIds = append(cm.UserIds, m.UserID)
		}
		if len(p.Members) > 0 {
			cm.Role = pb.GroupMemberRole(p.Members[0].Role).Enum()
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupMembersRequest{CreateGroupMembersRequest: cm}}
	case *event.GroupMembersRemoved:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupMembersRequest{DeleteGroupMembersRequest: &pb.DeleteGroupMembersRequest{
			GroupId: p.GroupID, MemberIds: p.UserIDs,
		}}}
	case *event.GroupMemberUpdated:
		m := &p.Member
		um := &pb.UpdateGroupMemberRequest{
			GroupId: m.GroupID, MemberId: m.UserID, Name: proto.String(m.Name), Role: pb.GroupMemberRole(m.Role).Enum(),
			Note: proto.String(m.Note),
		}
		if m.MuteEndDate != 0 {
			um.MuteEndDate = proto.Int64(m.MuteEndDate)
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupMemberRequest{UpdateGroupMemberRequest: um}}
	}
	return enrollmentRequestFor(payload)
}

// enrollmentRequestFor renders invitation, join request and blocklist
// changes; see render_enrollment.go.
var enrollmentRequestFor = func(any) *pb.TurmsRequest { return nil }
