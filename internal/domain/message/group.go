package message

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/domain/group"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Groups is what the message service asks the group service.
type Groups interface {
	// MaySend checks that senderID may speak in groupID and returns who
	// hears it.
	MaySend(ctx context.Context, senderID, groupID int64) (*group.Audience, error)
	// Audience returns a live group's members and type and whether userID
	// is a member; notFound refuses a missing group.
	Audience(ctx context.Context, groupID, userID int64, notFound status.Code) (*group.Audience, bool, error)
	// JoinedIDs returns the groups userID is a member of.
	JoinedIDs(ctx context.Context, userID int64) ([]int64, error)
}

// UseGroups connects the group service. It is set after construction
// because the group service is built from the same store and router;
// without it, group messages are refused.
func (s *Service) UseGroups(g Groups) { s.groups = g }

// checkGroup applies the group rules to d and returns the message to
// store and who it is relayed to: every member (and the sender's other
// sessions). The event is encoded once per protocol, whatever the group's
// size.
func (s *Service) checkGroup(ctx context.Context, r domain.Requester, d Draft) (*store.Message, []int64, error) {
	if s.groups == nil {
		return nil, nil, domain.Refuse(status.SendMessageToNonexistentGroup)
	}
	if err := s.validContent(d.Text, d.Records); err != nil {
		return nil, nil, err
	}
	aud, err := s.groups.MaySend(ctx, r.UserID, d.GroupID)
	if err != nil {
		return nil, nil, err
	}
	m := &store.Message{
		ID: s.ids.Next(), SenderID: r.UserID, GroupID: d.GroupID,
		Text: d.Text, Records: d.Records, DeliveryDate: domain.Now(),
		PreMessageID: d.PreMessageID, Extensions: d.Extensions, ClientID: d.ClientID,
	}
	return m, withSender(aud.MemberIDs, r.UserID), nil
}

// withSender returns the members, plus the sender when they are not one
// (a speaking guest), without copying the shared member list otherwise.
func withSender(memberIDs []int64, senderID int64) []int64 {
	for _, id := range memberIDs {
		if id == senderID {
			return memberIDs
		}
	}
	out := make([]int64, 0, len(memberIDs)+1)
	return append(append(out, memberIDs...), senderID)
}

// mayReadGroupMessage reports whether userID may see messages of groupID.
func (s *Service) isGroupMember(ctx context.Context, groupID, userID int64) (bool, error) {
	if s.groups == nil {
		return false, nil
	}
	_, member, err := s.groups.Audience(ctx, groupID, userID, status.ResourceNotFound)
	if domain.CodeOf(err) == status.ResourceNotFound {
		return false, nil
	}
	return member, err
}

// groupAudience returns who hears a change of a message in groupID, for
// a requester who must be a member; notFound refuses a missing group.
func (s *Service) groupAudience(ctx context.Context, groupID, userID int64, notFound status.Code) (*group.Audience, error) {
	if s.groups == nil {
		return nil, domain.Refuse(notFound)
	}
	aud, _, err := s.groups.Audience(ctx, groupID, userID, notFound)
	return aud, err
}

// typingInGroup relays typing to a group's members; only members may.
func (s *Service) typingInGroup(ctx context.Context, r domain.Requester, groupID int64, origin any) error {
	if s.groups == nil {
		return domain.Refuse(status.NotGroupMemberToSendTypingStatus)
	}
	aud, member, err := s.groups.Audience(ctx, groupID, r.UserID, status.NotGroupMemberToSendTypingStatus)
	if err != nil {
		return err
	}
	if !member {
		return domain.Refuse(status.NotGroupMemberToSendTypingStatus)
	}
	s.pub.Publish(ctx, aud.MemberIDs, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.TypingStatus{FromID: r.UserID, ToID: groupID, IsGroup: true}, Origin: origin,
	})
	return nil
}

// markGroupRead sets a member's read date of a group, which the group's
// type must allow, and tells their other sessions (and the other members
// when NotifyGroupMembersOfReadDate).
func (s *Service) markGroupRead(ctx context.Context, r domain.Requester, groupID int64, origin any) error {
	if s.groups == nil {
		return domain.Refuse(status.UpdatingReadDateOfNonexistentGroupConversation)
	}
	aud, member, err := s.groups.Audience(ctx, groupID, r.UserID, status.UpdatingReadDateOfNonexistentGroupConversation)
	if err != nil {
		return err
	}
	switch {
	case !member:
		return domain.Refuse(status.NotGroupMemberToUpdateReadDateOfGroupConversation)
	case !aud.Type.EnableReadReceipt:
		return domain.Refuse(status.UpdatingReadDateIsDisabledByGroup)
	}
	now := domain.Now()
	if err := s.st.Conversations().UpsertGroupReadDate(ctx, groupID, r.UserID, now); err != nil {
		return err
	}
	to := []int64{r.UserID}
	if s.opts.NotifyGroupMembersOfReadDate {
		to = aud.MemberIDs
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.ReadDateUpdated{OwnerID: r.UserID, TargetID: groupID, IsGroup: true, ReadDate: now}, Origin: origin,
	})
	return nil
}

// GroupConversations returns the members' read dates of the groups among
// groupIDs that userID is a member of. NoContent when there are none.
func (s *Service) GroupConversations(ctx context.Context, userID int64, groupIDs []int64) ([]store.GroupReadDate, error) {
	var mine []int64
	for _, id := range groupIDs {
		ok, err := s.isGroupMember(ctx, id, userID)
		if err != nil {
			return nil, err
		}
		if ok {
			mine = append(mine, id)
		}
	}
	cs, err := s.st.Conversations().ListGroup(ctx, mine)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return cs, nil
}
