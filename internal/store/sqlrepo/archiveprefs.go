package sqlrepo

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"

	"hermod/internal/store"
)

type archivePrefs Repos

func (x archivePrefs) Get(ctx context.Context, userID int64) (*store.ArchivePrefs, error) {
	p := &store.ArchivePrefs{UserID: userID}
	var always, never []byte
	err := x.r.QueryRowContext(ctx, `SELECT default_mode, always_ids, never_ids FROM archive_prefs WHERE user_id = ?`, userID).
		Scan(&p.Default, &always, &never)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Always, err = decodeIDs(always); err != nil {
		return nil, err
	}
	if p.Never, err = decodeIDs(never); err != nil {
		return nil, err
	}
	return p, nil
}

func (x archivePrefs) Put(ctx context.Context, p *store.ArchivePrefs) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO archive_prefs (user_id, default_mode, always_ids, never_ids) VALUES (?,?,?,?)
		ON CONFLICT (user_id) DO UPDATE SET default_mode = excluded.default_mode, always_ids = excluded.always_ids, never_ids = excluded.never_ids`,
		p.UserID, p.Default, encodeIDs(p.Always), encodeIDs(p.Never))
	return mapErr(err)
}

// encodeIDs packs ids as varints; none is NULL.
func encodeIDs(ids []int64) []byte {
	if len(ids) == 0 {
		return nil
	}
	b := make([]byte, 0, len(ids)*binary.MaxVarintLen64)
	for _, id := range ids {
		b = binary.AppendVarint(b, id)
	}
	return b
}

var errCorruptIDs = errors.New("sqlrepo: corrupt id list")

func decodeIDs(b []byte) ([]int64, error) {
	var out []int64
	for len(b) > 0 {
		id, n := binary.Varint(b)
		if n <= 0 {
			return nil, errCorruptIDs
		}
		out = append(out, id)
		b = b[n:]
	}
	return out, nil
}
