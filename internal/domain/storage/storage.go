// Package storage keeps users' files: profile pictures, group pictures
// and message attachments. Clients ask (over their protocol) for an upload
// or download URL; the URLs point at hermod's own HTTP file listener and
// carry an HMAC signature that expires, so the listener needs no session.
// Files live under <data_dir>/files; what is known of them lives in the
// store.
package storage

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"hermod/internal/domain"
	"hermod/internal/idgen"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Options are the storage rules.
type Options struct {
	// Dir is where files are kept.
	Dir string
	// PublicURL is the base URL clients reach the file listener at.
	PublicURL string
	// URLTTLMillis is how long a signed URL stays valid.
	URLTTLMillis int64
	// MaxFileBytes and MaxPictureBytes cap an attachment and a picture.
	MaxFileBytes, MaxPictureBytes int64
	// AllowedMediaTypes lists the media types attachments may have
	// ("image/*" matches a family); empty allows all. Pictures must be
	// images.
	AllowedMediaTypes []string
	// Key signs URLs; empty generates one (URLs then die with the process).
	Key []byte
}

// DefaultOptions returns hermod's defaults.
func DefaultOptions() Options {
	return Options{URLTTLMillis: 5 * 60 * 1000, MaxFileBytes: 10 << 20, MaxPictureBytes: 1 << 20}
}

// Groups answers group questions for attachments and group pictures.
type Groups interface {
	MayUpdateInfo(ctx context.Context, groupID, userID int64) error
	IsMember(ctx context.Context, groupID, userID int64) (bool, error)
	Role(ctx context.Context, groupID, userID int64) (int32, bool, error)
	JoinedIDs(ctx context.Context, userID int64) ([]int64, error)
}

// Relations tells whether a user blocked another.
type Relations interface {
	IsBlocked(ctx context.Context, ownerID, relatedID int64) (bool, error)
}

// Service is the storage service.
type Service struct {
	st     store.Store
	ids    *idgen.Generator
	groups Groups
	rel    Relations
	opts   Options
}

// New returns the storage service.
func New(st store.Store, ids *idgen.Generator, groups Groups, rel Relations, opts Options) (*Service, error) {
	if len(opts.Key) == 0 {
		opts.Key = make([]byte, 32)
		rand.Read(opts.Key)
	}
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	for _, b := range buckets {
		if err := os.MkdirAll(filepath.Join(opts.Dir, b), 0o750); err != nil {
			return nil, err
		}
	}
	return &Service{st: st, ids: ids, groups: groups, rel: rel, opts: opts}, nil
}

// buckets name each resource type in URLs, as the Turms client SDKs do.
var buckets = []string{"user-profile-picture", "group-profile-picture", "message-attachment"}

func bucketOf(t store.ResourceType) (string, bool) {
	if t < 0 || int(t) >= len(buckets) {
		return "", false
	}
	return buckets[t], true
}

func typeOf(bucket string) (store.ResourceType, bool) {
	for i, b := range buckets {
		if b == bucket {
			return store.ResourceType(i), true
		}
	}
	return 0, false
}

// policy is what a signed upload form allows.
type policy struct {
	Type      store.ResourceType `json:"t"`
	Key       string             `json:"k"`
	Uploader  int64              `json:"u"`
	UserID    int64              `json:"p,omitempty"`
	GroupID   int64              `json:"g,omitempty"`
	Name      string             `json:"n,omitempty"`
	MediaType string             `json:"m,omitempty"`
	MaxBytes  int64              `json:"x"`
	// Size is the exact size of an upload slot's file (slot.go).
	Size    int64 `json:"s,omitempty"`
	Expires int64 `json:"e"`
}

func (s *Service) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.opts.Key)
	m.Write([]byte(strings.Join(parts, "\n")))
	return hex.EncodeToString(m.Sum(nil))
}

// Request names a resource as a Turms storage request does: the type and
// an id (number or string).
type Request struct {
	Type      store.ResourceType
	IDNum     *int64
	IDStr     *string
	Name      string
	MediaType string
}

func (q Request) key() (string, error) {
	switch {
	case q.IDStr != nil && *q.IDStr != "":
		return *q.IDStr, nil
	case q.IDNum != nil:
		return strconv.FormatInt(*q.IDNum, 10), nil
	}
	return "", domain.Errorf(status.IllegalArgument, "the resource needs an id")
}

