package turms

import (
	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/event"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() { enrollmentRequestFor = renderEnrollment }

// renderEnrollment rebuilds the Turms request of a blocklist, invitation
// or join request change that did not come from a Turms client.
func renderEnrollment(payload any) *pb.TurmsRequest {
	switch p := payload.(type) {
	case *event.GroupBlocklistChanged:
		if p.Blocked {
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupBlockedUserRequest{CreateGroupBlockedUserRequest: &pb.CreateGroupBlockedUserRequest{
				GroupId: p.GroupID, UserId: p.UserID,
			}}}
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupBlockedUserRequest{DeleteGroupBlockedUserRequest: &pb.DeleteGroupBlockedUserRequest{
			GroupId: p.GroupID, UserId: p.UserID,
		}}}
	case *event.GroupInvitationChanged:
		v := &p.Invitation
		switch v.Status {
		case store.RequestPending:
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupInvitationRequest{CreateGroupInvitationRequest: &pb.CreateGroupInvitationRequest{
				GroupId: v.GroupID, InviteeId: v.InviteeID, Content: v.Content,
			}}}
		case store.RequestCanceled:
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupInvitationRequest{DeleteGroupInvitationRequest: &pb.DeleteGroupInvitationRequest{
				InvitationId: v.ID,
			}}}
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupInvitationRequest{UpdateGroupInvitationRequest: &pb.UpdateGroupInvitationRequest{
			InvitationId: v.ID, ResponseAction: responseAction(v.Status), Reason: optString(v.Reason),
		}}}
	case *event.ReactionsChanged:
		if p.Removed {
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteMessageReactionsRequest{DeleteMessageReactionsRequest: &pb.DeleteMessageReactionsRequest{
				MessageId: p.MessageID, ReactionTypes: p.Types,
			}}}
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageReactionsRequest{CreateMessageReactionsRequest: &pb.CreateMessageReactionsRequest{
			MessageId: p.MessageID, ReactionTypes: p.Types,
		}}}
	case *event.GroupJoinRequestChanged:
		v := &p.Request
		switch v.Status {
		case store.RequestPending:
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateGroupJoinRequestRequest{CreateGroupJoinRequestRequest: &pb.CreateGroupJoinRequestRequest{
				GroupId: v.GroupID, Content: v.Content,
			}}}
		case store.RequestCanceled:
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteGroupJoinRequestRequest{DeleteGroupJoinRequestRequest: &pb.DeleteGroupJoinRequestRequest{
				RequestId: v.ID,
			}}}
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateGroupJoinRequestRequest{UpdateGroupJoinRequestRequest: &pb.UpdateGroupJoinRequestRequest{
			RequestId: v.ID, ResponseAction: responseAction(v.Status), Reason: optString(v.Reason),
		}}}
	}
	return nil
}

func responseAction(st store.RequestStatus) pb.ResponseAction {
	switch st {
	case store.RequestDeclined:
		return pb.ResponseAction_DECLINE
	case store.RequestIgnored:
		return pb.ResponseAction_IGNORE
	}
	return pb.ResponseAction_ACCEPT
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}
