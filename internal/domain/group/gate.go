package group

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Audience is who hears a group message: the members' ids (shared, never
// to be modified) and the group's type.
type Audience struct {
	MemberIDs []int64
	Type      store.GroupType
}

// MaySend applies Turms's rules for sending to a group and returns who
// hears it. A member may speak unless the group is muted or inactive or
// they are muted; guests and non-members only when the type lets guests
// speak, the group is not muted, and they are not blocked.
func (s *Service) MaySend(ctx context.Context, senderID, groupID int64) (*Audience, error) {
	st, err := s.live(ctx, groupID, senderID, status.SendMessageToNonexistentGroup)
	if err != nil {
		return nil, err
	}
	a := &Audience{MemberIDs: st.ids, Type: st.typ}
	m := st.members[senderID]
	if m == nil || m.Role >= RoleGuest {
		if !st.typ.GuestSpeakable {
			return nil, domain.Refuse(status.NotSpeakableGroupGuestToSendMessage)
		}
		if muted(st.group.MuteEndDate) {
			return nil, domain.Refuse(status.SendMessageToMutedGroup)
		}
		if !st.group.Active {
			return nil, domain.Refuse(status.SendMessageToInactiveGroup)
		}
		blocked, err := s.isBlocked(ctx, groupID, senderID)
		if err != nil {
			return nil, err
		}
		if blocked {
			return nil, domain.Refuse(status.BlockedUserSendGroupMessage)
		}
		return a, nil
	}
	switch {
	case muted(st.group.MuteEndDate):
		return nil, domain.Refuse(status.SendMessageToMutedGroup)
	case !st.group.Active:
		return nil, domain.Refuse(status.SendMessageToInactiveGroup)
	case muted(m.MuteEndDate):
		return nil, domain.Refuse(status.MutedGroupMemberSendMessage)
	}
	return a, nil
}

// Audience returns a live group's members and type, and whether userID is
// one of them; notFound refuses a group that does not exist.
func (s *Service) Audience(ctx context.Context, groupID, userID int64, notFound status.Code) (*Audience, bool, error) {
	st, err := s.live(ctx, groupID, userID, notFound)
	if err != nil {
		return nil, false, err
	}
	_, member := st.members[userID]
	return &Audience{MemberIDs: st.ids, Type: st.typ}, member, nil
}

// IsMember reports whether userID is a member of a live group.
func (s *Service) IsMember(ctx context.Context, groupID, userID int64) (bool, error) {
	st, err := s.load(ctx, groupID)
	if err != nil {
		if domain.CodeOf(err) == status.ResourceNotFound {
			return false, nil
		}
		return false, err
	}
	_, ok := st.members[userID]
	return ok && !st.deleted(), nil
}

// Role returns userID's role in a group, and false when they are not a
// member.
func (s *Service) Role(ctx context.Context, groupID, userID int64) (Role, bool, error) {
	st, err := s.load(ctx, groupID)
	if err != nil {
		if domain.CodeOf(err) == status.ResourceNotFound {
			return 0, false, nil
		}
		return 0, false, err
	}
	r, ok := st.role(userID)
	return r, ok && !st.deleted(), nil
}

// MayUpdateInfo refuses a user whom the group's type does not let change
// the group's information (and its picture).
func (s *Service) MayUpdateInfo(ctx context.Context, groupID, userID int64) error {
	st, err := s.live(ctx, groupID, userID, status.UpdateInfoOfNonexistentGroup)
	if err != nil {
		return err
	}
	role, member := st.role(userID)
	if mayUpdate(st.typ.InfoUpdateStrategy, role, member) {
		return nil
	}
	switch st.typ.InfoUpdateStrategy {
	case UpdateOwner:
		return domain.Refuse(status.NotGroupOwnerToUpdateGroupInfo)
	case UpdateOwnerManager:
		return domain.Refuse(status.NotGroupOwnerOrManagerToUpdateGroupInfo)
	}
	return domain.Refuse(status.NotGroupMemberToUpdateGroupInfo)
}
