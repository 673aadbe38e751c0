package store

import "context"

// GroupAliasRepo keeps the aliases of groups: a name by which a group is
// also addressed (an XMPP room address a client chose), as a login name is
// for a user. A group has at most one alias, an alias one group.
type GroupAliasRepo interface {
	// Set gives groupID the alias. ErrConflict if the alias is taken or the
	// group already has one.
	Set(ctx context.Context, groupID int64, alias string) error
	// Lookup returns the group with alias, or ErrNotFound.
	Lookup(ctx context.Context, alias string) (int64, error)
	// Of returns groupID's alias, or ErrNotFound.
	Of(ctx context.Context, groupID int64) (string, error)
	// Remove frees groupID's alias; no error when it has none.
	Remove(ctx context.Context, groupID int64) error
}
