// Package store defines hermod's durable state: the records it keeps and the
// repositories that read and write them. Backends (sqlite, postgres)
// implement Store and must pass the conformance suite in storetest; both
// run the repositories of package sqlrepo.
//
// Times are Unix milliseconds, as on the Turms wire; 0 means "unset".
package store

import (
	"context"
	"errors"
)

// Errors every backend returns for the same conditions, so that domain
// services can map them to protocol status codes without knowing the backend.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: conflict")
)

// Store is the whole of hermod's durable state.
type Store interface {
	Repos
	// InTx runs fn in one transaction: every write made through tx lands, or
	// none does. fn must not retain tx after it returns. A backend may run
	// fn more than once (both do when another caller's work committed in
	// the same batch fails, PostgreSQL also when the transaction loses a
	// serialization race), so fn has no effect but through tx: it resets
	// what it collects, and events are published after InTx returns.
	InTx(ctx context.Context, fn func(tx Repos) error) error
	// StartTx queues fn like InTx but does not wait for it: Wait on the
	// result returns what InTx would have. A caller with several
	// transactions to make (a connection's pipelined requests) starts
	// them all and then waits, so that they share a commit; each is
	// still durable when its Wait returns nil.
	StartTx(ctx context.Context, fn func(tx Repos) error) Pending
	// Close flushes and releases the backend.
	Close() error
}

// Pending is a transaction StartTx has queued. Wait must be called
// exactly once.
type Pending interface {
	Wait() error
}

// Repos groups the per-domain repositories. Store and a transaction both
// provide it.
type Repos interface {
	Users() UserRepo
	Relationships() RelationshipRepo
	FriendRequests() FriendRequestRepo
	Messages() MessageRepo
	Conversations() ConversationRepo
	Versions() VersionRepo
	GroupTypes() GroupTypeRepo
	Groups() GroupRepo
	GroupMembers() GroupMemberRepo
	GroupVersions() GroupVersionRepo
	GroupBlocklist() GroupBlocklistRepo
	GroupInvitations() GroupInvitationRepo
	GroupJoinRequests() GroupJoinRequestRepo
	GroupQuestions() GroupQuestionRepo
	GroupAliases() GroupAliasRepo
	Settings() SettingRepo
	Reactions() ReactionRepo
	Resources() ResourceRepo
	PEP() PEPRepo
	PrivateXML() PrivateXMLRepo
	ArchivePrefs() ArchivePrefsRepo
}
