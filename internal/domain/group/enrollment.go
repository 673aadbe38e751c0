package group

import (
	"context"
	"errors"
	"unicode/utf8"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// EnrollmentOptions are the rules of invitations, join requests and join
// questions; DefaultEnrollmentOptions are Turms's defaults.
type EnrollmentOptions struct {
	InvitationTTLMillis  int64
	JoinRequestTTLMillis int64
	// AllowRecallInvitation lets the inviter, the owner and managers take
	// back a pending invitation (Turms: allow-recall-pending-invitation-by-*).
	AllowRecallInvitation bool
	// AllowRecallJoinRequest lets requesters take back a pending join
	// request (Turms: allow-recall-pending-join-request-by-sender).
	AllowRecallJoinRequest bool
	MaxContentLength       int
	MaxReasonLength        int
	MaxQuestionLength      int
	MaxAnswerLength        int
	MaxAnswers             int
}

// DefaultEnrollmentOptions returns Turms's defaults.
func DefaultEnrollmentOptions() EnrollmentOptions {
	const month = 30 * 24 * 3600 * 1000
	return EnrollmentOptions{
		InvitationTTLMillis: month, JoinRequestTTLMillis: month,
		MaxContentLength: 200, MaxReasonLength: 200, MaxQuestionLength: 200, MaxAnswerLength: 50, MaxAnswers: 10,
	}
}

// isBlocked reports whether userID is on the group's blocklist.
func (s *Service) isBlocked(ctx context.Context, groupID, userID int64) (bool, error) {
	return s.st.GroupBlocklist().IsBlocked(ctx, groupID, userID)
}

// admins returns the ids of the group's owner and managers.
func (st *state) admins() []int64 {
	var out []int64
	for _, id := range st.ids {
		if st.members[id].Role <= RoleManager {
			out = append(out, id)
		}
	}
	return out
}

func (st *state) isAdmin(userID int64) bool {
	r, ok := st.role(userID)
	return ok && r <= RoleManager
}

func tooLong(s string, limit int) bool { return limit > 0 && utf8.RuneCountInString(s) > limit }

// Block bars a user from a group (removing them if they are a member),
// as its owner or a manager. The requester's other sessions hear of it.
func (s *Service) Block(ctx context.Context, r domain.Requester, groupID, userID int64, origin any) error {
	st, err := s.live(ctx, groupID, r.UserID, status.NotGroupOwnerOrManagerToAddBlockedUser)
	if err != nil {
		return err
	}
	if !st.isAdmin(r.UserID) {
		return domain.Refuse(status.NotGroupOwnerOrManagerToAddBlockedUser)
	}
	if m := st.members[userID]; m != nil && (m.Role == RoleOwner || (m.Role == RoleManager && !(st.members[r.UserID].Role == RoleOwner))) {
		return domain.Refuse(status.NotGroupOwnerToRemoveGroupOwnerOrManager)
	}
	now := domain.Now()
	_, wasMember := st.members[userID]
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.GroupBlocklist().Add(ctx, &store.GroupBlockedUser{GroupID: groupID, UserID: userID, BlockDate: now, RequesterID: r.UserID}); err != nil {
			return err
		}
		if wasMember {
			if _, err := tx.GroupMembers().Remove(ctx, groupID, []int64{userID}); err != nil {
				return err
			}
			if err := tx.Versions().Bump(ctx, userID, store.VersionJoinedGroups, now); err != nil {
				return err
			}
			if err := tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionMembers, now); err != nil {
				return err
			}
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionBlocklist, now)
	})
	s.forget(groupID)
	if errors.Is(err, store.ErrConflict) {
		return nil // already barred
	}
	if err != nil {
		return err
	}
	s.publish(ctx, r, []int64{r.UserID}, &event.GroupBlocklistChanged{GroupID: groupID, UserID: userID, Blocked: true}, origin)
	if wasMember {
		s.publish(ctx, r, with(st.ids, r.UserID), &event.GroupMembersRemoved{GroupID: groupID, UserIDs: []int64{userID}}, nil)
	}
	return nil
}

