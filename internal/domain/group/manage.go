package group

import (
	"context"
	"encoding/json"
	"errors"
	"maps"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// NewGroup is a group as its creator describes it.
type NewGroup struct {
	Name, Intro, Announcement string
	MinScore                  int32
	// TypeID nil means the default type.
	TypeID      *int64
	MuteEndDate int64
	Attributes  map[string]json.RawMessage
	// Alias is another name the group is addressed by (an XMPP room
	// address a client chose); "" for none. Taken aliases are refused.
	Alias string
}

// Create makes a group owned by the requester, who becomes its first
// member, and tells the requester's other sessions.
func (s *Service) Create(ctx context.Context, r domain.Requester, ng NewGroup, origin any) (*store.Group, error) {
	u, err := s.st.Users().Get(ctx, r.UserID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if u == nil || !u.Active {
		return nil, domain.Refuse(status.NotActiveUserToCreateGroup)
	}
	typeID := DefaultTypeID
	if ng.TypeID != nil {
		typeID = *ng.TypeID
	}
	if _, err := s.st.GroupTypes().Get(ctx, typeID); errors.Is(err, store.ErrNotFound) {
		return nil, domain.Refuse(status.CreateGroupWithNonexistentGroupType)
	} else if err != nil {
		return nil, err
	}
	attrs, err := s.mergeAttributes(nil, ng.Attributes)
	if err != nil {
		return nil, err
	}
	if ng.Alias != "" {
		if err := validAlias(ng.Alias); err != nil {
			return nil, err
		}
	}
	now := domain.Now()
	g := &store.Group{
		ID: s.ids.Next(), TypeID: typeID, CreatorID: r.UserID, OwnerID: r.UserID,
		Name: ng.Name, Intro: ng.Intro, Announcement: ng.Announcement, MinScore: ng.MinScore,
		MuteEndDate: ng.MuteEndDate, Active: s.opts.ActivateGroupWhenCreated, Attributes: attrs,
		CreationDate: now, LastUpdatedDate: now,
	}
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.Groups().Create(ctx, g); err != nil {
			return err
		}
		if ng.Alias != "" {
			if err := tx.GroupAliases().Set(ctx, g.ID, ng.Alias); err != nil {
				return err
			}
		}
		if err := tx.GroupMembers().Add(ctx, []store.GroupMember{{GroupID: g.ID, UserID: r.UserID, Role: RoleOwner, JoinDate: now}}); err != nil {
			return err
		}
		if err := tx.GroupVersions().Bump(ctx, g.ID, store.GroupVersionMembers, now); err != nil {
			return err
		}
		return tx.Versions().Bump(ctx, r.UserID, store.VersionJoinedGroups, now)
	})
	if errors.Is(err, store.ErrConflict) && ng.Alias != "" {
		return nil, domain.Errorf(status.DuplicateResource, "the alias %q is taken", ng.Alias)
	}
	if err != nil {
		return nil, err
	}
	s.publish(ctx, r, []int64{r.UserID}, &event.GroupCreated{Group: *g}, origin)
	return g, nil
}

// Delete deletes a group (its owner's act): the group record stays, marked
// deleted, so that its history keeps a home; its members are removed and
// told.
func (s *Service) Delete(ctx context.Context, r domain.Requester, groupID int64, origin any) error {
	st, err := s.live(ctx, groupID, r.UserID, status.NotGroupOwnerToDeleteGroup)
	if err != nil {
		return err
	}
	if role, ok := st.role(r.UserID); !ok || role != RoleOwner {
		return domain.Refuse(status.NotGroupOwnerToDeleteGroup)
	}
	now := domain.Now()
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.Groups().Update(ctx, groupID, store.GroupUpdate{DeletionDate: &now, LastUpdatedDate: now}); err != nil {
			return err
		}
		if err := tx.GroupAliases().Remove(ctx, groupID); err != nil { // a deleted group frees its alias
			return err
		}
		if _, err := tx.GroupMembers().Remove(ctx, groupID, nil); err != nil {
			return err
		}
		if err := tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionMembers, now); err != nil {
			return err
		}
		for _, id := range st.ids {
			if err := tx.Versions().Bump(ctx, id, store.VersionJoinedGroups, now); err != nil {
				return err
			}
		}
		return nil
	})
	s.forget(groupID)
	if err != nil {
		return err
	}
	s.publish(ctx, r, with(st.ids, r.UserID), &event.GroupDeleted{GroupID: groupID}, origin)
	return nil
}

