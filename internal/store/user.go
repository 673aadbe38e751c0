package store

import "context"

// User is an account. It is the same account over every protocol.
type User struct {
	ID int64
	// LoginName is an optional unique alternative to the numeric id for
	// logging in (e.g. alice@example.com over XMPP); "" when unset.
	LoginName             string
	Name                  string
	Intro                 string
	ProfilePicture        string
	ProfileAccessStrategy int32
	// Attributes are user-defined attributes as a JSON object; nil when none.
	Attributes       []byte
	Active           bool
	RegistrationDate int64
	LastUpdatedDate  int64
	Credentials      Credentials
}

// Credentials are the salted SCRAM keys of a password (RFC 5802). hermod
// never stores a password, only these, so that XMPP SCRAM and Turms password
// login verify against the same record.
type Credentials struct {
	Salt       []byte
	Iterations int
	SHA1       ScramKeys
	SHA256     ScramKeys
}

// ScramKeys are StoredKey and ServerKey for one hash function.
type ScramKeys struct {
	StoredKey []byte
	ServerKey []byte
}

// UserUpdate changes the fields that are non-nil.
type UserUpdate struct {
	LoginName             *string
	Name                  *string
	Intro                 *string
	ProfilePicture        *string
	ProfileAccessStrategy *int32
	Attributes            *[]byte
	Active                *bool
	Credentials           *Credentials
	// LastUpdatedDate is set on every update.
	LastUpdatedDate int64
}

// UserRepo stores accounts.
type UserRepo interface {
	// Create adds u. ErrConflict if the id or login name is taken.
	Create(ctx context.Context, u *User) error
	// Get returns the user with id, or ErrNotFound.
	Get(ctx context.Context, id int64) (*User, error)
	// GetByLoginName returns the user with that login name, or ErrNotFound.
	GetByLoginName(ctx context.Context, loginName string) (*User, error)
	// GetMany returns the users that exist among ids, in ascending id order.
	GetMany(ctx context.Context, ids []int64) ([]User, error)
	// Update applies upd to the user with id. ErrNotFound if there is none;
	// ErrConflict if a new login name is taken.
	Update(ctx context.Context, id int64, upd UserUpdate) error
	// List returns up to limit users with id > afterID in ascending id order.
	List(ctx context.Context, afterID int64, limit int) ([]User, error)
	// Count returns how many accounts exist.
	Count(ctx context.Context) (int64, error)
}
