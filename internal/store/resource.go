package store

import "context"

// ResourceType is the kind of a stored file (the Turms StorageResourceType
// numbers).
type ResourceType int32

const (
	ResourceUserPicture       ResourceType = 0
	ResourceGroupPicture      ResourceType = 1
	ResourceMessageAttachment ResourceType = 2
)

// Resource describes an uploaded file; the bytes live in the file store.
type Resource struct {
	Type       ResourceType
	Key        string
	UploaderID int64
	// UserID and GroupID are the conversation of a message attachment:
	// the peer, or the group.
	UserID, GroupID int64
	Name            string
	MediaType       string
	Size            int64
	CreationDate    int64
}

// ResourceFilter selects message attachments. Zero fields match all.
type ResourceFilter struct {
	UploaderID int64
	// UserIDs and GroupIDs limit the conversations.
	UserIDs, GroupIDs []int64
	// Private selects private (true) or group (false) attachments.
	Private                *bool
	CreatedFrom, CreatedTo int64
	// SharedWithUser and SharedWithGroups select attachments shared with
	// that user or those groups (besides their own conversation).
	SharedWithUser   int64
	SharedWithGroups []int64
}

// ResourceRepo stores what hermod knows of uploaded files.
type ResourceRepo interface {
	// Put records a resource, replacing one with the same type and key.
	Put(ctx context.Context, r *Resource) error
	// Get returns a resource, or ErrNotFound.
	Get(ctx context.Context, t ResourceType, key string) (*Resource, error)
	// Delete forgets a resource and its shares. ErrNotFound if unknown.
	Delete(ctx context.Context, t ResourceType, key string) error
	// List returns the matching message attachments, newest first.
	List(ctx context.Context, f ResourceFilter) ([]Resource, error)
	// Share shares a resource with a user or a group (one of them non-zero).
	Share(ctx context.Context, t ResourceType, key string, userID, groupID int64) error
	// Unshare takes a share back.
	Unshare(ctx context.Context, t ResourceType, key string, userID, groupID int64) error
	// SharedWith reports whether the resource is shared with the user or
	// one of the groups.
	SharedWith(ctx context.Context, t ResourceType, key string, userID int64, groupIDs []int64) (bool, error)
}