// Change is an update of a group; nil fields stay as they are.
type Change struct {
	Name, Intro, Announcement *string
	MinScore                  *int32
	TypeID                    *int64
	MuteEndDate               *int64
	Attributes                map[string]json.RawMessage
	// SuccessorID transfers the ownership; QuitAfterTransfer then removes
	// the old owner.
	SuccessorID       *int64
	QuitAfterTransfer bool
}

func (c Change) infoChanged() bool {
	return c.Name != nil || c.Intro != nil || c.Announcement != nil || c.MinScore != nil ||
		c.MuteEndDate != nil || c.Attributes != nil
}

// Update changes a group's information, type or owner, each under its own
// rule, and tells the group's members.
func (s *Service) Update(ctx context.Context, r domain.Requester, groupID int64, c Change, origin any) error {
	notFound := status.UpdateInfoOfNonexistentGroup
	if c.SuccessorID != nil {
		notFound = status.TransferNonexistentGroup
	}
	st, err := s.live(ctx, groupID, r.UserID, notFound)
	if err != nil {
		return err
	}
	role, member := st.role(r.UserID)
	isOwner := member && role == RoleOwner
	now := domain.Now()
	upd := store.GroupUpdate{LastUpdatedDate: now}
	if c.SuccessorID != nil {
		if !isOwner {
			return domain.Refuse(status.NotGroupOwnerToTransferGroup)
		}
		if _, ok := st.members[*c.SuccessorID]; !ok || *c.SuccessorID == r.UserID {
			return domain.Refuse(status.GroupSuccessorNotGroupMember)
		}
		upd.OwnerID = c.SuccessorID
	}
	if c.TypeID != nil && *c.TypeID != st.group.TypeID {
		switch {
		case !s.opts.AllowOwnerChangeGroupType:
			return domain.Refuse(status.UpdatingGroupTypeIsDisabled)
		case !isOwner:
			return domain.Refuse(status.NotGroupOwnerToUpdateGroupType)
		}
		if _, err := s.st.GroupTypes().Get(ctx, *c.TypeID); errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.UpdateGroupToNonexistentGroupType)
		} else if err != nil {
			return err
		}
		upd.TypeID = c.TypeID
	}
	if c.infoChanged() {
		if !mayUpdate(st.typ.InfoUpdateStrategy, role, member) {
			switch st.typ.InfoUpdateStrategy {
			case UpdateOwner:
				return domain.Refuse(status.NotGroupOwnerToUpdateGroupInfo)
			case UpdateOwnerManager:
				return domain.Refuse(status.NotGroupOwnerOrManagerToUpdateGroupInfo)
			default:
				return domain.Refuse(status.NotGroupMemberToUpdateGroupInfo)
			}
		}
		upd.Name, upd.Intro, upd.Announcement, upd.MinScore, upd.MuteEndDate = c.Name, c.Intro, c.Announcement, c.MinScore, c.MuteEndDate
		if c.Attributes != nil {
			merged, err := s.mergeAttributes(st.group.Attributes, c.Attributes)
			if err != nil {
				return err
			}
			upd.Attributes = &merged
		}
	}
	quit := c.SuccessorID != nil && c.QuitAfterTransfer
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		if err := tx.Groups().Update(ctx, groupID, upd); err != nil {
			return err
		}
		if c.SuccessorID == nil {
			return nil
		}
		return s.transferInTx(ctx, tx, groupID, r.UserID, *c.SuccessorID, quit, now)
	})
	s.forget(groupID)
	if err != nil {
		return err
	}
	g, err := s.st.Groups().Get(ctx, groupID)
	if err != nil {
		return err
	}
	s.publish(ctx, r, with(st.ids, r.UserID), &event.GroupUpdated{Group: *g}, origin)
	return nil
}

