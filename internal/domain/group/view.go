package group

import (
	"context"

	"hermod/internal/status"
	"hermod/internal/store"
)

// View is a live group as an adapter shows it (an XMPP room): the group,
// its type, alias and members. Its maps and slices are shared with the
// cache and must not be modified.
type View struct {
	Group   store.Group
	Type    store.GroupType
	Alias   string
	Members map[int64]*store.GroupMember
	// MemberIDs are the member ids.
	MemberIDs []int64
}

// Role returns userID's role and whether they are a member.
func (v *View) Role(userID int64) (Role, bool) {
	m := v.Members[userID]
	if m == nil {
		return 0, false
	}
	return m.Role, true
}

// View returns a live group; ResourceNotFound when it does not exist or was
// deleted.
func (s *Service) View(ctx context.Context, groupID int64) (*View, error) {
	return s.ViewAs(ctx, groupID, 0)
}

// ViewAs is View for a caller about to check userID's place in the group:
// in a cluster it sees a membership another node just made (see live).
func (s *Service) ViewAs(ctx context.Context, groupID, userID int64) (*View, error) {
	st, err := s.live(ctx, groupID, userID, status.ResourceNotFound)
	if err != nil {
		return nil, err
	}
	return &View{Group: st.group, Type: st.typ, Alias: st.alias, Members: st.members, MemberIDs: st.ids}, nil
}

// IsBlocked reports whether userID is on the group's blocklist.
func (s *Service) IsBlocked(ctx context.Context, groupID, userID int64) (bool, error) {
	return s.isBlocked(ctx, groupID, userID)
}

// IsAdmin reports whether userID is the group's owner or a manager.
func (v *View) IsAdmin(userID int64) bool {
	r, ok := v.Role(userID)
	return ok && r <= RoleManager
}

// TakesJoinRequests reports whether users join the group by a request its
// owner or a manager accepts.
func (v *View) TakesJoinRequests() bool { return v.Type.JoinStrategy == JoinRequest }

// MayJoinByAsking reports whether a user may join the group just by asking
// (its join strategy is MEMBERSHIP_REQUEST).
func (v *View) MayJoinByAsking() bool { return v.Type.JoinStrategy == JoinMembershipRequest }

// RequiresApproval reports whether the group's invitees must accept.
func (v *View) RequiresApproval() bool { return requiresApproval(v.Type.InvitationStrategy) }

// MayUpdateInfo reports whether userID may change the group's information
// (name, intro, announcement) under its type's rule.
func (v *View) MayUpdateInfo(userID int64) bool {
	role, member := v.Role(userID)
	return mayUpdate(v.Type.InfoUpdateStrategy, role, member)
}

// MembersMayUpdateInfo reports whether plain members may change the
// group's information.
func (v *View) MembersMayUpdateInfo() bool {
	return mayUpdate(v.Type.InfoUpdateStrategy, RoleMember, true)
}
