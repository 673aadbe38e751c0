package turms

import (
	"google.golang.org/protobuf/proto"

	"hermod/internal/domain/event"
	"hermod/internal/turms/pb"
)

// renderEvent encodes ev as the TurmsNotification a Turms client expects:
// the relayed request with the requester's id. A request that came from a
// Turms client is relayed as it was sent (with server-assigned ids filled
// in); a change from elsewhere is rebuilt as the Turms request that would
// have made it. nil means Turms clients are not told of this kind of event.
func (s *Server) renderEvent(ev *event.Event) []byte {
	req, _ := ev.Origin.(*pb.TurmsRequest)
	if req == nil {
		req = requestFor(ev.Payload)
	}
	if req == nil {
		return nil
	}
	n := &pb.TurmsNotification{Timestamp: now(), RelayedRequest: req}
	if ev.RequesterID != 0 {
		n.RequesterId = proto.Int64(ev.RequesterID)
	}
	return s.encode(n)
}

// requestFor rebuilds the Turms request for a domain change.
func requestFor(payload any) *pb.TurmsRequest {
	switch p := payload.(type) {
	case *event.MessageCreated:
		m := &p.Message
		cm := &pb.CreateMessageRequest{
			MessageId: proto.Int64(m.ID), DeliveryDate: proto.Int64(m.DeliveryDate), Records: m.Records,
		}
		if m.Text != "" {
			cm.Text = proto.String(m.Text)
		}
		if m.IsSystem {
			cm.IsSystemMessage = proto.Bool(true)
		}
		if m.GroupID != 0 {
			cm.GroupId = proto.Int64(m.GroupID)
		} else {
			cm.RecipientId = proto.Int64(m.RecipientID)
		}
		if m.PreMessageID != 0 {
			cm.PreMessageId = proto.Int64(m.PreMessageID)
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateMessageRequest{CreateMessageRequest: cm}}
	case *event.MessageUpdated:
		um := &pb.UpdateMessageRequest{MessageId: p.Message.ID}
		if p.Edited {
			um.Text = proto.String(p.Message.Text)
			um.Records = p.Message.Records
		}
		if p.Recalled {
			um.RecallDate = proto.Int64(p.Message.RecallDate)
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateMessageRequest{UpdateMessageRequest: um}}
	case *event.TypingStatus:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateTypingStatusRequest{UpdateTypingStatusRequest: &pb.UpdateTypingStatusRequest{
			IsGroupMessage: p.IsGroup, ToId: p.ToID,
		}}}
	case *event.FriendRequestCreated:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_CreateFriendRequestRequest{CreateFriendRequestRequest: &pb.CreateFriendRequestRequest{
			RecipientId: p.Request.RecipientID, Content: p.Request.Content,
		}}}
	case *event.FriendRequestRecalled:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteFriendRequestRequest{DeleteFriendRequestRequest: &pb.DeleteFriendRequestRequest{
			RequestId: p.Request.ID,
		}}}
	case *event.FriendRequestReplied:
		action := pb.ResponseAction_ACCEPT
		switch p.Request.Status {
		case 3: // declined
			action = pb.ResponseAction_DECLINE
		case 4: // ignored
			action = pb.ResponseAction_IGNORE
		}
		ur := &pb.UpdateFriendRequestRequest{RequestId: p.Request.ID, ResponseAction: action}
		if p.Request.Reason != "" {
			ur.Reason = proto.String(p.Request.Reason)
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateFriendRequestRequest{UpdateFriendRequestRequest: ur}}
	case *event.UserInfoUpdated:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserRequest{UpdateUserRequest: &pb.UpdateUserRequest{
			Name: proto.String(p.User.Name), Intro: proto.String(p.User.Intro), ProfilePicture: proto.String(p.User.ProfilePicture),
		}}}
	case *event.OnlineStatusUpdated:
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateUserOnlineStatusRequest{UpdateUserOnlineStatusRequest: &pb.UpdateUserOnlineStatusRequest{
			UserStatus: pb.UserStatus(p.Status),
		}}}
	case *event.ReadDateUpdated:
		uc := &pb.UpdateConversationRequest{ReadDate: p.ReadDate}
		if p.IsGroup {
			uc.GroupId = proto.Int64(p.TargetID)
		} else {
			uc.UserId = proto.Int64(p.TargetID)
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateConversationRequest{UpdateConversationRequest: uc}}
	case *event.RelationshipChanged:
		if p.Deleted {
			return &pb.TurmsRequest{Kind: &pb.TurmsRequest_DeleteRelationshipRequest{DeleteRelationshipRequest: &pb.DeleteRelationshipRequest{
				UserId: p.RelatedID,
			}}}
		}
		return &pb.TurmsRequest{Kind: &pb.TurmsRequest_UpdateRelationshipRequest{UpdateRelationshipRequest: &pb.UpdateRelationshipRequest{
			UserId: p.RelatedID,
		}}}
	}
	return groupRequestFor(payload)
}