// UploadInfo authorizes an upload and returns the form fields a client
// posts with the file: "url" (where to post), "id" (the resource key) and
// the signed policy.
func (s *Service) UploadInfo(ctx context.Context, r domain.Requester, q Request) (map[string]string, error) {
	p := policy{Type: q.Type, Uploader: r.UserID, Name: q.Name, MediaType: q.MediaType, MaxBytes: s.opts.MaxPictureBytes,
		Expires: domain.Now() + s.opts.URLTTLMillis}
	switch q.Type {
	case store.ResourceUserPicture:
		p.Key = strconv.FormatInt(r.UserID, 10)
	case store.ResourceGroupPicture:
		if q.IDNum == nil {
			return nil, domain.Errorf(status.IllegalArgument, "a group picture needs the group id")
		}
		if err := s.groups.MayUpdateInfo(ctx, *q.IDNum, r.UserID); err != nil {
			return nil, err
		}
		p.Key, p.GroupID = strconv.FormatInt(*q.IDNum, 10), *q.IDNum
	case store.ResourceMessageAttachment:
		if q.IDNum == nil || *q.IDNum == 0 {
			return nil, domain.Errorf(status.IllegalArgument, "an attachment needs a user id, or a negated group id")
		}
		if id := *q.IDNum; id > 0 {
			blocked, err := s.rel.IsBlocked(ctx, id, r.UserID)
			if err != nil {
				return nil, err
			}
			if blocked {
				return nil, domain.Refuse(status.NotFriendToUploadMessageAttachmentInPrivateConversation)
			}
			p.UserID = id
		} else {
			ok, err := s.groups.IsMember(ctx, -id, r.UserID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, domain.Refuse(status.NotGroupMemberToUploadMessageAttachmentInGroupConversation)
			}
			p.GroupID = -id
		}
		p.Key, p.MaxBytes = strconv.FormatInt(s.ids.Next(), 10), s.opts.MaxFileBytes
	default:
		return nil, domain.Errorf(status.IllegalArgument, "unknown resource type %d", q.Type)
	}
	if q.MediaType != "" && !s.allowed(q.Type, q.MediaType) {
		return nil, domain.Errorf(status.IllegalArgument, "media type %q is not allowed", q.MediaType)
	}
	b, _ := json.Marshal(p)
	enc := base64.RawURLEncoding.EncodeToString(b)
	bucket, _ := bucketOf(q.Type)
	return map[string]string{
		"url": s.opts.PublicURL + "/" + bucket, "id": p.Key, "policy": enc, "signature": s.sign("upload", enc),
	}, nil
}

