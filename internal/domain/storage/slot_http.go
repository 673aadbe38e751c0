package storage

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"os"
	"strconv"
	"strings"

	"hermod/internal/domain"
	"hermod/internal/store"
)

// allowCORS lets browser clients (Converse.js) PUT and GET slot URLs from
// their own origin: the URLs are the credentials, so any origin may use
// them.
func allowCORS(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Access-Control-Allow-Methods", "GET, HEAD, PUT, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
}

func (s *Service) preflight(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	w.WriteHeader(http.StatusNoContent)
}

// slotPolicy verifies the signed policy of a PUT URL for bucket, key and
// name.
func (s *Service) slotPolicy(r *http.Request) (*policy, int, string) {
	q := r.URL.Query()
	enc := q.Get("policy")
	if !hmac.Equal([]byte(s.sign("put", enc)), []byte(q.Get("signature"))) {
		return nil, http.StatusForbidden, "bad signature"
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	var p policy
	if err != nil || json.Unmarshal(b, &p) != nil {
		return nil, http.StatusBadRequest, "bad policy"
	}
	t, ok := typeOf(r.PathValue("bucket"))
	switch {
	case !ok || p.Type != t || p.Key != r.PathValue("key") || p.Name != r.PathValue("name") || p.Size <= 0:
		return nil, http.StatusForbidden, "the URL is for another file"
	case p.Expires < domain.Now():
		return nil, http.StatusForbidden, "the upload URL has expired"
	}
	return &p, 0, ""
}

// putSlot takes the file of an upload slot: exactly the size asked for,
// with the media type asked for (XEP-0363 section 4).
func (s *Service) putSlot(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	p, code, msg := s.slotPolicy(r)
	if code != 0 {
		http.Error(w, msg, code)
		return
	}
	if r.ContentLength >= 0 && r.ContentLength != p.Size {
		http.Error(w, "the slot is for "+strconv.FormatInt(p.Size, 10)+" bytes", http.StatusRequestEntityTooLarge)
		return
	}
	mediaType := p.MediaType
	if ct := r.Header.Get("Content-Type"); ct != "" && mediaType != "" && !sameMediaType(ct, mediaType) {
		http.Error(w, "the slot is for "+mediaType, http.StatusUnsupportedMediaType)
		return
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	if _, err := s.st.Resources().Get(r.Context(), p.Type, p.Key); err == nil {
		http.Error(w, "the file was uploaded already", http.StatusConflict)
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		http.Error(w, "cannot look the file up", http.StatusInternalServerError)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.Size)
	n, code, msg := s.save(p, r.Body)
	if code != 0 {
		http.Error(w, msg, code)
		return
	}
	if n != p.Size {
		s.removeFile(p.Type, p.Key)
		http.Error(w, "the slot is for "+strconv.FormatInt(p.Size, 10)+" bytes", http.StatusBadRequest)
		return
	}
	res := &store.Resource{
		Type: p.Type, Key: p.Key, UploaderID: p.Uploader, Name: p.Name, MediaType: mediaType, Size: n, CreationDate: domain.Now(),
	}
	if err := s.st.Resources().Put(r.Context(), res); err != nil {
		s.removeFile(p.Type, p.Key)
		http.Error(w, "cannot record the file", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusCreated)
}

// getShared serves a slot's GET URL: the share signature is the
// capability to read the file (slot.go).
func (s *Service) getShared(w http.ResponseWriter, r *http.Request) {
	allowCORS(w)
	bucket, key := r.PathValue("bucket"), r.PathValue("key")
	t, ok := typeOf(bucket)
	if !ok || key == "" || strings.ContainsAny(key, `/\`) || strings.HasPrefix(key, ".") {
		http.NotFound(w, r)
		return
	}
	if !hmac.Equal([]byte(s.sign("share", bucket, key)), []byte(r.URL.Query().Get("share"))) {
		http.Error(w, "the URL is not signed", http.StatusForbidden)
		return
	}
	if _, err := s.st.Resources().Get(r.Context(), t, key); err != nil {
		// Deleted (or never uploaded): the capability is gone with it.
		http.NotFound(w, r)
		return
	}
	s.serve(w, r, t, key)
}

// sameMediaType compares media types without their parameters.
func sameMediaType(a, b string) bool {
	ma, _, errA := mime.ParseMediaType(a)
	mb, _, errB := mime.ParseMediaType(b)
	return errA == nil && errB == nil && ma == mb
}

// removeFile deletes a stored file that was not recorded.
func (s *Service) removeFile(t store.ResourceType, key string) {
	os.Remove(s.path(t, key))
}
