package user

import (
	"context"
	"encoding/json"
	"maps"
	"unicode/utf8"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Profiles returns the profiles of ids that exist. If lastUpdated is set
// and none of them changed after it, it refuses with AlreadyUpToDate; if
// none exists, NoContent.
func (s *Service) Profiles(ctx context.Context, ids []int64, lastUpdated int64) ([]store.User, error) {
	if len(ids) == 0 {
		return nil, domain.Errorf(status.IllegalArgument, "no user ids")
	}
	users, err := s.st.Users().GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	if lastUpdated > 0 {
		changed := false
		for _, u := range users {
			if u.LastUpdatedDate > lastUpdated {
				changed = true
				break
			}
		}
		if !changed {
			return nil, domain.Refuse(status.AlreadyUpToDate)
		}
	}
	return users, nil
}

// ProfileChange is what a user may change of their own profile.
type ProfileChange struct {
	Password              *string
	Name                  *string
	Intro                 *string
	ProfilePicture        *string
	ProfileAccessStrategy *int32
	// SetAttributes sets these user-defined attributes (JSON values),
	// keeping the others.
	SetAttributes map[string]json.RawMessage
}

// UpdateProfile applies a user's change to their own profile; origin is
// the protocol request, relayed to the user's other sessions.
func (s *Service) UpdateProfile(ctx context.Context, r domain.Requester, ch ProfileChange, origin any) error {
	if err := maxLen("name", ch.Name, s.opts.MaxNameLength); err != nil {
		return err
	}
	if err := maxLen("intro", ch.Intro, s.opts.MaxIntroLength); err != nil {
		return err
	}
	if err := maxLen("profile picture", ch.ProfilePicture, s.opts.MaxProfilePictureLength); err != nil {
		return err
	}
	upd := store.UserUpdate{
		Name: ch.Name, Intro: ch.Intro, ProfilePicture: ch.ProfilePicture,
		ProfileAccessStrategy: ch.ProfileAccessStrategy,
	}
	if len(ch.SetAttributes) > 0 {
		attrs, err := s.mergeAttributes(ctx, r.UserID, ch.SetAttributes)
		if err != nil {
			return err
		}
		upd.Attributes = &attrs
	}
	if ch.Password != nil {
		if *ch.Password == "" {
			return domain.Errorf(status.IllegalArgument, "empty password")
		}
		if err := s.SetPassword(ctx, r.UserID, *ch.Password); err != nil {
			return err
		}
	}
	if upd == (store.UserUpdate{}) {
		if ch.Password == nil {
			return nil // nothing to change: Turms acknowledges too
		}
	} else if err := s.update(ctx, r.UserID, upd); err != nil {
		return err
	}
	u, err := s.st.Users().Get(ctx, r.UserID)
	if err != nil {
		return err
	}
	to, err := domain.AppendRelated(ctx, s.st, []int64{r.UserID}, r.UserID)
	if err != nil {
		return err
	}
	s.pub.Publish(ctx, to, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID,
		Payload: &event.UserInfoUpdated{User: *u, RelayToRelated: s.opts.NotifyRelatedUsersOfProfileChange}, Origin: origin,
	})
	return nil
}

func maxLen(what string, v *string, limit int) error {
	if v != nil && limit > 0 && utf8.RuneCountInString(*v) > limit {
		return domain.Errorf(status.IllegalArgument, "%s is longer than %d characters", what, limit)
	}
	return nil
}

// mergeAttributes returns the user's attributes with set applied.
func (s *Service) mergeAttributes(ctx context.Context, userID int64, set map[string]json.RawMessage) ([]byte, error) {
	u, err := s.st.Users().Get(ctx, userID)
	if err != nil {
		return nil, err
	}
	all := map[string]json.RawMessage{}
	if len(u.Attributes) > 0 {
		if err := json.Unmarshal(u.Attributes, &all); err != nil {
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
