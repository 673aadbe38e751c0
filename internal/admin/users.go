package admin

import (
	"encoding/json"
	"net/http"
	"strconv"

	"hermod/internal/domain"
	"hermod/internal/domain/user"
	"hermod/internal/status"
	"hermod/internal/store"
)

// User is an account as the API shows it; credentials never leave.
type User struct {
	ID               int64  `json:"id"`
	LoginName        string `json:"login_name,omitempty"`
	Name             string `json:"name"`
	Intro            string `json:"intro,omitempty"`
	ProfilePicture   string `json:"profile_picture,omitempty"`
	Active           bool   `json:"active"`
	RegistrationDate int64  `json:"registration_date"`
	LastUpdatedDate  int64  `json:"last_updated_date"`
}

// NewUser is the body of POST /v1/users.
type NewUser struct {
	ID             int64  `json:"id"`
	Password       string `json:"password"`
	Name           string `json:"name"`
	LoginName      string `json:"login_name"`
	Intro          string `json:"intro"`
	ProfilePicture string `json:"profile_picture"`
}

func userJSON(u *store.User) User {
	return User{
		ID: u.ID, LoginName: u.LoginName, Name: u.Name, Intro: u.Intro, ProfilePicture: u.ProfilePicture,
		Active: u.Active, RegistrationDate: u.RegistrationDate, LastUpdatedDate: u.LastUpdatedDate,
	}
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	var nu NewUser
	if !decode(w, r, &nu) {
		return
	}
	u, err := s.opts.Users.Add(r.Context(), user.NewUser{
		ID: nu.ID, Password: nu.Password, Name: nu.Name, LoginName: nu.LoginName,
		Intro: nu.Intro, ProfilePicture: nu.ProfilePicture,
	})
	if err != nil {
		writeDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, userJSON(u))
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	us, err := s.opts.Users.List(r.Context(), after, limit)
	if err != nil {
		writeDomainError(w, err)
		return
	}
	out := struct {
		Users []User `json:"users"`
	}{Users: make([]User, len(us))}
	for i := range us {
		out.Users[i] = userJSON(&us[i])
	}
	writeJSON(w, http.StatusOK, out)
}

func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, int32(status.IllegalArgument), "the user id must be a positive integer")
		return 0, false
	}
	return id, true
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	u, err := s.opts.Users.Get(r.Context(), id)
	if err != nil {
		writeDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, userJSON(u))
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var body struct {
		Password string `json:"password"`
	}
	if !decode(w, r, &body) {
		return
	}
	if err := s.opts.Users.SetPassword(r.Context(), id, body.Password); err != nil {
		writeDomainError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) setActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		if err := s.opts.Users.SetActive(r.Context(), id, active); err != nil {
			writeDomainError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, int32(status.IllegalArgument), "bad JSON: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, httpCode int, code int32, msg string) {
	writeJSON(w, httpCode, map[string]any{"error": msg, "code": code})
}

// writeDomainError maps a domain refusal to an HTTP status.
func writeDomainError(w http.ResponseWriter, err error) {
	code := domain.CodeOf(err)
	httpCode := http.StatusBadRequest
	switch code {
	case status.ResourceNotFound, status.UpdateInfoOfNonexistentUser:
		httpCode = http.StatusNotFound
	case status.DuplicateResource:
		httpCode = http.StatusConflict
	case status.ServerInternalError:
		httpCode = http.StatusInternalServerError
	}
	writeError(w, httpCode, int32(code), err.Error())
}

// NewUsers is the body of POST /v1/users/batch: Count accounts with ids
// from FirstID, all with Password, named NamePrefix+id.
type NewUsers struct {
	FirstID      int64  `json:"first_id"`
	Count        int    `json:"count"`
	Password     string `json:"password"`
	NamePrefix   string `json:"name_prefix"`
	SkipExisting bool   `json:"skip_existing"`
}

// BatchResult is the answer to POST /v1/users/batch.
type BatchResult struct {
	Created int   `json:"created"`
	Skipped int   `json:"skipped"`
	FirstID int64 `json:"first_id"`
	LastID  int64 `json:"last_id"`
}

func (s *Server) addUsers(w http.ResponseWriter, r *http.Request) {
	var nu NewUsers
	if !decode(w, r, &nu) {
		return
	}
	created, skipped, err := s.opts.Users.AddBatch(r.Context(), user.Batch{
		FirstID: nu.FirstID, Count: nu.Count, Password: nu.Password, NamePrefix: nu.NamePrefix, SkipExisting: nu.SkipExisting,
	})
	if err != nil {
		writeDomainError(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, BatchResult{Created: created, Skipped: skipped, FirstID: nu.FirstID, LastID: nu.FirstID + int64(nu.Count) - 1})
}
