package storage

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Picture is a stored user profile picture.
type Picture struct {
	Data      []byte
	MediaType string
}

// PictureURL is where a user's stored profile picture is served, the URL
// a Turms client puts in its profile after uploading one.
func (s *Service) PictureURL(userID int64) string {
	return s.opts.PublicURL + "/" + buckets[store.ResourceUserPicture] + "/" + strconv.FormatInt(userID, 10)
}

// PictureStamp returns a token that changes whenever userID's stored
// picture does (its size and modification time), so that what is derived
// from the picture can be cached; false when there is none.
func (s *Service) PictureStamp(userID int64) (string, bool) {
	fi, err := os.Stat(s.path(store.ResourceUserPicture, strconv.FormatInt(userID, 10)))
	if err != nil {
		return "", false
	}
	return strconv.FormatInt(fi.Size(), 10) + "/" + strconv.FormatInt(fi.ModTime().UnixNano(), 10), true
}

// UserPicture returns userID's stored picture; ResourceNotFound when
// there is none.
func (s *Service) UserPicture(ctx context.Context, userID int64) (*Picture, error) {
	return s.picture(ctx, store.ResourceUserPicture, strconv.FormatInt(userID, 10))
}

// GroupPicture returns a group's stored picture (an XMPP room's avatar);
// ResourceNotFound when there is none.
func (s *Service) GroupPicture(ctx context.Context, groupID int64) (*Picture, error) {
	return s.picture(ctx, store.ResourceGroupPicture, strconv.FormatInt(groupID, 10))
}

func (s *Service) picture(ctx context.Context, t store.ResourceType, key string) (*Picture, error) {
	f, err := os.Open(s.path(t, key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, domain.Refuse(status.ResourceNotFound)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.opts.MaxPictureBytes+1))
	if err != nil {
		return nil, err
	}
	p := &Picture{Data: data}
	if res, err := s.st.Resources().Get(ctx, t, key); err == nil && res.MediaType != "" {
		p.MediaType = res.MediaType
	} else {
		p.MediaType = http.DetectContentType(data)
	}
	return p, nil
}

// PutUserPicture stores a picture as userID's, as an upload through the
// file listener would (XMPP clients send avatars in stanzas), within the
// picture size limit, and returns its URL.
func (s *Service) PutUserPicture(ctx context.Context, userID int64, mediaType string, data []byte) (string, error) {
	if int64(len(data)) > s.opts.MaxPictureBytes {
		return "", domain.Errorf(status.IllegalArgument, "the picture exceeds %d bytes", s.opts.MaxPictureBytes)
	}
	if mediaType == "" {
		mediaType = http.DetectContentType(data)
	}
	if !s.allowed(store.ResourceUserPicture, mediaType) {
		return "", domain.Errorf(status.IllegalArgument, "media type %q is not an image", mediaType)
	}
	key := strconv.FormatInt(userID, 10)
	final := s.path(store.ResourceUserPicture, key)
	tmp, err := os.CreateTemp(filepath.Dir(final), ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		return "", err
	}
	res := &store.Resource{
		Type: store.ResourceUserPicture, Key: key, UploaderID: userID, Name: "avatar",
		MediaType: strings.ToLower(mediaType), Size: int64(len(data)), CreationDate: domain.Now(),
	}
	if err := s.st.Resources().Put(ctx, res); err != nil {
		return "", err
	}
	return s.PictureURL(userID), nil
}

// DeleteUserPicture removes userID's stored picture, if any.
func (s *Service) DeleteUserPicture(ctx context.Context, userID int64) error {
	return s.Delete(ctx, domain.Requester{UserID: userID}, Request{Type: store.ResourceUserPicture})
}
