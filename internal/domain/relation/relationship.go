package relation

import (
	"context"
	"errors"
	"slices"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// relationshipChanged tells the owner's other sessions and the related
// user: the related user's XMPP roster shows the change in its
// subscription state, while Turms clients hear of it only if the rules say
// so (RelayToRelated).
func (s *Service) relationshipChanged(ctx context.Context, r domain.Requester, relatedID int64, deleted bool, origin any) {
	s.publish(ctx, r, []int64{r.UserID, relatedID}, &event.RelationshipChanged{
		OwnerID: r.UserID, RelatedID: relatedID, Deleted: deleted, RelayToRelated: s.opts.NotifyRelatedUser,
	}, origin)
}

// RemoveContact ends everything between r and relatedID: the relationship
// each way and any pending friend request either way. It is an XMPP roster
// removal (RFC 6121 section 2.5.2), which cancels subscriptions both ways.
func (s *Service) RemoveContact(ctx context.Context, r domain.Requester, relatedID int64) error {
	now := domain.Now()
	var deleted [2]bool
	var canceled, declined []store.FriendRequest
	err := s.st.InTx(ctx, func(tx store.Repos) error {
		// A backend may run fn again (PostgreSQL, after a serialization
		// failure): start from nothing each time.
		canceled, declined = nil, nil
		for i, pair := range [2][2]int64{{r.UserID, relatedID}, {relatedID, r.UserID}} {
			err := tx.Relationships().Delete(ctx, pair[0], pair[1], now)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			deleted[i] = err == nil
		}
		if fr, err := tx.FriendRequests().FindPending(ctx, r.UserID, relatedID, now); err == nil {
			if err := tx.FriendRequests().SetStatus(ctx, fr.ID, store.RequestPending, store.RequestCanceled, "", now); err != nil {
				return err
			}
			fr.Status, fr.ResponseDate = store.RequestCanceled, now
			canceled = append(canceled, *fr)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if fr, err := tx.FriendRequests().FindPending(ctx, relatedID, r.UserID, now); err == nil {
			if err := tx.FriendRequests().SetStatus(ctx, fr.ID, store.RequestPending, store.RequestDeclined, "", now); err != nil {
				return err
			}
			fr.Status, fr.ResponseDate = store.RequestDeclined, now
			declined = append(declined, *fr)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	s.invalidatePair(r.UserID, relatedID)
	if err != nil {
		return err
	}
	both := []int64{r.UserID, relatedID}
	if deleted[0] {
		s.publish(ctx, r, both, &event.RelationshipChanged{OwnerID: r.UserID, RelatedID: relatedID, Deleted: true, RelayToRelated: s.opts.NotifyRelatedUser}, nil)
	}
	if deleted[1] {
		s.publish(ctx, r, both, &event.RelationshipChanged{OwnerID: relatedID, RelatedID: r.UserID, Deleted: true, RelayToRelated: true}, nil)
	}
	for _, fr := range canceled {
		s.publish(ctx, r, both, &event.FriendRequestRecalled{Request: fr}, nil)
	}
	for _, fr := range declined {
		s.publish(ctx, r, both, &event.FriendRequestReplied{Request: fr}, nil)
	}
	return nil
}

// CreateRelationship adds r's one-sided relationship with relatedID,
// blocked or not, into groupIndex (group 0 when nil).
func (s *Service) CreateRelationship(ctx context.Context, r domain.Requester, relatedID int64, blocked bool, groupIndex *int32, name *string, origin any) error {
	if relatedID == r.UserID {
		if blocked {
			return domain.Refuse(status.CannotBlockOneself)
		}
		return domain.Errorf(status.IllegalArgument, "cannot relate to oneself")
	}
	if _, err := s.st.Users().Get(ctx, relatedID); errors.Is(err, store.ErrNotFound) {
		return domain.Errorf(status.ResourceNotFound, "no user %d", relatedID)
	} else if err != nil {
		return err
	}
	now := domain.Now()
	rel := &store.Relationship{OwnerID: r.UserID, RelatedID: relatedID, EstablishmentDate: now}
	if blocked {
		rel.BlockDate = now
	}
	if name != nil {
		rel.Name = *name
	}
	if groupIndex != nil {
		rel.GroupIndexes = []int32{*groupIndex}
	}
	err := s.st.Relationships().Create(ctx, rel)
	s.invalidatePair(r.UserID, relatedID)
	switch {
	case errors.Is(err, store.ErrConflict):
		return domain.Refuse(status.CreateExistingRelationship)
	case errors.Is(err, store.ErrNotFound):
		return domain.Errorf(status.ResourceNotFound, "no relationship group %d", *groupIndex)
	case err != nil:
		return err
	}
	s.relationshipChanged(ctx, r, relatedID, false, origin)
	return nil
}

// RelationshipChange is an update of one of r's relationships.
type RelationshipChange struct {
	Blocked          *bool
	NewGroupIndex    *int32
	DeleteGroupIndex *int32
	Name             *string
	Note             *string
}

// UpdateRelationship changes r's relationship with relatedID, creating it
// if it does not exist (blocking a stranger creates a blocked relationship).
func (s *Service) UpdateRelationship(ctx context.Context, r domain.Requester, relatedID int64, ch RelationshipChange, origin any) error {
	if relatedID == r.UserID {
		if ch.Blocked != nil && *ch.Blocked {
			return domain.Refuse(status.CannotBlockOneself)
		}
		return domain.Errorf(status.IllegalArgument, "cannot relate to oneself")
	}
	now := domain.Now()
	err := s.st.InTx(ctx, func(tx store.Repos) error {
		rels := tx.Relationships()
		if _, err := rels.Get(ctx, r.UserID, relatedID); errors.Is(err, store.ErrNotFound) {
			if _, err := tx.Users().Get(ctx, relatedID); err != nil {
				return err
			}
			if err := rels.Create(ctx, &store.Relationship{OwnerID: r.UserID, RelatedID: relatedID, EstablishmentDate: now}); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var upd store.RelationshipUpdate
		if ch.Blocked != nil {
			bd := int64(0)
			if *ch.Blocked {
				bd = now
			}
			upd.BlockDate = &bd
		}
		upd.Name, upd.Note = ch.Name, ch.Note
		if upd != (store.RelationshipUpdate{}) {
			if err := rels.Update(ctx, r.UserID, relatedID, upd, now); err != nil {
				return err
			}
		}
		if ch.NewGroupIndex != nil {
			if err := rels.AddToGroup(ctx, r.UserID, *ch.NewGroupIndex, relatedID, now); err != nil {
				return err
			}
		}
		if ch.DeleteGroupIndex != nil {
			if err := rels.RemoveFromGroup(ctx, r.UserID, *ch.DeleteGroupIndex, relatedID, now); err != nil {
				return err
			}
		}
		return nil
	})
	s.invalidatePair(r.UserID, relatedID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errorf(status.ResourceNotFound, "no such user or relationship group")
	}
	if err != nil {
		return err
	}
	s.relationshipChanged(ctx, r, relatedID, false, origin)
	return nil
}

// DeleteRelationship deletes r's relationship with relatedID, or, when
// groupIndex is set, only takes relatedID out of that group (into
// targetGroupIndex if set).
func (s *Service) DeleteRelationship(ctx context.Context, r domain.Requester, relatedID int64, groupIndex, targetGroupIndex *int32, origin any) error {
	now := domain.Now()
	var err error
	if groupIndex != nil {
		err = s.moveMember(ctx, r.UserID, relatedID, *groupIndex, targetGroupIndex, now)
	} else {
		err = s.st.InTx(ctx, func(tx store.Repos) error {
			if err := tx.Relationships().Delete(ctx, r.UserID, relatedID, now); err != nil {
				return err
			}
			if s.opts.DeleteTwoSided {
				if err := tx.Relationships().Delete(ctx, relatedID, r.UserID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			return nil
		})
	}
	s.invalidatePair(r.UserID, relatedID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Errorf(status.ResourceNotFound, "no relationship with %d", relatedID)
	}
	if err != nil {
		return err
	}
	s.relationshipChanged(ctx, r, relatedID, groupIndex == nil, origin)
	if groupIndex == nil && s.opts.DeleteTwoSided {
		s.publish(ctx, r, []int64{relatedID}, &event.RelationshipChanged{OwnerID: relatedID, RelatedID: r.UserID, Deleted: true}, nil)
	}
	return nil
}

func (s *Service) moveMember(ctx context.Context, ownerID, relatedID int64, from int32, to *int32, now int64) error {
	return s.st.InTx(ctx, func(tx store.Repos) error {
		if _, err := tx.Relationships().Get(ctx, ownerID, relatedID); err != nil {
			return err
		}
		if err := tx.Relationships().RemoveFromGroup(ctx, ownerID, from, relatedID, now); err != nil {
			return err
		}
		if to != nil {
			return tx.Relationships().AddToGroup(ctx, ownerID, *to, relatedID, now)
		}
		return nil
	})
}

// Relationships returns userID's relationships matching f, and their
// version; AlreadyUpToDate or NoContent as Turms answers.
func (s *Service) Relationships(ctx context.Context, userID int64, f store.RelationshipFilter, lastUpdated int64) ([]store.Relationship, int64, error) {
	version, err := s.st.Versions().Get(ctx, userID, store.VersionRelationships)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	rels, err := s.st.Relationships().List(ctx, userID, f)
	if err != nil {
		return nil, 0, err
	}
	if len(rels) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return rels, version, nil
}

// CommonRelatedIDs narrows ids to those that every user in with also has a
// relationship with (Turms user_ids_for_common_relationships).
func (s *Service) CommonRelatedIDs(ctx context.Context, ids []int64, with []int64) ([]int64, error) {
	for _, other := range with {
		rels, err := s.st.Relationships().List(ctx, other, store.RelationshipFilter{RelatedIDs: ids})
		if err != nil {
			return nil, err
		}
		keep := ids[:0:0]
		for _, rel := range rels {
			if slices.Contains(ids, rel.RelatedID) {
				keep = append(keep, rel.RelatedID)
			}
		}
		ids = keep
	}
	return ids, nil
}

// CreateGroup adds a relationship group for r and returns its index.
func (s *Service) CreateGroup(ctx context.Context, r domain.Requester, name string, origin any) (int32, error) {
	g, err := s.st.Relationships().CreateGroup(ctx, r.UserID, name, domain.Now())
	if err != nil {
		return 0, err
	}
	s.publish(ctx, r, []int64{r.UserID}, &event.RelationshipGroupsChanged{OwnerID: r.UserID}, origin)
	return g.Index, nil
}

// RenameGroup renames one of r's relationship groups.
func (s *Service) RenameGroup(ctx context.Context, r domain.Requester, index int32, name string, origin any) error {
	if err := s.st.Relationships().RenameGroup(ctx, r.UserID, index, name, domain.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Errorf(status.ResourceNotFound, "no relationship group %d", index)
		}
		return err
	}
	s.publish(ctx, r, []int64{r.UserID}, &event.RelationshipGroupsChanged{OwnerID: r.UserID}, origin)
	return nil
}

// DeleteGroup deletes one of r's relationship groups, moving its members
// to target (group 0 when nil). Group 0 cannot be deleted.
func (s *Service) DeleteGroup(ctx context.Context, r domain.Requester, index int32, target *int32, origin any) error {
	if index == 0 {
		return domain.Errorf(status.IllegalArgument, "the default relationship group cannot be deleted")
	}
	t := int32(0)
	if target != nil {
		t = *target
	}
	if err := s.st.Relationships().DeleteGroup(ctx, r.UserID, index, t, domain.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return domain.Errorf(status.ResourceNotFound, "no relationship group %d", index)
		}
		return err
	}
	s.publish(ctx, r, []int64{r.UserID}, &event.RelationshipGroupsChanged{OwnerID: r.UserID}, origin)
	return nil
}

// Groups returns userID's relationship groups and their version.
func (s *Service) Groups(ctx context.Context, userID int64, lastUpdated int64) ([]store.RelationshipGroup, int64, error) {
	version, err := s.st.Versions().Get(ctx, userID, store.VersionRelationshipGroups)
	if err != nil {
		return nil, 0, err
	}
	if err := upToDate(version, lastUpdated); err != nil {
		return nil, 0, err
	}
	gs, err := s.st.Relationships().ListGroups(ctx, userID)
	if err != nil {
		return nil, 0, err
	}
	if len(gs) == 0 {
		return nil, 0, domain.Refuse(status.NoContent)
	}
	return gs, version, nil
}