// allowed reports whether a file of mediaType may be stored as t.
func (s *Service) allowed(t store.ResourceType, mediaType string) bool {
	mediaType = strings.ToLower(strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]))
	if t != store.ResourceMessageAttachment {
		return strings.HasPrefix(mediaType, "image/")
	}
	if len(s.opts.AllowedMediaTypes) == 0 {
		return true
	}
	for _, a := range s.opts.AllowedMediaTypes {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == mediaType || (strings.HasSuffix(a, "/*") && strings.HasPrefix(mediaType, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// DownloadInfo returns a URL to fetch a resource: pictures are public;
// an attachment is for its uploader, its conversation and those it was
// shared with, through a signed URL that expires.
func (s *Service) DownloadInfo(ctx context.Context, r domain.Requester, q Request) (string, error) {
	key, err := q.key()
	if err != nil {
		return "", err
	}
	bucket, ok := bucketOf(q.Type)
	if !ok {
		return "", domain.Errorf(status.IllegalArgument, "unknown resource type %d", q.Type)
	}
	if q.Type != store.ResourceMessageAttachment {
		return s.opts.PublicURL + "/" + bucket + "/" + key, nil
	}
	res, err := s.st.Resources().Get(ctx, q.Type, key)
	if errors.Is(err, store.ErrNotFound) {
		return "", domain.Refuse(status.NotUploaderOrSharedWithUserToDownloadMessageAttachment)
	}
	if err != nil {
		return "", err
	}
	if ok, err := s.mayRead(ctx, r.UserID, res); err != nil || !ok {
		if err == nil {
			err = domain.Refuse(status.NotUploaderOrSharedWithUserToDownloadMessageAttachment)
		}
		return "", err
	}
	exp := strconv.FormatInt(domain.Now()+s.opts.URLTTLMillis, 10)
	return s.opts.PublicURL + "/" + bucket + "/" + key + "?expires=" + exp + "&signature=" + s.sign("get", bucket, key, exp), nil
}

// mayRead reports whether userID may fetch an attachment.
func (s *Service) mayRead(ctx context.Context, userID int64, res *store.Resource) (bool, error) {
	if res.UploaderID == userID || (res.GroupID == 0 && res.UserID == userID) {
		return true, nil
	}
	if res.GroupID != 0 {
		if ok, err := s.groups.IsMember(ctx, res.GroupID, userID); err != nil || ok {
			return ok, err
		}
	}
	groups, err := s.groups.JoinedIDs(ctx, userID)
	if err != nil {
		return false, err
	}
	return s.st.Resources().SharedWith(ctx, res.Type, res.Key, userID, groups)
}

func (s *Service) path(t store.ResourceType, key string) string {
	bucket, _ := bucketOf(t)
	return filepath.Join(s.opts.Dir, bucket, key)
}

// Delete removes a resource: one's own picture, a group's picture (under
// the group's info rules), or an attachment (its uploader, or in a group
// also the owner and managers).
func (s *Service) Delete(ctx context.Context, r domain.Requester, q Request) error {
	key, err := q.key()
	switch q.Type {
	case store.ResourceUserPicture:
		key, err = strconv.FormatInt(r.UserID, 10), nil
	case store.ResourceGroupPicture:
		if q.IDNum == nil {
			return domain.Errorf(status.IllegalArgument, "a group picture needs the group id")
		}
		if err := s.groups.MayUpdateInfo(ctx, *q.IDNum, r.UserID); err != nil {
			return err
		}
	case store.ResourceMessageAttachment:
		if err != nil {
			return err
		}
		res, err := s.st.Resources().Get(ctx, q.Type, key)
		if errors.Is(err, store.ErrNotFound) {
			return domain.Refuse(status.ResourceNotFound)
		}
		if err != nil {
			return err
		}
		if res.UploaderID != r.UserID {
			if res.GroupID == 0 {
				return domain.Refuse(status.NotUploaderToDeleteMessageAttachmentInPrivateConversation)
			}
			role, member, err := s.groups.Role(ctx, res.GroupID, r.UserID)
			if err != nil {
				return err
			}
			if !member || role > 1 {
				return domain.Refuse(status.NotUploaderOrGroupManagerToDeleteMessageAttachmentInGroupConversation)
			}
		}
	default:
		return domain.Errorf(status.IllegalArgument, "unknown resource type %d", q.Type)
	}
	if err != nil {
		return err
	}
	if err := s.st.Resources().Delete(ctx, q.Type, key); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err := os.Remove(s.path(q.Type, key)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Share shares an attachment with a user or a group, or takes a share
// back (unshare). Only its uploader shares; in a group, the owner and
// managers may also unshare.
func (s *Service) Share(ctx context.Context, r domain.Requester, key string, userID, groupID int64, unshare bool) error {
	res, err := s.st.Resources().Get(ctx, store.ResourceMessageAttachment, key)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Refuse(status.ResourceNotFound)
	}
	if err != nil {
		return err
	}
	if res.UploaderID != r.UserID {
		switch {
		case !unshare:
			return domain.Refuse(status.NotUploaderToShareMessageAttachment)
		case res.GroupID == 0:
			return domain.Refuse(status.NotUploaderToUnshareMessageAttachmentInPrivateConversation)
		}
		role, member, err := s.groups.Role(ctx, res.GroupID, r.UserID)
		if err != nil {
			return err
		}
		if !member || role > 1 {
			return domain.Refuse(status.NotUploaderOrGroupManagerToUnshareMessageAttachmentInGroupConversation)
		}
	}
	if unshare {
		return s.st.Resources().Unshare(ctx, res.Type, key, userID, groupID)
	}
	return s.st.Resources().Share(ctx, res.Type, key, userID, groupID)
}

// AttachmentQuery selects attachment infos.
type AttachmentQuery struct {
	UserIDs, GroupIDs      []int64
	CreatedFrom, CreatedTo int64
	// Private selects private (true) or group (false) conversations.
	Private *bool
	// SharedByMe selects what the requester uploaded; otherwise what
	// others shared with them.
	SharedByMe bool
}

// Attachments lists attachment infos for userID.
func (s *Service) Attachments(ctx context.Context, userID int64, q AttachmentQuery) ([]store.Resource, error) {
	f := store.ResourceFilter{UserIDs: q.UserIDs, GroupIDs: q.GroupIDs, Private: q.Private, CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo}
	var out []store.Resource
	if q.SharedByMe {
		f.UploaderID = userID
		rs, err := s.st.Resources().List(ctx, f)
		if err != nil {
			return nil, err
		}
		out = rs
	} else {
		for _, g := range q.GroupIDs {
			ok, err := s.groups.IsMember(ctx, g, userID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, domain.Refuse(status.NotGroupMemberToQueryMessageAttachmentInfoInGroupConversation)
			}
		}
		private, group := q.Private == nil || *q.Private, q.Private == nil || !*q.Private
		if private && len(q.GroupIDs) == 0 {
			// Sent to me in private conversations, by the given users.
			rs, err := s.st.Resources().List(ctx, store.ResourceFilter{UserIDs: []int64{userID}, Private: ptr(true),
				CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo})
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if len(q.UserIDs) == 0 || contains(q.UserIDs, r.UploaderID) {
					out = append(out, r)
				}
			}
		}
		if group && len(q.UserIDs) == 0 {
			groups := q.GroupIDs
			if len(groups) == 0 {
				ids, err := s.groups.JoinedIDs(ctx, userID)
				if err != nil {
					return nil, err
				}
				groups = ids
			}
			if len(groups) > 0 {
				rs, err := s.st.Resources().List(ctx, store.ResourceFilter{GroupIDs: groups, Private: ptr(false),
					CreatedFrom: q.CreatedFrom, CreatedTo: q.CreatedTo})
				if err != nil {
					return nil, err
				}
				out = append(out, rs...)
			}
		}
	}
	if len(out) == 0 {
		return nil, domain.Refuse(status.NoContent)
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
