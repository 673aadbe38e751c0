package user

import (
	"context"
	"errors"
	"strconv"

	"hermod/internal/credential"
	"hermod/internal/domain"
	"hermod/internal/status"
	"hermod/internal/store"
)

// MaxBatch is the most accounts one AddBatch call creates.
const MaxBatch = 100_000

// Batch describes a run of accounts with consecutive ids and one password,
// as load tests and trials need them.
type Batch struct {
	FirstID  int64
	Count    int
	Password string
	// NamePrefix names each account NamePrefix+id ("" gives just the id).
	NamePrefix string
	// SkipExisting leaves ids that are taken as they are instead of
	// refusing the whole batch.
	SkipExisting bool
}

// AddBatch creates Count accounts FirstID, FirstID+1, ... in one
// transaction: all of them, or none when one id is taken (unless
// SkipExisting). It returns how many it created and skipped.
//
// The password is derived once for the whole batch, with one salt: PBKDF2
// per account (two hashes at 4,096 iterations or more) would make 20,000
// accounts take minutes. Sharing the salt gives away nothing that sharing
// the password does not: accounts of one batch have equal keys because
// they have equal passwords. A later password change gets a fresh salt.
func (s *Service) AddBatch(ctx context.Context, b Batch) (created, skipped int, err error) {
	if b.FirstID <= 0 || b.Count <= 0 || b.Count > MaxBatch || b.FirstID > 1<<62 {
		return 0, 0, domain.Errorf(status.IllegalArgument, "a batch needs first_id > 0 and 1 to %d accounts", MaxBatch)
	}
	if longest := b.NamePrefix + strconv.FormatInt(b.FirstID+int64(b.Count)-1, 10); s.opts.MaxNameLength > 0 && len(longest) > s.opts.MaxNameLength {
		return 0, 0, domain.Errorf(status.IllegalArgument, "name %q would be longer than %d", longest, s.opts.MaxNameLength)
	}
	creds, err := credential.Derive(b.Password, s.opts.Iterations)
	if err != nil {
		return 0, 0, domain.Errorf(status.IllegalArgument, "%v", err)
	}
	now := domain.Now()
	err = s.st.InTx(ctx, func(tx store.Repos) error {
		created, skipped = 0, 0
		for i := range int64(b.Count) {
			id := b.FirstID + i
			u := &store.User{
				ID: id, Name: b.NamePrefix + strconv.FormatInt(id, 10), Active: true,
				RegistrationDate: now, LastUpdatedDate: now, Credentials: creds,
			}
			err := tx.Users().Create(ctx, u)
			switch {
			case err == nil:
				created++
			case errors.Is(err, store.ErrConflict) && b.SkipExisting:
				skipped++
			case errors.Is(err, store.ErrConflict):
				return domain.Errorf(status.DuplicateResource, "user id %d is taken", id)
			default:
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return created, skipped, nil
}
