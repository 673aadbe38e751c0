package group

import (
	"context"
	"errors"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// RequestToJoin asks to join a group whose join strategy is JOIN_REQUEST.
// The owner, managers and the requester's other sessions hear of it.
func (s *Service) RequestToJoin(ctx context.Context, r domain.Requester, groupID int64, content string, origin any) (*store.GroupJoinRequest, error) {
	st, err := s.live(ctx, groupID, r.UserID, status.SendGroupJoinRequestToInactiveGroup)
	if err != nil {
		return nil, err
	}
	if tooLong(content, s.opts.Enrollment.MaxContentLength) {
		return nil, domain.Errorf(status.IllegalArgument, "the content is longer than %d characters", s.opts.Enrollment.MaxContentLength)
	}
	blocked, err := s.isBlocked(ctx, groupID, r.UserID)
	if err != nil {
		return nil, err
	}
	switch {
	case blocked:
		return nil, domain.Refuse(status.BlockedUserSendGroupJoinRequest)
	case !st.group.Active:
		return nil, domain.Refuse(status.SendGroupJoinRequestToInactiveGroup)
	case st.members[r.UserID] != nil:
		return nil, domain.Refuse(status.GroupMemberSendGroupJoinRequest)
	case st.typ.JoinStrategy == JoinMembershipRequest:
		return nil, domain.Refuse(status.SendGroupJoinRequestToGroupUsingMembershipRequest)
	case st.typ.JoinStrategy == JoinInvitation:
		return nil, domain.Refuse(status.SendGroupJoinRequestToGroupUsingInvitation)
	case st.typ.JoinStrategy == JoinQuestion:
		return nil, domain.Refuse(status.SendGroupJoinRequestToGroupUsingQuestion)
	}
	now := domain.Now()
	jr := &store.GroupJoinRequest{
		ID: s.ids.Next(), GroupID: groupID, RequesterID: r.UserID, Content: content, Status: store.RequestPending,
		CreationDate: now, ExpirationDate: now + s.opts.Enrollment.JoinRequestTTLMillis,
	}
	if err := s.st.GroupJoinRequests().Create(ctx, jr); err != nil {
		return nil, err
	}
	s.publish(ctx, r, with(st.admins(), r.UserID), &event.GroupJoinRequestChanged{Request: *jr}, origin)
	return jr, nil
}

// RecallJoinRequest takes back one's pending join request, when the
// server allows it.
func (s *Service) RecallJoinRequest(ctx context.Context, r domain.Requester, id int64, origin any) error {
	if !s.opts.Enrollment.AllowRecallJoinRequest {
		return domain.Refuse(status.RecallingGroupJoinRequestIsDisabled)
	}
	jr, err := s.st.GroupJoinRequests().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.RecallNonPendingGroupJoinRequest)
	}
	if err != nil {
		return err
	}
	if jr.RequesterID != r.UserID {
		return domain.Refuse(status.NotSenderToRecallGroupJoinRequest)
	}
	if effective(jr.Status, jr.ExpirationDate) != store.RequestPending {
		return domain.Refuse(status.RecallNonPendingGroupJoinRequest)
	}
	now := domain.Now()
	if err := s.st.GroupJoinRequests().Respond(ctx, id, store.Response{Status: store.RequestCanceled, ResponseDate: now}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.RecallNonPendingGroupJoinRequest)
		}
		return err
	}
	jr.Status, jr.ResponseDate = store.RequestCanceled, now
	to := []int64{r.UserID}
	if st, err := s.load(ctx, jr.GroupID); err == nil {
		to = with(st.admins(), r.UserID)
	}
	s.publish(ctx, r, to, &event.GroupJoinRequestChanged{Request: *jr}, origin)
	return nil
}

// ReplyJoinRequest answers a join request as the group's owner or a
// manager; accepting adds the requester. The requester, the owner and
// managers hear of it.
func (s *Service) ReplyJoinRequest(ctx context.Context, r domain.Requester, id int64, reply Reply, reason string, origin any) error {
	to, err := reply.status()
	if err != nil {
		return err
	}
	if tooLong(reason, s.opts.Enrollment.MaxReasonLength) {
		return domain.Errorf(status.IllegalArgument, "the reason is longer than %d characters", s.opts.Enrollment.MaxReasonLength)
	}
	jr, err := s.st.GroupJoinRequests().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.UpdateNonPendingGroupJoinRequest)
	}
	if err != nil {
		return err
	}
	st, err := s.live(ctx, jr.GroupID, r.UserID, status.UpdateNonPendingGroupJoinRequest)
	if err != nil {
		return err
	}
	if !st.isAdmin(r.UserID) {
		return domain.Refuse(status.NotGroupOwnerOrManagerToUpdateGroupJoinRequest)
	}
	if effective(jr.Status, jr.ExpirationDate) != store.RequestPending {
		return domain.Refuse(status.UpdateNonPendingGroupJoinRequest)
	}
	if to == store.RequestAccepted && st.members[jr.RequesterID] == nil {
		if err := s.admit(ctx, r, st, jr.RequesterID, nil); err != nil {
			return err
		}
	}
	now := domain.Now()
	if err := s.st.GroupJoinRequests().Respond(ctx, id, store.Response{Status: to, Reason: reason, ResponderID: r.UserID, ResponseDate: now}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.UpdateNonPendingGroupJoinRequest)
		}
		return err
	}
	jr.Status, jr.Reason, jr.ResponderID, jr.ResponseDate = to, reason, r.UserID, now
	s.publish(ctx, r, with(st.admins(), jr.RequesterID, r.UserID), &event.GroupJoinRequestChanged{Request: *jr}, origin)
	return nil
}

// JoinRequests returns a group's join requests (to its owner and
// managers), or those the user sent, with their version.
func (s *Service) JoinRequests(ctx context.Context, userID int64, groupID *int64, lastUpdated int64) ([]store.GroupJoinRequest, int64, error) {
	f := store.EnrollmentFilter{SenderID: userID}
	if groupID != nil {
		st, err := s.live(ctx, *groupID, userID, status.NotGroupOwnerOrManagerToQueryGroupJoinRequest)
		if err != nil {
			return nil, 0, err
		}
		if !st.isAdmin(userID) {
			return nil, 0, domain.Refuse(status.NotGroupOwnerOrManagerToQueryGroupJoinRequest)
		}
		f = store.EnrollmentFilter{GroupID: *groupID}
	}
	jrs, err := s.st.GroupJoinRequests().List(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var version int64
	for i := range jrs {
		version = versionOf(version, jrs[i].CreationDate, jrs[i].ResponseDate)
		jrs[i].Status = effective(jrs[i].Status, jrs[i].ExpirationDate)
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	if len(jrs) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return jrs, version, nil
}
