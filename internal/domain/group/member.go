package group

import (
	"context"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// NewMembers are users a member adds to a group.
type NewMembers struct {
	UserIDs []int64
	Name    string
	// Role nil means MEMBER.
	Role        *Role
	MuteEndDate int64
}

// AddMembers adds users to a group directly, which the group type allows
// only when its invitation strategy needs no approval; otherwise users are
// invited (CreateInvitation). Users already in the group are skipped.
func (s *Service) AddMembers(ctx context.Context, r domain.Requester, groupID int64, nm NewMembers, origin any) error {
	st, err := s.live(ctx, groupID, r.UserID, status.AddUserToInactiveGroup)
	if err != nil {
		return err
	}
	if !st.group.Active {
		return domain.Refuse(status.AddUserToInactiveGroup)
	}
	role, member := st.role(r.UserID)
	if len(nm.UserIDs) == 1 && nm.UserIDs[0] == r.UserID && !member {
		return s.selfJoin(ctx, r, st, origin)
	}
	if requiresApproval(st.typ.InvitationStrategy) {
		return domain.Refuse(status.AddUserToGroupRequiringUsersApproval)
	}
	if ok, code := mayInvite(st.typ.InvitationStrategy, role, member, true); !ok {
		return domain.Refuse(code)
	}
	newRole := RoleMember
	if nm.Role != nil {
		newRole = *nm.Role
	}
	switch {
	case newRole == RoleOwner || newRole < 0 || newRole > RoleAnonymousGuest:
		return domain.Errorf(status.IllegalArgument, "members cannot be added as owner")
	case newRole == RoleManager && !(member && role == RoleOwner):
		return domain.Refuse(status.NotGroupOwnerToAddGroupManager)
	}
	var add []store.GroupMember
	now := domain.Now()
	for _, id := range dedup(nm.UserIDs) {
		if _, in := st.members[id]; in || contains(memberIDs(add), id) {
			continue
		}
		blocked, err := s.isBlocked(ctx, groupID, id)
		if err != nil {
			return err
		}
		if blocked {
			return domain.Refuse(status.AddBlockedUserToGroup)
		}
		add = append(add, store.GroupMember{GroupID: groupID, UserID: id, Name: nm.Name, Role: newRole, JoinDate: now, MuteEndDate: nm.MuteEndDate})
	}
	if len(add) == 0 {
		return nil
	}
	if len(st.ids)+len(add) > int(st.typ.SizeLimit) {
		return domain.Refuse(status.AddUserToGroupWithSizeLimitReached)
	}
	return s.join(ctx, r, st, add, origin)
}

func memberIDs(ms []store.GroupMember) []int64 {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

// join stores new members and tells them, the other members and the
// requester's other sessions (Turms notifies all three by default).
func (s *Service) join(ctx context.Context, r domain.Requester, st *state, add []store.GroupMember, origin any) error {
	now := domain.Now()
	groupID := st.group.ID
	err := s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.GroupMembers().Add(ctx, add); err != nil {
			return err
		}
		for _, m := range add {
			if err := tx.Versions().Bump(ctx, m.UserID, store.VersionJoinedGroups, now); err != nil {
				return err
			}
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionMembers, now)
	})
	s.forget(groupID)
	if err != nil {
		return err
	}
	to := with(st.ids, append(memberIDs(add), r.UserID)...)
	s.publish(ctx, r, to, &event.GroupMembersAdded{GroupID: groupID, Members: add}, origin)
	return nil
}

