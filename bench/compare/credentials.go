package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"sync"

	"github.com/xdg-go/scram"
)

// credential is an account's SCRAM-SHA-1 keys (RFC 5802): what a server
// stores instead of the password.
type credential struct {
	ID         int64
	Salt       string
	Iterations int
	StoredKey  []byte
	ServerKey  []byte
}

// deriveCredential salts and hashes password as a SCRAM-SHA-1 server
// would on registration (SASLprep, PBKDF2, HMAC).
func deriveCredential(id int64, password, salt string, iterations int) (credential, error) {
	c, err := scram.SHA1.NewClient("", password, "")
	if err != nil {
		return credential{}, err
	}
	sc := c.GetStoredCredentials(scram.KeyFactors{Salt: salt, Iters: iterations})
	return credential{ID: id, Salt: salt, Iterations: iterations, StoredKey: sc.StoredKey, ServerKey: sc.ServerKey}, nil
}

// deriveCredentials derives every account's keys, each with its own random
// salt, on every core. The peers' own registration paths recompute PBKDF2
// for each account one by one (ejabberd in Erlang, tens of accounts a
// second here), so the comparison hands them ready keys instead.
func deriveCredentials(ctx context.Context, ids []int64, password string, iterations int) ([]credential, error) {
	out := make([]credential, len(ids))
	errs := make([]error, len(ids))
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Go(func() {
			for i := range work {
				salt := make([]byte, 16)
				rand.Read(salt)
				// A hex salt is printable, which keeps every storage format
				// simple; its randomness is the same.
				out[i], errs[i] = deriveCredential(ids[i], password, hex.EncodeToString(salt), iterations)
			}
		})
	}
	var err error
feed:
	for i := range ids {
		select {
		case work <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(work)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return out, nil
}

// credentials are the run's account keys, derived once for both peers.
func (e *environment) credentials(ctx context.Context) ([]credential, error) {
	e.credOnce.Do(func() {
		e.creds, e.credErr = deriveCredentials(ctx, e.ids, e.password, iterations)
	})
	return e.creds, e.credErr
}
