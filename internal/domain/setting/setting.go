// Package setting keeps what users set for themselves and for their
// conversations: named values (JSON) that follow the user to every device.
// Changes are relayed to the user's other sessions, as Turms does.
package setting

import (
	"context"
	"encoding/json"

	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Options bound what a user may store.
type Options struct {
	MaxSettings   int
	MaxNameLength int
	MaxValueBytes int
}

// DefaultOptions are hermod's limits (Turms restricts names to a
// configured list; hermod takes any name within these bounds).
func DefaultOptions() Options {
	return Options{MaxSettings: 100, MaxNameLength: 64, MaxValueBytes: 4096}
}

// Relations tells whether a user may keep settings for a private
// conversation (the relation service).
type Relations interface {
	// IsRelatedNotBlocked reports whether owner relates to related
	// without blocking them.
	IsRelatedNotBlocked(ctx context.Context, ownerID, relatedID int64) (bool, error)
}

// Groups tells whether a user may keep settings for a group conversation
// (the group service).
type Groups interface {
	// IsMember reports whether userID is a member of groupID.
	IsMember(ctx context.Context, groupID, userID int64) (bool, error)
}

// Service is the settings service.
type Service struct {
	st     store.Store
	pub    event.Publisher
	rel    Relations
	groups Groups
	opts   Options
}

// New returns the settings service.
func New(st store.Store, pub event.Publisher, rel Relations, groups Groups, opts Options) *Service {
	return &Service{st: st, pub: pub, rel: rel, groups: groups, opts: opts}
}

// Target is a conversation: a user or a group; zero for the user's own
// settings.
type Target struct {
	Scope store.SettingScope
	ID    int64
}

// Set writes values (JSON by name) for the target and tells the user's
// other sessions.
func (s *Service) Set(ctx context.Context, r domain.Requester, t Target, values map[string]json.RawMessage, origin any) error {
	if len(values) == 0 {
		return domain.Errorf(status.IllegalArgument, "no settings")
	}
	if err := s.mayChange(ctx, r.UserID, t); err != nil {
		return err
	}
	existing, err := s.st.Settings().List(ctx, store.SettingFilter{OwnerID: r.UserID, Scope: t.Scope, TargetIDs: targetIDs(t)})
	if err != nil {
		return err
	}
	now := domain.Now()
	out := make([]store.Setting, 0, len(values))
	changed := make(map[string][]byte, len(values))
	for name, v := range values {
		switch {
		case name == "" || len(name) > s.opts.MaxNameLength:
			return domain.Errorf(status.IllegalArgument, "a setting name has 1 to %d bytes", s.opts.MaxNameLength)
		case len(v) > s.opts.MaxValueBytes:
			return domain.Errorf(status.IllegalArgument, "setting %q exceeds %d bytes", name, s.opts.MaxValueBytes)
		}
		out = append(out, store.Setting{OwnerID: r.UserID, Scope: t.Scope, TargetID: t.ID, Name: name, Value: v, UpdatedDate: now})
		changed[name] = v
	}
	if n := countNew(existing, values); len(existing)+n > s.opts.MaxSettings {
		return domain.Errorf(status.IllegalArgument, "more than %d settings", s.opts.MaxSettings)
	}
	if err := s.st.Settings().Upsert(ctx, out); err != nil {
		return err
	}
	s.tell(ctx, r, &event.SettingsChanged{OwnerID: r.UserID, Scope: t.Scope, TargetID: t.ID, Values: changed}, origin)
	return nil
}

func countNew(existing []store.Setting, values map[string]json.RawMessage) int {
	n := len(values)
	for _, e := range existing {
		if _, ok := values[e.Name]; ok {
			n--
		}
	}
	return n
}

func targetIDs(t Target) []int64 {
	if t.Scope == store.ScopeUser {
		return nil
	}
	return []int64{t.ID}
}

func (s *Service) mayChange(ctx context.Context, userID int64, t Target) error {
	switch t.Scope {
	case store.ScopePrivateConversation:
		ok, err := s.rel.IsRelatedNotBlocked(ctx, userID, t.ID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Refuse(status.NotRelatedUserToUpdatePrivateConversationSetting)
		}
	case store.ScopeGroupConversation:
		ok, err := s.groups.IsMember(ctx, t.ID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return domain.Refuse(status.NotGroupMemberToUpdateGroupConversationSetting)
		}
	}
	return nil
}

func (s *Service) tell(ctx context.Context, r domain.Requester, ev *event.SettingsChanged, origin any) {
	s.pub.Publish(ctx, []int64{r.UserID}, &event.Event{
		RequesterID: r.UserID, RequesterSession: r.SessionID, Payload: ev, Origin: origin,
	})
}

// Delete removes settings by name (all when names is empty) of the
// targets (the user's own when scope is ScopeUser; every conversation of
// the scope when ids is empty) and tells the user's other sessions.
func (s *Service) Delete(ctx context.Context, r domain.Requester, scope store.SettingScope, ids []int64, names []string, origin any) error {
	f := store.SettingFilter{OwnerID: r.UserID, Scope: scope, TargetIDs: ids, Names: names}
	if scope == store.ScopeUser {
		f.TargetIDs = nil
	}
	n, err := s.st.Settings().Delete(ctx, f)
	if err != nil || n == 0 {
		return err
	}
	var target int64
	if len(ids) == 1 {
		target = ids[0]
	}
	s.tell(ctx, r, &event.SettingsChanged{OwnerID: r.UserID, Scope: scope, TargetID: target, Deleted: names}, origin)
	return nil
}

// Settings returns the user's settings of a scope (for the targets among
// ids, all when empty; named ones, all when names is empty). With
// changedAfter, only settings changed after it count, and none is
// AlreadyUpToDate; no settings at all is NoContent.
func (s *Service) Settings(ctx context.Context, userID int64, scope store.SettingScope, ids []int64, names []string, changedAfter int64) ([]store.Setting, error) {
	all, err := s.st.Settings().List(ctx, store.SettingFilter{OwnerID: userID, Scope: scope, TargetIDs: ids, Names: names})
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	if changedAfter > 0 {
		kept := all[:0]
		for _, v := range all {
			if v.UpdatedDate > changedAfter {
				kept = append(kept, v)
			}
		}
		if len(kept) == 0 {
			return nil, domain.Refuse(status.AlreadyUpToDate)
		}
		all = kept
	}
	return all, nil
}
