package storage

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// An upload slot is the HTTP file upload of XMPP (XEP-0363): the client
// asks for a slot naming the file, its size and media type, PUTs the file
// to the slot's PUT URL and shares the GET URL in a message. The file is a
// message attachment of the store like one a Turms client uploads, with no
// conversation: an XMPP upload does not say whom the file is for.
//
// The PUT URL carries a signed policy that expires after URLTTLMillis and
// allows exactly the requested size. The GET URL must keep working for as
// long as the message that carries it is read, by anyone the message
// reaches (recipients, room occupants, other servers' users): it is a
// capability, signed without expiry. Knowing the URL is the permission to
// read the file, as with every XEP-0363 service (its section 13 says
// so); deleting the attachment (a Turms DeleteResource) revokes it.

// FileTooLarge refuses a slot for a file over the size limit.
type FileTooLarge struct{ Max int64 }

func (e *FileTooLarge) Error() string {
	return fmt.Sprintf("the file exceeds the limit of %d bytes", e.Max)
}

// Slot is where to PUT a file and where it will be fetched from.
type Slot struct {
	PutURL, GetURL string
	// ContentType is the media type the PUT must declare ("" when the
	// client gave none).
	ContentType string
}

// maxNameBytes caps a file name.
const maxNameBytes = 255

// MaxFileBytes is the largest attachment, as upload services announce it.
func (s *Service) MaxFileBytes() int64 { return s.opts.MaxFileBytes }

// UploadSlot authorizes an upload of one file of exactly size bytes.
func (s *Service) UploadSlot(ctx context.Context, r domain.Requester, name string, size int64, mediaType string) (*Slot, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, domain.Errorf(status.IllegalArgument, "the size must be a positive number of bytes")
	}
	if size > s.opts.MaxFileBytes {
		return nil, &FileTooLarge{Max: s.opts.MaxFileBytes}
	}
	mediaType = strings.TrimSpace(mediaType)
	check := mediaType
	if check == "" {
		check = "application/octet-stream"
	}
	if !s.allowed(store.ResourceMessageAttachment, check) {
		return nil, domain.Errorf(status.IllegalArgument, "media type %q is not allowed", check)
	}
	p := policy{
		Type: store.ResourceMessageAttachment, Key: strconv.FormatInt(s.ids.Next(), 10), Uploader: r.UserID,
		Name: name, MediaType: mediaType, MaxBytes: size, Size: size, Expires: domain.Now() + s.opts.URLTTLMillis,
	}
	b, _ := json.Marshal(p)
	enc := base64.RawURLEncoding.EncodeToString(b)
	bucket, _ := bucketOf(p.Type)
	path := s.opts.PublicURL + "/" + bucket + "/" + p.Key + "/" + url.PathEscape(name)
	return &Slot{
		PutURL:      path + "?policy=" + enc + "&signature=" + s.sign("put", enc),
		GetURL:      path + "?share=" + s.sign("share", bucket, p.Key),
		ContentType: mediaType,
	}, nil
}

// checkName accepts a file name to appear in URLs and listings: one path
// segment of printable characters.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return domain.Errorf(status.IllegalArgument, "the file needs a name")
	case len(name) > maxNameBytes:
		return domain.Errorf(status.IllegalArgument, "the file name exceeds %d bytes", maxNameBytes)
	case !utf8.ValidString(name):
		return domain.Errorf(status.IllegalArgument, "the file name is not UTF-8")
	case strings.ContainsAny(name, `/\`):
		return domain.Errorf(status.IllegalArgument, "the file name contains a slash")
	}
	for _, c := range name {
		if !unicode.IsPrint(c) && c != ' ' {
			return domain.Errorf(status.IllegalArgument, "the file name contains a control character")
		}
	}
	return nil
}