// Unblock lifts a bar, as the group's owner or a manager.
func (s *Service) Unblock(ctx context.Context, r domain.Requester, groupID, userID int64, origin any) error {
	st, err := s.live(ctx, groupID, r.UserID, status.NotGroupOwnerOrManagerToRemoveBlockedUser)
	if err != nil {
		return err
	}
	if !st.isAdmin(r.UserID) {
		return domain.Refuse(status.NotGroupOwnerOrManagerToRemoveBlockedUser)
	}
	now := domain.Now()
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.GroupBlocklist().Remove(ctx, groupID, userID); err != nil {
			return err
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionBlocklist, now)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.publish(ctx, r, []int64{r.UserID}, &event.GroupBlocklistChanged{GroupID: groupID, UserID: userID}, origin)
	return nil
}

// Blocked returns a group's barred users and the blocklist's version.
func (s *Service) Blocked(ctx context.Context, groupID, lastUpdated int64) ([]store.GroupBlockedUser, int64, error) {
	version, err := s.st.GroupVersions().Get(ctx, groupID, store.GroupVersionBlocklist)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	bs, err := s.st.GroupBlocklist().List(ctx, groupID)
	if err != nil {
		return nil, 0, err
	}
	if len(bs) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return bs, version, nil
}

// selfJoin lets a user add themselves under the group's join strategy:
// only MEMBERSHIP_REQUEST groups take users who simply ask.
func (s *Service) selfJoin(ctx context.Context, r domain.Requester, st *state, origin any) error {
	switch st.typ.JoinStrategy {
	case JoinInvitation:
		return domain.Refuse(status.UserJoinGroupWithoutAcceptingGroupInvitation)
	case JoinQuestion:
		return domain.Refuse(status.UserJoinGroupWithoutAnsweringGroupQuestion)
	case JoinRequest:
		return domain.Refuse(status.UserJoinGroupWithoutSendingGroupJoinRequest)
	}
	if _, in := st.members[r.UserID]; in {
		return nil
	}
	return s.admit(ctx, r, st, r.UserID, origin)
}

// admit makes userID a member (by invitation, join request, answers or
// their own membership request), within the group's rules.
func (s *Service) admit(ctx context.Context, r domain.Requester, st *state, userID int64, origin any) error {
	if !st.group.Active {
		return domain.Refuse(status.AddUserToInactiveGroup)
	}
	blocked, err := s.isBlocked(ctx, st.group.ID, userID)
	if err != nil {
		return err
	}
	if blocked {
		return domain.Refuse(status.AddBlockedUserToGroup)
	}
	if len(st.ids) >= int(st.typ.SizeLimit) {
		return domain.Refuse(status.AddUserToGroupWithSizeLimitReached)
	}
	return s.join(ctx, r, st, []store.GroupMember{{GroupID: st.group.ID, UserID: userID, Role: RoleMember, JoinDate: domain.Now()}}, origin)
}

// Reply is an answer to an invitation or join request (Turms
// ResponseAction).
type Reply int32

const (
	Accept  Reply = 0
	Decline Reply = 1
	Ignore  Reply = 2
)

func (rp Reply) status() (store.RequestStatus, error) {
	switch rp {
	case Accept:
		return store.RequestAccepted, nil
	case Decline:
		return store.RequestDeclined, nil
	case Ignore:
		return store.RequestIgnored, nil
	}
	return 0, domain.Errorf(status.IllegalArgument, "unknown response action %d", rp)
}

// effective is a stored status with expiry applied.
func effective(st store.RequestStatus, expiration int64) store.RequestStatus {
	if st == store.RequestPending && expiration != 0 && expiration <= domain.Now() {
		return store.RequestExpired
	}
	return st
}

// versionOf is the last change among records with these dates.
func versionOf(dates ...int64) int64 {
	var v int64
	for _, d := range dates {
		v = max(v, d)
	}
	return v
}
