package store

import "context"

// ArchiveDefault is what a user's archive shows of a conversation their
// preferences do not name (XEP-0441's default attribute).
type ArchiveDefault int8

const (
	ArchiveAlways ArchiveDefault = 0 // every conversation
	ArchiveRoster ArchiveDefault = 1 // conversations with contacts only
	ArchiveNever  ArchiveDefault = 2 // no conversation
)

// ArchivePrefs are a user's message archive preferences: the default and
// the users whose conversations are always or never shown.
type ArchivePrefs struct {
	UserID  int64
	Default ArchiveDefault
	Always  []int64
	Never   []int64
}

// ArchivePrefsRepo stores archive preferences, one record per user.
type ArchivePrefsRepo interface {
	// Get returns userID's preferences, or the zero preferences (always,
	// no lists) if they never set any.
	Get(ctx context.Context, userID int64) (*ArchivePrefs, error)
	// Put replaces the user's preferences.
	Put(ctx context.Context, p *ArchivePrefs) error
}
