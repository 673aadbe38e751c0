package turms

import (
	"context"

	"google.golang.org/protobuf/proto"

	"hermod/internal/domain"
	"hermod/internal/domain/message"
	"hermod/internal/status"
	"hermod/internal/store"
	"hermod/internal/turms/pb"
)

func init() {
	register(5, queryConversations)
	register(6, updateConversation)
	register(7, updateTypingStatus)
	register(8, createMessage)
	register(9, queryMessages)
	register(10, updateMessage)
}

func createMessage(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	x, err := s.startMessage(ctx, req)
	if err != nil {
		return nil, err
	}
	return s.finishMessage(&x)
}

// startMessage checks a create_message_request and queues its message for
// the store; finishMessage waits for it and gives the response's data.
// Between the two, the reader may start the requests pipelined behind it
// (see pipeline.go).
func (s *session) startMessage(ctx context.Context, req *pb.TurmsRequest) (message.Sending, error) {
	r := req.GetCreateMessageRequest()
	if r.GetIsSystemMessage() {
		return message.Sending{}, domain.Errorf(status.IllegalArgument, "users cannot create system messages")
	}
	if (r.RecipientId == nil) == (r.GroupId == nil) {
		return message.Sending{}, domain.Errorf(status.IllegalArgument, "exactly one of recipient_id and group_id must be set")
	}
	d := message.Draft{
		RecipientID: r.GetRecipientId(), GroupID: r.GetGroupId(), Text: r.GetText(),
		Records: r.GetRecords(), PreMessageID: r.GetPreMessageId(), ForwardID: r.GetMessageId(),
	}
	return s.srv.svc.Messages.Start(ctx, s.requester(), d, func(m *store.Message) any {
		// Relay the request as sent, with the ids the server assigned. The
		// request is this handler's own and only read once it is relayed
		// (a relay is encoded concurrently, and never changed), so it is
		// filled in place: a copy (proto.Clone, by reflection) cost more
		// than the rest of the Turms side of a message.
		r.MessageId = proto.Int64(m.ID)
		r.DeliveryDate = proto.Int64(m.DeliveryDate)
		if d.ForwardID != 0 {
			r.Text, r.Records = proto.String(m.Text), m.Records
		}
		return req
	}), nil
}

func (s *session) finishMessage(x *message.Sending) (*pb.TurmsNotification_Data, error) {
	m, err := x.Finish()
	if err != nil {
		return nil, err
	}
	s.srv.svc.Metrics.MessageStored()
	return dataLong(m.ID), nil
}

func updateMessage(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateMessageRequest()
	return nil, s.srv.svc.Messages.Update(ctx, s.requester(), r.GetMessageId(), message.Change{
		Text: r.Text, Records: r.GetRecords(), RecallDate: r.RecallDate,
	}, req)
}

func queryMessages(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryMessagesRequest()
	q := message.Query{
		IDs: r.GetIds(), Group: r.AreGroupMessages, System: r.AreSystemMessages, FromIDs: r.GetFromIds(),
		DeliveredFrom: r.GetDeliveryDateStart(), DeliveredTo: r.GetDeliveryDateEnd(),
		MaxCount: r.MaxCount, WithTotal: r.GetWithTotal(), Descending: r.GetDescending(),
	}
	if !q.WithTotal {
		msgs, err := s.srv.svc.Messages.Query(ctx, s.userID, q)
		if err != nil {
			return nil, err
		}
		out := &pb.Messages{Messages: make([]*pb.Message, len(msgs))}
		for i := range msgs {
			out.Messages[i] = messageProto(&msgs[i])
		}
		if err := s.withReactions(ctx, out.Messages); err != nil {
			return nil, err
		}
		return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_Messages{Messages: out}}, nil
	}
	groups, err := s.srv.svc.Messages.QueryWithTotal(ctx, s.userID, q)
	if err != nil {
		return nil, err
	}
	out := &pb.MessagesWithTotalList{}
	for _, g := range groups {
		mt := &pb.MessagesWithTotal{Total: int32(g.Total), IsGroupMessage: g.IsGroup, FromId: g.FromID}
		for i := range g.Messages {
			mt.Messages = append(mt.Messages, messageProto(&g.Messages[i]))
		}
		if err := s.withReactions(ctx, mt.Messages); err != nil {
			return nil, err
		}
		out.MessagesWithTotalList = append(out.MessagesWithTotalList, mt)
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_MessagesWithTotalList{MessagesWithTotalList: out}}, nil
}

func updateTypingStatus(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateTypingStatusRequest()
	return nil, s.srv.svc.Messages.Typing(ctx, s.requester(), r.GetToId(), r.GetIsGroupMessage(), req)
}

func updateConversation(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetUpdateConversationRequest()
	if (r.UserId == nil) == (r.GroupId == nil) {
		return nil, domain.Errorf(status.IllegalArgument, "exactly one of user_id and group_id must be set")
	}
	if r.GroupId != nil {
		return nil, s.srv.svc.Messages.MarkRead(ctx, s.requester(), r.GetGroupId(), true, req)
	}
	return nil, s.srv.svc.Messages.MarkRead(ctx, s.requester(), r.GetUserId(), false, req)
}

func queryConversations(s *session, ctx context.Context, req *pb.TurmsRequest) (*pb.TurmsNotification_Data, error) {
	r := req.GetQueryConversationsRequest()
	if len(r.GetUserIds()) == 0 && len(r.GetGroupIds()) > 0 {
		gcs, err := s.srv.svc.Messages.GroupConversations(ctx, s.userID, r.GetGroupIds())
		if err != nil {
			return nil, err
		}
		out := &pb.Conversations{}
		for _, c := range gcs {
			n := len(out.GroupConversations)
			if n == 0 || out.GroupConversations[n-1].GroupId != c.GroupID {
				out.GroupConversations = append(out.GroupConversations, &pb.GroupConversation{GroupId: c.GroupID, MemberIdToReadDate: map[int64]int64{}})
				n++
			}
			out.GroupConversations[n-1].MemberIdToReadDate[c.MemberID] = c.ReadDate
		}
		return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_Conversations{Conversations: out}}, nil
	}
	cs, err := s.srv.svc.Messages.Conversations(ctx, s.userID, r.GetUserIds())
	if err != nil {
		return nil, err
	}
	out := &pb.Conversations{}
	for _, c := range cs {
		out.PrivateConversations = append(out.PrivateConversations, &pb.PrivateConversation{
			OwnerId: c.OwnerID, TargetId: c.TargetID, ReadDate: c.ReadDate,
		})
	}
	return &pb.TurmsNotification_Data{Kind: &pb.TurmsNotification_Data_Conversations{Conversations: out}}, nil
}
