package storage

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"hermod/internal/domain"
	"hermod/internal/store"
)

// Handler serves the file listener: POST /<bucket> takes a multipart
// upload signed by UploadInfo; GET /<bucket>/<key> returns a picture, or
// an attachment with a valid signature. PUT and GET
// /<bucket>/<key>/<name> are the URLs of upload slots (slot.go).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /{bucket}", s.upload)
	mux.HandleFunc("GET /{bucket}/{key}", s.download)
	mux.HandleFunc("PUT /{bucket}/{key}/{name}", s.putSlot)
	mux.HandleFunc("GET /{bucket}/{key}/{name}", s.getShared)
	mux.HandleFunc("OPTIONS /{bucket}/{key}/{name}", s.preflight)
	return mux
}

// formOverhead is room for the form fields around the file.
const formOverhead = 64 << 10

func (s *Service) upload(w http.ResponseWriter, r *http.Request) {
	t, ok := typeOf(r.PathValue("bucket"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	limit := max(s.opts.MaxFileBytes, s.opts.MaxPictureBytes)
	r.Body = http.MaxBytesReader(w, r.Body, limit+formOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, "a multipart form is required", http.StatusBadRequest)
		return
	}
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err != nil {
			http.Error(w, "no file in the form", http.StatusBadRequest)
			return
		}
		if part.FormName() != "file" {
			b, err := io.ReadAll(io.LimitReader(part, 8<<10))
			if err != nil {
				http.Error(w, "bad form", http.StatusBadRequest)
				return
			}
			fields[part.FormName()] = string(b)
			continue
		}
		p, code, msg := s.checkPolicy(t, fields)
		if code != 0 {
			http.Error(w, msg, code)
			return
		}
		s.store(w, r, p, fields, part)
		return
	}
}

// checkPolicy verifies the signed policy of an upload form.
func (s *Service) checkPolicy(t store.ResourceType, fields map[string]string) (*policy, int, string) {
	enc := fields["policy"]
	if !hmac.Equal([]byte(s.sign("upload", enc)), []byte(fields["signature"])) {
		return nil, http.StatusForbidden, "bad signature"
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	var p policy
	if err != nil || json.Unmarshal(b, &p) != nil {
		return nil, http.StatusBadRequest, "bad policy"
	}
	switch {
	case p.Type != t:
		return nil, http.StatusForbidden, "the policy is for another bucket"
	case fields["key"] != "" && fields["key"] != p.Key:
		return nil, http.StatusForbidden, "the policy is for another key"
	case p.Expires < domain.Now():
		return nil, http.StatusForbidden, "the upload URL has expired"
	}
	return &p, 0, ""
}

// store writes the file part, within the policy's size and the media type
// rules, then records the resource.
func (s *Service) store(w http.ResponseWriter, r *http.Request, p *policy, fields map[string]string, part *multipart.Part) {
	mediaType := fields["Content-Type"]
	if mediaType == "" {
		mediaType = part.Header.Get("Content-Type")
	}
	if p.MediaType != "" {
		mediaType = p.MediaType
	}
	if mediaType == "" || mediaType == "application/octet-stream" && p.Type != store.ResourceMessageAttachment {
		mediaType = "application/octet-stream"
	}
	if !s.allowed(p.Type, mediaType) {
		http.Error(w, "media type "+mediaType+" is not allowed", http.StatusUnsupportedMediaType)
		return
	}
	n, code, msg := s.save(p, part)
	if code != 0 {
		http.Error(w, msg, code)
		return
	}
	name := p.Name
	if name == "" {
		name = part.FileName()
	}
	res := &store.Resource{
		Type: p.Type, Key: p.Key, UploaderID: p.Uploader, UserID: p.UserID, GroupID: p.GroupID,
		Name: name, MediaType: mediaType, Size: n, CreationDate: domain.Now(),
	}
	if err := s.st.Resources().Put(r.Context(), res); err != nil {
		http.Error(w, "cannot record the file", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, p.Key)
}

// save writes a file of at most p.MaxBytes under p's key: a temporary
// file renamed into place once complete, so that a reader never sees half
// a file. It returns the size, or an HTTP status and message.
func (s *Service) save(p *policy, r io.Reader) (int64, int, string) {
	final := s.path(p.Type, p.Key)
	tmp, err := os.CreateTemp(filepath.Dir(final), ".upload-*")
	if err != nil {
		return 0, http.StatusInternalServerError, "cannot store the file"
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, io.LimitReader(r, p.MaxBytes+1))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	var tooBig *http.MaxBytesError
	switch {
	case n > p.MaxBytes || errors.As(err, &tooBig):
		return 0, http.StatusRequestEntityTooLarge, "the file exceeds " + strconv.FormatInt(p.MaxBytes, 10) + " bytes"
	case err != nil:
		return 0, http.StatusBadRequest, "cannot store the file"
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return 0, http.StatusInternalServerError, "cannot store the file"
	}
	return n, 0, ""
}

func (s *Service) download(w http.ResponseWriter, r *http.Request) {
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	t, ok := typeOf(bucket)
	if !ok || key == "" || strings.ContainsAny(key, `/\`) || strings.HasPrefix(key, ".") {
		http.NotFound(w, r)
		return
	}
	if t == store.ResourceMessageAttachment {
		exp := r.URL.Query().Get("expires")
		e, err := strconv.ParseInt(exp, 10, 64)
		if err != nil || e < domain.Now() || !hmac.Equal([]byte(s.sign("get", bucket, key, exp)), []byte(r.URL.Query().Get("signature"))) {
			http.Error(w, "the URL is not signed or has expired", http.StatusForbidden)
			return
		}
	}
	s.serve(w, r, t, key)
}

// serve sends a stored file with its media type, in a sandbox: a file is
// never a page of the listener's origin.
func (s *Service) serve(w http.ResponseWriter, r *http.Request, t store.ResourceType, key string) {
	f, err := os.Open(s.path(t, key))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.NotFound(w, r)
		return
	}
	if res, err := s.st.Resources().Get(r.Context(), t, key); err == nil && res.MediaType != "" {
		w.Header().Set("Content-Type", res.MediaType)
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, r, "", fi.ModTime(), f)
}
