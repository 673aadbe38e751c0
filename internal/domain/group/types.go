package group

import (
	"context"
	"errors"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// InvitationStrategy says who may bring users in and whether the invitee
// must accept (the Turms GroupInvitationStrategy, in its order).
type InvitationStrategy = int32

const (
	InviteAllRequiringApproval InvitationStrategy = iota
	InviteOwnerManagerMemberRequiringApproval
	InviteOwnerManagerRequiringApproval
	InviteOwnerRequiringApproval
	InviteAll
	InviteOwnerManagerMember
	InviteOwnerManager
	InviteOwner
)

// JoinStrategy says how a user who is not invited joins (Turms
// GroupJoinStrategy).
type JoinStrategy = int32

const (
	JoinMembershipRequest JoinStrategy = iota // joins at once
	JoinInvitation                            // only by invitation
	JoinQuestion                              // by answering questions
	JoinRequest                               // by a request an admin accepts
)

// UpdateStrategy says who may change group or member information (Turms
// GroupUpdateStrategy).
type UpdateStrategy = int32

const (
	UpdateAll UpdateStrategy = iota
	UpdateOwnerManagerMember
	UpdateOwnerManager
	UpdateOwner
)

// DefaultTypeID is the type groups get when their creator names none.
const DefaultTypeID int64 = 0

// DefaultType is Turms's default group type.
func DefaultType() store.GroupType {
	return store.GroupType{
		ID: DefaultTypeID, Name: "DEFAULT", SizeLimit: 500,
		InvitationStrategy: InviteOwnerManagerMemberRequiringApproval, JoinStrategy: JoinInvitation,
		InfoUpdateStrategy: UpdateOwnerManager, MemberInfoUpdateStrategy: UpdateOwnerManager,
		GuestSpeakable: false, SelfInfoUpdatable: true, EnableReadReceipt: true, MessageEditable: true,
	}
}

// StrategyNames name the strategies in configuration and the admin API.
var (
	InvitationStrategyNames = []string{
		"ALL_REQUIRING_APPROVAL", "OWNER_MANAGER_MEMBER_REQUIRING_APPROVAL", "OWNER_MANAGER_REQUIRING_APPROVAL",
		"OWNER_REQUIRING_APPROVAL", "ALL", "OWNER_MANAGER_MEMBER", "OWNER_MANAGER", "OWNER",
	}
	JoinStrategyNames   = []string{"MEMBERSHIP_REQUEST", "INVITATION", "QUESTION", "JOIN_REQUEST"}
	UpdateStrategyNames = []string{"ALL", "OWNER_MANAGER_MEMBER", "OWNER_MANAGER", "OWNER"}
)

func (s *Service) ensureDefaultType(ctx context.Context) error {
	_, err := s.st.GroupTypes().Get(ctx, DefaultTypeID)
	if errors.Is(err, store.ErrNotFound) {
		t := DefaultType()
		err = s.st.GroupTypes().Create(ctx, &t)
		if errors.Is(err, store.ErrConflict) {
			return nil
		}
	}
	return err
}

// AddType creates a group type (an administrator's act). ID 0 picks a
// new id.
func (s *Service) AddType(ctx context.Context, t store.GroupType) (*store.GroupType, error) {
	if t.ID == 0 {
		t.ID = s.ids.Next()
	}
	switch {
	case t.Name == "":
		return nil, domain.Errorf(status.IllegalArgument, "a group type needs a name")
	case t.SizeLimit < 1:
		return nil, domain.Errorf(status.IllegalArgument, "the size limit must be at least 1")
	case t.InvitationStrategy < 0 || int(t.InvitationStrategy) >= len(InvitationStrategyNames),
		t.JoinStrategy < 0 || int(t.JoinStrategy) >= len(JoinStrategyNames),
		t.InfoUpdateStrategy < 0 || int(t.InfoUpdateStrategy) >= len(UpdateStrategyNames),
		t.MemberInfoUpdateStrategy < 0 || int(t.MemberInfoUpdateStrategy) >= len(UpdateStrategyNames):
		return nil, domain.Errorf(status.IllegalArgument, "unknown strategy")
	}
	if err := s.st.GroupTypes().Create(ctx, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// Types lists the group types.
func (s *Service) Types(ctx context.Context) ([]store.GroupType, error) {
	return s.st.GroupTypes().List(ctx)
}

// mayUpdate reports whether a user with role (member false: not a member)
// may act under strategy.
func mayUpdate(strategy UpdateStrategy, role Role, member bool) bool {
	switch strategy {
	case UpdateAll:
		return true
	case UpdateOwnerManagerMember:
		return member && role <= RoleMember
	case UpdateOwnerManager:
		return member && role <= RoleManager
	default:
		return member && role == RoleOwner
	}
}

// requiresApproval reports whether invitees must accept an invitation.
func requiresApproval(strategy InvitationStrategy) bool {
	return strategy <= InviteOwnerRequiringApproval
}

// mayInvite reports whether a user with role may invite or add users
// under strategy, and the code that refuses them.
func mayInvite(strategy InvitationStrategy, role Role, member bool, add bool) (bool, status.Code) {
	level := strategy
	if !requiresApproval(strategy) {
		level -= InviteAll
	}
	switch level {
	case InviteAllRequiringApproval:
		return true, 0
	case InviteOwnerManagerMemberRequiringApproval:
		if add {
			return member && role <= RoleMember, status.NotGroupMemberToAddGroupMember
		}
		return member && role <= RoleMember, status.NotGroupMemberToSendGroupInvitation
	case InviteOwnerManagerRequiringApproval:
		if add {
			return member && role <= RoleManager, status.NotGroupOwnerOrManagerToAddGroupMember
		}
		return member && role <= RoleManager, status.NotGroupOwnerOrManagerToSendGroupInvitation
	default:
		if add {
			return member && role == RoleOwner, status.NotGroupOwnerToAddGroupMember
		}
		return member && role == RoleOwner, status.NotGroupOwnerToSendGroupInvitation
	}
}
