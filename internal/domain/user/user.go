// Package user manages accounts: creation, passwords, profiles and
// activation. Authentication over every protocol ends here.
package user

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"hermod/internal/cache"
	"hermod/internal/credential"
	"hermod/internal/domain"
	"hermod/internal/domain/event"
	"hermod/internal/idgen"
	"hermod/internal/status"
	"hermod/internal/store"
)

// Options are the account rules.
type Options struct {
	// Iterations is the SCRAM iteration count for new passwords.
	Iterations int
	// NotifyRelatedUsersOfProfileChange relays a profile change to the
	// user's non-blocked related users, not only their other sessions
	// (Turms: notification.user-info-updated.notify-non-blocked-related-users).
	NotifyRelatedUsersOfProfileChange bool
	MaxNameLength                     int
	MaxIntroLength                    int
	MaxProfilePictureLength           int
	// MaxAttributesBytes caps a user's user-defined attributes, as JSON.
	MaxAttributesBytes int
	// PasswordMemo is how many accounts' last verified password is
	// remembered (as a keyed hash, see credential.Memo), so that a
	// repeated password login costs no PBKDF2; 0 remembers none.
	PasswordMemo int
	// Changed, if set, is told of every account changed here, after the
	// change (a cluster tells the other nodes, which Invalidate it).
	Changed func(userID int64)
}

// DefaultOptions are Turms's defaults.
func DefaultOptions() Options {
	return Options{
		Iterations:              credential.DefaultIterations,
		MaxNameLength:           20,
		MaxIntroLength:          100,
		MaxProfilePictureLength: 100,
		MaxAttributesBytes:      4096,
		PasswordMemo:            1 << 17,
	}
}

// Service is the account service.
type Service struct {
	st   store.Store
	pub  event.Publisher
	ids  *idgen.Generator
	opts Options
	// active caches whether an existing account is active: every message
	// asks it of its recipient. Only existing accounts are kept, so a new
	// account needs no invalidation; an update invalidates its account.
	active *cache.Cache[int64, bool]
	// passwords answers repeated password logins (Turms sends the
	// password at every login).
	passwords *credential.Memo
}

// activeCacheSize bounds the accounts whose active flag is cached (a few
// MiB at most).
const activeCacheSize = 1 << 17

// New returns the account service.
func New(st store.Store, pub event.Publisher, ids *idgen.Generator, opts Options) *Service {
	return &Service{
		st: st, pub: pub, ids: ids, opts: opts,
		active:    cache.New[int64, bool](activeCacheSize),
		passwords: credential.NewMemo(opts.PasswordMemo),
	}
}

// Active reports whether the account id exists and is active, from a cache
// that Invalidate keeps current.
func (s *Service) Active(ctx context.Context, id int64) (bool, error) {
	active, err := s.active.Get(id, func() (bool, error) {
		u, err := s.st.Users().Get(ctx, id)
		if err != nil {
			return false, err
		}
		return u.Active, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return active, err
}

// Invalidate forgets what is cached about account id. Every change to an
// account made through this service calls it (and Options.Changed); in a
// cluster, a change made on another node must call it here too.
func (s *Service) Invalidate(id int64) { s.active.Invalidate(id) }

// NewUser describes an account to create.
type NewUser struct {
	// ID is the user id; 0 picks a new one.
	ID             int64
	LoginName      string
	Password       string
	Name           string
	Intro          string
	ProfilePicture string
	Attributes     []byte
	// Inactive creates the account deactivated.
	Inactive bool
}

// loginNameRE keeps login names usable as the local part of a JID and
// never confusable with a numeric id.
var loginNameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)

// ValidLoginName reports whether name may be a login name.
func ValidLoginName(name string) bool { return loginNameRE.MatchString(name) }

// Add creates an account.
func (s *Service) Add(ctx context.Context, nu NewUser) (*store.User, error) {
	if nu.ID < 0 {
		return nil, domain.Errorf(status.IllegalArgument, "user id must be positive")
	}
	nu.LoginName = strings.ToLower(nu.LoginName)
	if nu.LoginName != "" && !ValidLoginName(nu.LoginName) {
		return nil, domain.Errorf(status.IllegalArgument, "login name %q must be lower-case letters, digits, '.', '_' or '-', starting with a letter", nu.LoginName)
	}
	creds, err := credential.Derive(nu.Password, s.opts.Iterations)
	if err != nil {
		return nil, domain.Errorf(status.IllegalArgument, "%v", err)
	}
	if nu.ID == 0 {
		nu.ID = s.ids.Next()
	}
	now := domain.Now()
	u := &store.User{
		ID: nu.ID, LoginName: nu.LoginName, Name: nu.Name, Intro: nu.Intro,
		ProfilePicture: nu.ProfilePicture, Attributes: nu.Attributes,
		Active: !nu.Inactive, RegistrationDate: now, LastUpdatedDate: now,
		Credentials: creds,
	}
	if err := s.st.Users().Create(ctx, u); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return nil, domain.Errorf(status.DuplicateResource, "user id %d or login name %q is taken", nu.ID, nu.LoginName)
		}
		return nil, err
	}
	return u, nil
}