// RemoveMembers removes members, or, when memberIDs is just the
// requester, lets them quit. An owner quits only by naming a successor.
func (s *Service) RemoveMembers(ctx context.Context, r domain.Requester, groupID int64, memberIDs []int64, successorID *int64, quitAfterTransfer bool, origin any) error {
	st, err := s.live(ctx, groupID, r.UserID, status.NotGroupOwnerOrManagerToRemoveGroupMember)
	if err != nil {
		return err
	}
	role, member := st.role(r.UserID)
	quitting := len(memberIDs) == 1 && memberIDs[0] == r.UserID
	if successorID != nil {
		if !member || role != RoleOwner {
			return domain.Refuse(status.NotGroupOwnerToTransferGroup)
		}
		if _, ok := st.members[*successorID]; !ok || *successorID == r.UserID {
			return domain.Refuse(status.GroupSuccessorNotGroupMember)
		}
	}
	if quitting {
		if !member {
			return nil
		}
		if role == RoleOwner && successorID == nil {
			return domain.Refuse(status.GroupOwnerQuitWithoutSpecifyingSuccessor)
		}
		return s.leave(ctx, r, st, []int64{r.UserID}, successorID, origin)
	}
	if successorID != nil && len(memberIDs) == 0 {
		return s.leave(ctx, r, st, nil, successorID, origin, quitAfterTransfer)
	}
	if !member || role > RoleManager {
		return domain.Refuse(status.NotGroupOwnerOrManagerToRemoveGroupMember)
	}
	var gone []int64
	for _, id := range dedup(memberIDs) {
		m := st.members[id]
		if m == nil {
			continue
		}
		if m.Role <= RoleManager && (role != RoleOwner || id == r.UserID) {
			return domain.Refuse(status.NotGroupOwnerToRemoveGroupOwnerOrManager)
		}
		gone = append(gone, id)
	}
	if len(gone) == 0 {
		return nil
	}
	return s.leave(ctx, r, st, gone, successorID, origin)
}

// leave removes userIDs (after transferring the ownership to successorID
// when set) and tells the removed, the other members and the requester's
// other sessions. quitAfterTransfer[0] removes the old owner when only a
// transfer was asked for.
func (s *Service) leave(ctx context.Context, r domain.Requester, st *state, userIDs []int64, successorID *int64, origin any, quitAfterTransfer ...bool) error {
	groupID := st.group.ID
	now := domain.Now()
	transferQuit := successorID != nil && (contains(userIDs, r.UserID) || (len(quitAfterTransfer) > 0 && quitAfterTransfer[0]))
	err := s.st.InTx(ctx, func(tx store.Repos) error {
		if successorID != nil {
			if err := s.transferInTx(ctx, tx, groupID, r.UserID, *successorID, transferQuit, now); err != nil {
				return err
			}
		}
		rest := userIDs
		if transferQuit {
			rest = without(userIDs, r.UserID)
		}
		if len(rest) > 0 {
			if _, err := tx.GroupMembers().Remove(ctx, groupID, rest); err != nil {
				return err
			}
		}
		for _, id := range rest {
			if err := tx.Versions().Bump(ctx, id, store.VersionJoinedGroups, now); err != nil {
				return err
			}
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionMembers, now)
	})
	s.forget(groupID)
	if err != nil {
		return err
	}
	to := with(st.ids, r.UserID)
	if successorID != nil {
		g, err := s.st.Groups().Get(ctx, groupID)
		if err != nil {
			return err
		}
		s.publish(ctx, r, to, &event.GroupUpdated{Group: *g}, nil)
	}
	if transferQuit && !contains(userIDs, r.UserID) {
		userIDs = append(userIDs, r.UserID)
	}
	if len(userIDs) > 0 {
		s.publish(ctx, r, to, &event.GroupMembersRemoved{GroupID: groupID, UserIDs: userIDs}, origin)
	}
	return nil
}

