package group

import (
	"context"
	"errors"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Invite invites a user into a group whose type requires invitees to
// accept. The invitee, the owner and managers, and the inviter's other
// sessions hear of it.
func (s *Service) Invite(ctx context.Context, r domain.Requester, groupID, inviteeID int64, content string, origin any) (*store.GroupInvitation, error) {
	st, err := s.live(ctx, groupID, r.UserID, status.AddUserToInactiveGroup)
	if err != nil {
		return nil, err
	}
	if !st.group.Active {
		return nil, domain.Refuse(status.AddUserToInactiveGroup)
	}
	if tooLong(content, s.opts.Enrollment.MaxContentLength) {
		return nil, domain.Errorf(status.IllegalArgument, "the content is longer than %d characters", s.opts.Enrollment.MaxContentLength)
	}
	if !requiresApproval(st.typ.InvitationStrategy) {
		return nil, domain.Refuse(status.SendGroupInvitationToGroupNotRequiringUsersApproval)
	}
	role, member := st.role(r.UserID)
	if ok, code := mayInvite(st.typ.InvitationStrategy, role, member, false); !ok {
		return nil, domain.Refuse(code)
	}
	if _, in := st.members[inviteeID]; in {
		return nil, domain.Refuse(status.SendGroupInvitationToGroupMember)
	}
	blocked, err := s.isBlocked(ctx, groupID, inviteeID)
	if err != nil {
		return nil, err
	}
	if blocked {
		return nil, domain.Refuse(status.SendGroupInvitationToBlockedUser)
	}
	now := domain.Now()
	inv := &store.GroupInvitation{
		ID: s.ids.Next(), GroupID: groupID, InviterID: r.UserID, InviteeID: inviteeID, Content: content,
		Status: store.RequestPending, CreationDate: now, ExpirationDate: now + s.opts.Enrollment.InvitationTTLMillis,
	}
	if err := s.st.GroupInvitations().Create(ctx, inv); err != nil {
		return nil, err
	}
	s.publish(ctx, r, with(st.admins(), inviteeID, r.UserID), &event.GroupInvitationChanged{Invitation: *inv}, origin)
	return inv, nil
}

// RecallInvitation takes back a pending invitation, when the server
// allows it, as its inviter, the owner or a manager.
func (s *Service) RecallInvitation(ctx context.Context, r domain.Requester, id int64, origin any) error {
	if !s.opts.Enrollment.AllowRecallInvitation {
		return domain.Refuse(status.RecallingGroupInvitationIsDisabled)
	}
	inv, err := s.st.GroupInvitations().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.RecallNonPendingGroupInvitation)
	}
	if err != nil {
		return err
	}
	st, err := s.live(ctx, inv.GroupID, r.UserID, status.RecallNonPendingGroupInvitation)
	if err != nil {
		return err
	}
	if inv.InviterID != r.UserID && !st.isAdmin(r.UserID) {
		return domain.Refuse(status.NotGroupOwnerOrManagerOrSenderToRecallGroupInvitation)
	}
	if effective(inv.Status, inv.ExpirationDate) != store.RequestPending {
		return domain.Refuse(status.RecallNonPendingGroupInvitation)
	}
	now := domain.Now()
	if err := s.st.GroupInvitations().Respond(ctx, id, store.Response{Status: store.RequestCanceled, ResponseDate: now}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.RecallNonPendingGroupInvitation)
		}
		return err
	}
	inv.Status, inv.ResponseDate = store.RequestCanceled, now
	s.publish(ctx, r, with(st.admins(), inv.InviteeID, r.UserID), &event.GroupInvitationChanged{Invitation: *inv}, origin)
	return nil
}

// ReplyInvitation answers an invitation as its invitee; accepting joins
// the group. The inviter, the owner and managers hear of it.
func (s *Service) ReplyInvitation(ctx context.Context, r domain.Requester, id int64, reply Reply, reason string, origin any) error {
	to, err := reply.status()
	if err != nil {
		return err
	}
	if tooLong(reason, s.opts.Enrollment.MaxReasonLength) {
		return domain.Errorf(status.IllegalArgument, "the reason is longer than %d characters", s.opts.Enrollment.MaxReasonLength)
	}
	inv, err := s.st.GroupInvitations().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.UpdateNonPendingGroupInvitation)
	}
	if err != nil {
		return err
	}
	if inv.InviteeID != r.UserID {
		return domain.Refuse(status.NotInviteeToUpdateGroupInvitation)
	}
	if effective(inv.Status, inv.ExpirationDate) != store.RequestPending {
		return domain.Refuse(status.UpdateNonPendingGroupInvitation)
	}
	st, err := s.live(ctx, inv.GroupID, r.UserID, status.UpdateNonPendingGroupInvitation)
	if err != nil {
		return err
	}
	if to == store.RequestAccepted {
		if err := s.admit(ctx, r, st, r.UserID, nil); err != nil {
			return err
		}
	}
	now := domain.Now()
	if err := s.st.GroupInvitations().Respond(ctx, id, store.Response{Status: to, Reason: reason, ResponderID: r.UserID, ResponseDate: now}); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.UpdateNonPendingGroupInvitation)
		}
		return err
	}
	inv.Status, inv.Reason, inv.ResponseDate = to, reason, now
	s.publish(ctx, r, with(st.admins(), inv.InviterID, r.UserID), &event.GroupInvitationChanged{Invitation: *inv}, origin)
	return nil
}

// Invitations returns a group's invitations (to its owner and managers),
// or those the user sent or received, with their version.
func (s *Service) Invitations(ctx context.Context, userID int64, groupID *int64, sentByMe bool, lastUpdated int64) ([]store.GroupInvitation, int64, error) {
	f := store.EnrollmentFilter{RecipientID: userID}
	if sentByMe {
		f = store.EnrollmentFilter{SenderID: userID}
	}
	if groupID != nil {
		st, err := s.live(ctx, *groupID, userID, status.NotGroupOwnerOrManagerToQueryGroupInvitation)
		if err != nil {
			return nil, 0, err
		}
		if !st.isAdmin(userID) {
			return nil, 0, domain.Refuse(status.NotGroupOwnerOrManagerToQueryGroupInvitation)
		}
		f = store.EnrollmentFilter{GroupID: *groupID}
	}
	invs, err := s.st.GroupInvitations().List(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	var version int64
	for i := range invs {
		version = versionOf(version, invs[i].CreationDate, invs[i].ResponseDate)
		invs[i].Status = effective(invs[i].Status, invs[i].ExpirationDate)
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	if len(invs) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return invs, version, nil
}