// Get returns a user, or a ResourceNotFound refusal.
func (s *Service) Get(ctx context.Context, id int64) (*store.User, error) {
	u, err := s.st.Users().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, domain.Errorf(status.ResourceNotFound, "no user %d", id)
	}
	return u, err
}

// Lookup finds a user by numeric id or by login name, as a login form or an
// XMPP localpart gives it.
func (s *Service) Lookup(ctx context.Context, idOrName string) (*store.User, error) {
	if id, ok := parseID(idOrName); ok {
		return s.Get(ctx, id)
	}
	u, err := s.st.Users().GetByLoginName(ctx, strings.ToLower(idOrName))
	if errors.Is(err, store.ErrNotFound) {
		return nil, domain.Errorf(status.ResourceNotFound, "no user %q", idOrName)
	}
	return u, err
}

func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n > 0
}

// Authenticate checks a password. An unknown user and a wrong password
// are the same refusal, so that logins cannot probe for accounts.
func (s *Service) Authenticate(ctx context.Context, id int64, password string) (*store.User, error) {
	u, err := s.st.Users().Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, domain.Refuse(status.LoginAuthenticationFailed)
	}
	if err != nil {
		return nil, err
	}
	if !s.CheckPassword(u.ID, u.Credentials, password) {
		return nil, domain.Refuse(status.LoginAuthenticationFailed)
	}
	if !u.Active {
		return nil, domain.Refuse(status.LoggingInUserNotActive)
	}
	return u, nil
}

// CheckPassword tells whether password matches account id's credentials c,
// from memory when the same password matched them before (see
// credential.Memo): a client that sends its password at every login
// (Turms, XMPP PLAIN) costs PBKDF2 only at its first.
func (s *Service) CheckPassword(id int64, c store.Credentials, password string) bool {
	return s.passwords.Verify(id, c, password)
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, id int64, password string) error {
	creds, err := credential.Derive(password, s.opts.Iterations)
	if err != nil {
		return domain.Errorf(status.IllegalArgument, "%v", err)
	}
	return s.update(ctx, id, store.UserUpdate{Credentials: &creds})
}

// SetActive activates or deactivates an account. A deactivated user's
// sessions are closed.
func (s *Service) SetActive(ctx context.Context, id int64, active bool) error {
	if err := s.update(ctx, id, store.UserUpdate{Active: &active}); err != nil {
		return err
	}
	if !active {
		s.pub.Publish(ctx, []int64{id}, &event.Event{Payload: &event.SessionKicked{
			UserID: id, CloseStatus: int32(status.CloseUserIsDeletedOrInactivated),
		}})
	}
	return nil
}

// List returns up to limit users with id > afterID.
func (s *Service) List(ctx context.Context, afterID int64, limit int) ([]store.User, error) {
	return s.st.Users().List(ctx, afterID, limit)
}

func (s *Service) update(ctx context.Context, id int64, upd store.UserUpdate) error {
	upd.LastUpdatedDate = domain.Now()
	err := s.st.Users().Update(ctx, id, upd)
	s.Invalidate(id)
	if s.opts.Changed != nil {
		s.opts.Changed(id)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return domain.Errorf(status.UpdateInfoOfNonexistentUser, "no user %d", id)
	case errors.Is(err, store.ErrConflict):
		return domain.Errorf(status.DuplicateResource, "login name is taken")
	}
	return err
}
