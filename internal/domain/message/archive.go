package message

import (
	"context"
	"slices"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// hermod keeps every private message for Turms history whatever anyone's
// archive preferences say: the preferences (XEP-0441, through XMPP MAM)
// decide what a user's own archive *shows*. A conversation the preferences
// exclude is left out of that user's archive queries, and only theirs: the
// peer's archive and Turms queries still return it. They apply when the
// archive is read, so changing them also changes what older messages show.

// MaxArchivePrefsUsers caps the users named in one user's preferences.
const MaxArchivePrefsUsers = 1000

// ArchivePrefs returns userID's archive preferences.
func (s *Service) ArchivePrefs(ctx context.Context, userID int64) (*store.ArchivePrefs, error) {
	return s.st.ArchivePrefs().Get(ctx, userID)
}

// SetArchivePrefs replaces the requester's archive preferences. A user
// named in both lists is never shown.
func (s *Service) SetArchivePrefs(ctx context.Context, r domain.Requester, p store.ArchivePrefs) (*store.ArchivePrefs, error) {
	switch p.Default {
	case store.ArchiveAlways, store.ArchiveRoster, store.ArchiveNever:
	default:
		return nil, domain.Errorf(status.IllegalArgument, "unknown archive default %d", p.Default)
	}
	if len(p.Always)+len(p.Never) > MaxArchivePrefsUsers {
		return nil, domain.Errorf(status.IllegalArgument, "archive preferences name more than %d users", MaxArchivePrefsUsers)
	}
	p.UserID = r.UserID
	p.Always, p.Never = sortedUnique(p.Always), sortedUnique(p.Never)
	if err := s.st.ArchivePrefs().Put(ctx, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func sortedUnique(ids []int64) []int64 {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// ArchiveScope returns the query that selects userID's archive of private
// messages as their preferences show it (without recalled messages, as
// Turms queries leave them out, but with the system messages that announce
// their recall, so that the archive keeps the retraction), limited to the
// conversation with withID when it is not 0. ok is false when the
// preferences leave nothing to show; the caller adds ids, dates, cursors,
// order and limit.
func (s *Service) ArchiveScope(ctx context.Context, userID, withID int64) (q store.MessageQuery, ok bool, err error) {
	q = store.MessageQuery{ParticipantID: userID}
	if withID != 0 {
		q.PeerIDs = []int64{withID}
	}
	p, err := s.st.ArchivePrefs().Get(ctx, userID)
	if err != nil {
		return q, false, err
	}
	var shown []int64 // nil: every peer not in Never
	switch p.Default {
	case store.ArchiveNever:
		shown = append([]int64{}, p.Always...)
	case store.ArchiveRoster:
		shown = append([]int64{userID}, p.Always...)
		notBlocked := false
		rels, err := s.st.Relationships().List(ctx, userID, store.RelationshipFilter{Blocked: &notBlocked})
		if err != nil {
			return q, false, err
		}
		for _, r := range rels {
			shown = append(shown, r.RelatedID)
		}
	}
	if shown != nil {
		shown = slices.DeleteFunc(shown, func(id int64) bool { return slices.Contains(p.Never, id) })
		if withID != 0 {
			if !slices.Contains(shown, withID) {
				return q, false, nil
			}
		} else if len(shown) == 0 {
			return q, false, nil
		} else {
			q.PeerIDs = sortedUnique(shown)
		}
	}
	if withID != 0 {
		return q, !slices.Contains(p.Never, withID), nil
	}
	q.ExcludedPeerIDs = p.Never
	return q, true, nil
}

// InArchive reports whether m belongs to userID's archive of private
// messages (whatever their preferences show): a position that paging may
// start from.
func InArchive(m *store.Message, userID int64) bool {
	return !m.IsGroup() && (m.SenderID == userID || m.RecipientID == userID)
}
