// Package credential turns passwords into the SCRAM keys that hermod stores
// instead of passwords (RFC 5802, RFC 7677), and checks a password against
// them. The same keys serve XMPP SCRAM authentication and Turms password
// login, so an account has one password over both protocols.
package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/xdg-go/scram"

	"hermod/internal/store"
)

// MinIterations is the lowest PBKDF2 iteration count hermod accepts (the
// floor RFC 7677 recommends).
const MinIterations = 4096

// DefaultIterations is the iteration count for new passwords.
const DefaultIterations = 4096

// ErrEmptyPassword is returned when deriving credentials for "".
var ErrEmptyPassword = errors.New("credential: empty password")

// Derive salts and hashes password into SCRAM-SHA-1 and SCRAM-SHA-256 keys
// with a fresh random salt. The password is SASLprepped as SCRAM requires.
func Derive(password string, iterations int) (store.Credentials, error) {
	if password == "" {
		return store.Credentials{}, ErrEmptyPassword
	}
	if iterations < MinIterations {
		return store.Credentials{}, fmt.Errorf("credential: %d iterations is below the minimum %d", iterations, MinIterations)
	}
	salt := make([]byte, 16)
	rand.Read(salt)
	kf := scram.KeyFactors{Salt: string(salt), Iters: iterations}
	c := store.Credentials{Salt: salt, Iterations: iterations}
	var err error
	if c.SHA1, err = keys(scram.SHA1, password, kf); err != nil {
		return store.Credentials{}, err
	}
	if c.SHA256, err = keys(scram.SHA256, password, kf); err != nil {
		return store.Credentials{}, err
	}
	return c, nil
}

// Verify reports whether password matches c. It recomputes the SHA-256
// StoredKey (the SHA-1 one when an account has only that) and compares in
// constant time.
func Verify(c store.Credentials, password string) bool {
	if len(c.Salt) == 0 || c.Iterations < 1 {
		return false
	}
	kf := scram.KeyFactors{Salt: string(c.Salt), Iters: c.Iterations}
	hf, want := scram.SHA256, c.SHA256.StoredKey
	if len(want) == 0 {
		hf, want = scram.SHA1, c.SHA1.StoredKey
	}
	got, err := keys(hf, password, kf)
	if err != nil || len(want) == 0 {
		return false
	}
	return subtle.ConstantTimeCompare(got.StoredKey, want) == 1
}

// Lookup returns the stored credentials of c for one SCRAM hash, in the
// form github.com/xdg-go/scram's server wants.
func Lookup(c store.Credentials, hf scram.HashGeneratorFcn) (scram.StoredCredentials, error) {
	var k store.ScramKeys
	switch {
	case isHash(hf, scram.SHA1):
		k = c.SHA1
	case isHash(hf, scram.SHA256):
		k = c.SHA256
	default:
		return scram.StoredCredentials{}, errors.New("credential: unsupported hash")
	}
	if len(k.StoredKey) == 0 {
		return scram.StoredCredentials{}, errors.New("credential: no keys for this hash")
	}
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(c.Salt), Iters: c.Iterations},
		StoredKey:  k.StoredKey,
		ServerKey:  k.ServerKey,
	}, nil
}

func keys(hf scram.HashGeneratorFcn, password string, kf scram.KeyFactors) (store.ScramKeys, error) {
	client, err := hf.NewClient("", password, "")
	if err != nil {
		return store.ScramKeys{}, fmt.Errorf("credential: %w", err)
	}
	sc := client.GetStoredCredentials(kf)
	return store.ScramKeys{StoredKey: sc.StoredKey, ServerKey: sc.ServerKey}, nil
}

func isHash(a, b scram.HashGeneratorFcn) bool { return a().Size() == b().Size() }