func without(ids []int64, id int64) []int64 {
	out := make([]int64, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// MemberChange is an update of a membership; nil fields stay.
type MemberChange struct {
	Name        *string
	Role        *Role
	MuteEndDate *int64
	Note        *string
}

// UpdateMember changes a member's name, note (under the type's member
// info strategy, or by the member themselves when the type lets members
// update their own info), role (owner only) or mute (owner or managers,
// over members of lower role).
func (s *Service) UpdateMember(ctx context.Context, r domain.Requester, groupID, memberID int64, c MemberChange, origin any) error {
	notFound := status.UpdateGroupMemberInfoOfNonexistentGroup
	switch {
	case c.Role != nil:
		notFound = status.UpdateGroupMemberRoleOfNonexistentGroup
	case c.MuteEndDate != nil:
		notFound = status.MuteGroupMemberOfNonexistentGroup
	}
	st, err := s.live(ctx, groupID, r.UserID, notFound)
	if err != nil {
		return err
	}
	role, member := st.role(r.UserID)
	target := st.members[memberID]
	if c.Role != nil {
		switch {
		case !member || role != RoleOwner:
			return domain.Refuse(status.NotGroupOwnerToUpdateGroupMemberRole)
		case *c.Role <= RoleOwner || *c.Role > RoleAnonymousGuest:
			return domain.Errorf(status.IllegalArgument, "transfer the ownership with a successor instead")
		case target == nil:
			return domain.Refuse(status.UpdateInfoOfNonexistentGroupMember)
		}
	}
	if c.MuteEndDate != nil {
		switch {
		case !member || role > RoleManager:
			return domain.Refuse(status.NotGroupOwnerOrManagerToMuteGroupMember)
		case target == nil:
			return domain.Refuse(status.MuteNonexistentGroupMember)
		case target.Role <= role:
			return domain.Refuse(status.MuteGroupMemberWithRoleEqualToOrHigherThanRequester)
		}
	}
	if c.Name != nil || c.Note != nil {
		self := memberID == r.UserID && member && st.typ.SelfInfoUpdatable
		if !self && !mayUpdate(st.typ.MemberInfoUpdateStrategy, role, member) {
			switch st.typ.MemberInfoUpdateStrategy {
			case UpdateOwner:
				return domain.Refuse(status.NotGroupOwnerToUpdateGroupMemberInfo)
			case UpdateOwnerManager:
				return domain.Refuse(status.NotGroupOwnerOrManagerToUpdateGroupMemberInfo)
			default:
				return domain.Refuse(status.NotGroupMemberToUpdateGroupMemberInfo)
			}
		}
		if target == nil {
			return domain.Refuse(status.UpdateInfoOfNonexistentGroupMember)
		}
	}
	if target == nil {
		return domain.Refuse(status.UpdateInfoOfNonexistentGroupMember)
	}
	now := domain.Now()
	upd := store.GroupMemberUpdate{Name: c.Name, Role: c.Role, MuteEndDate: c.MuteEndDate, Note: c.Note}
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.GroupMembers().Update(ctx, groupID, memberID, upd); err != nil {
			return err
		}
		return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionMembers, now)
	})
	s.forget(groupID)
	if err != nil {
		return err
	}
	m, err := s.st.GroupMembers().Get(ctx, groupID, memberID)
	if err != nil {
		return err
	}
	to := []int64{r.UserID}
	if s.opts.NotifyMembersOfMemberUpdate {
		to = with(st.ids, r.UserID)
	}
	s.publish(ctx, r, to, &event.GroupMemberUpdated{Member: *m}, origin)
	return nil
}

// MemberWithStatus is a member and, when asked for, their presence.
type MemberWithStatus struct {
	store.GroupMember
	Status      int32
	DeviceTypes []int32
}

// Members returns a group's members (those among memberIDs when given) to
// one of its members, with the members' version; AlreadyUpToDate when
// lastUpdated is current.
func (s *Service) Members(ctx context.Context, userID, groupID int64, memberIDs []int64, lastUpdated int64, withStatus bool) ([]MemberWithStatus, int64, error) {
	st, err := s.live(ctx, groupID, userID, status.NotGroupMemberToQueryGroupMemberInfo)
	if err != nil {
		return nil, 0, err
	}
	if _, ok := st.members[userID]; !ok {
		return nil, 0, domain.Refuse(status.NotGroupMemberToQueryGroupMemberInfo)
	}
	version, err := s.st.GroupVersions().Get(ctx, groupID, store.GroupVersionMembers)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	ids := memberIDs
	if len(ids) == 0 {
		ids = st.ids
	}
	out := make([]MemberWithStatus, 0, len(ids))
	for _, id := range ids {
		m := st.members[id]
		if m == nil {
			continue
		}
		ms := MemberWithStatus{GroupMember: *m}
		if withStatus {
			ms.Status, ms.DeviceTypes = s.dir.Status(id)
		}
		out = append(out, ms)
	}
	if len(out) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return out, version, nil
}