// transferInTx makes successor the owner, the old owner a manager (or no
// member when quit).
func (s *Service) transferInTx(ctx context.Context, tx store.Repos, groupID, ownerID, successorID int64, quit bool, now int64) error {
	owner := RoleOwner
	if err := tx.GroupMembers().Update(ctx, groupID, successorID, store.GroupMemberUpdate{Role: &owner}); err != nil {
		return err
	}
	if _, err := tx.Groups().Get(ctx, groupID); err != nil {
		return err
	}
	if err := tx.Groups().Update(ctx, groupID, store.GroupUpdate{OwnerID: &successorID, LastUpdatedDate: now}); err != nil {
		return err
	}
	if quit {
		if _, err := tx.GroupMembers().Remove(ctx, groupID, []int64{ownerID}); err != nil {
			return err
		}
		if err := tx.Versions().Bump(ctx, ownerID, store.VersionJoinedGroups, now); err != nil {
			return err
		}
	} else {
		manager := RoleManager
		if err := tx.GroupMembers().Update(ctx, groupID, ownerID, store.GroupMemberUpdate{Role: &manager}); err != nil {
			return err
		}
	}
	return tx.GroupVersions().Bump(ctx, groupID, store.GroupVersionMembers, now)
}

// Groups returns the groups among ids (deleted ones included, as Turms
// does, so that clients learn of the deletion); with lastUpdated, only
// those changed after it, or AlreadyUpToDate.
func (s *Service) Groups(ctx context.Context, ids []int64, lastUpdated int64) ([]store.Group, error) {
	gs, err := s.st.Groups().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	if lastUpdated > 0 {
		kept := gs[:0]
		for _, g := range gs {
			if g.LastUpdatedDate > lastUpdated {
				kept = append(kept, g)
			}
		}
		if len(kept) == 0 {
			return nil, domain.Refuse(status.AlreadyUpToDate)
		}
		gs = kept
	}
	return gs, nil
}

// JoinedGroupIDs returns the groups userID is a member of, and the
// version of that list: the later of the last join or leave and the last
// change of one of the groups.
func (s *Service) JoinedGroupIDs(ctx context.Context, userID int64, lastUpdated int64) ([]int64, int64, error) {
	ids, version, _, err := s.joined(ctx, userID, false)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return ids, version, nil
}

// JoinedGroups is JoinedGroupIDs with the groups themselves.
func (s *Service) JoinedGroups(ctx context.Context, userID int64, lastUpdated int64) ([]store.Group, int64, error) {
	ids, version, gs, err := s.joined(ctx, userID, true)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return gs, version, nil
}

func (s *Service) joined(ctx context.Context, userID int64, _ bool) ([]int64, int64, []store.Group, error) {
	ids, err := s.st.GroupMembers().GroupIDs(ctx, userID)
	if err != nil {
		return nil, 0, nil, err
	}
	version, err := s.st.Versions().Get(ctx, userID, store.VersionJoinedGroups)
	if err != nil {
		return nil, 0, nil, err
	}
	gs, err := s.st.Groups().GetMany(ctx, ids)
	if err != nil {
		return nil, 0, nil, err
	}
	for _, g := range gs {
		version = max(version, g.LastUpdatedDate)
	}
	return ids, version, gs, nil
}

// JoinedIDs returns the groups userID is a member of (for message queries).
func (s *Service) JoinedIDs(ctx context.Context, userID int64) ([]int64, error) {
	return s.st.GroupMembers().GroupIDs(ctx, userID)
}

// mergeAttributes returns old (a JSON object) with set applied; nil when
// there are none.
func (s *Service) mergeAttributes(old []byte, set map[string]json.RawMessage) ([]byte, error) {
	if len(set) == 0 {
		return old, nil
	}
	all := map[string]json.RawMessage{}
	if len(old) > 0 {
		if err := json.Unmarshal(old, &all); err != nil {
			return nil, err
		}
	}
	maps.Copy(all, set)
	b, err := json.Marshal(all)
	if err != nil {
		return nil, domain.Errorf(status.IllegalArgument, "attributes: %v", err)
	}
	if len(b) > s.opts.MaxAttributesBytes {
		return nil, domain.Errorf(status.IllegalArgument, "user-defined attributes exceed %d bytes", s.opts.MaxAttributesBytes)
	}
	return b, nil
}
