package sqlrepo

import (
	"context"
	"database/sql"
	"strings"

	"hermod/internal/store"
)

type relationships Repos

const relColumns = `owner_id, related_id, block_date, establishment_date, name, note`

func (x relationships) Create(ctx context.Context, r *store.Relationship) error {
	return withTx(ctx, x.w, func(q Querier) error {
		err := insertNew(ctx, q, `INSERT INTO relationships (`+relColumns+`) VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
			r.OwnerID, r.RelatedID, r.BlockDate, r.EstablishmentDate, r.Name, r.Note)
		if err != nil {
			return err
		}
		groups := r.GroupIndexes
		if len(groups) == 0 {
			groups = []int32{0}
		}
		for _, g := range groups {
			if err := addMember(ctx, q, r.OwnerID, g, r.RelatedID); err != nil {
				return err
			}
		}
		return bump(ctx, q, r.OwnerID, store.VersionRelationships, r.EstablishmentDate)
	})
}

// addMember puts related in the owner's group idx, which must exist.
func addMember(ctx context.Context, q Querier, ownerID int64, idx int32, relatedID int64) error {
	if idx != 0 {
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM relationship_groups WHERE owner_id = ? AND idx = ?`, ownerID, idx).Scan(&one)
		if err != nil {
			return mapErr(err)
		}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO relationship_group_members (owner_id, idx, related_id) VALUES (?,?,?)
		ON CONFLICT DO NOTHING`, ownerID, idx, relatedID)
	return err
}

func (x relationships) Get(ctx context.Context, ownerID, relatedID int64) (*store.Relationship, error) {
	rels, err := x.List(ctx, ownerID, store.RelationshipFilter{RelatedIDs: []int64{relatedID}})
	if err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, store.ErrNotFound
	}
	return &rels[0], nil
}

func (x relationships) Update(ctx context.Context, ownerID, relatedID int64, upd store.RelationshipUpdate, now int64) error {
	var sets []string
	var args []any
	if upd.BlockDate != nil {
		sets, args = append(sets, "block_date = ?"), append(args, *upd.BlockDate)
	}
	if upd.Name != nil {
		sets, args = append(sets, "name = ?"), append(args, *upd.Name)
	}
	if upd.Note != nil {
		sets, args = append(sets, "note = ?"), append(args, *upd.Note)
	}
	return withTx(ctx, x.w, func(q Querier) error {
		if len(sets) == 0 {
			if _, err := x.Get(ctx, ownerID, relatedID); err != nil {
				return err
			}
		} else {
			args := append(args, ownerID, relatedID)
			if err := mustAffect(q.ExecContext(ctx, `UPDATE relationships SET `+strings.Join(sets, ", ")+` WHERE owner_id = ? AND related_id = ?`, args...)); err != nil {
				return err
			}
		}
		return bump(ctx, q, ownerID, store.VersionRelationships, now)
	})
}

func (x relationships) Delete(ctx context.Context, ownerID, relatedID int64, now int64) error {
	return withTx(ctx, x.w, func(q Querier) error {
		if err := mustAffect(q.ExecContext(ctx, `DELETE FROM relationships WHERE owner_id = ? AND related_id = ?`, ownerID, relatedID)); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM relationship_group_members WHERE owner_id = ? AND related_id = ?`, ownerID, relatedID); err != nil {
			return err
		}
		return bump(ctx, q, ownerID, store.VersionRelationships, now)
	})
}

func (x relationships) List(ctx context.Context, ownerID int64, f store.RelationshipFilter) ([]store.Relationship, error) {
	// One row per group membership (or one with a NULL index for none),
	// folded into each relationship's GroupIndexes below.
	q := `SELECT r.owner_id, r.related_id, r.block_date, r.establishment_date, r.name, r.note, m.idx
		FROM relationships r LEFT JOIN relationship_group_members m ON m.owner_id = r.owner_id AND m.related_id = r.related_id
		WHERE r.owner_id = ?`
	args := []any{ownerID}
	if len(f.RelatedIDs) > 0 {
		q += ` AND r.related_id IN (` + inList(len(f.RelatedIDs)) + `)`
		args = append(args, int64Args(f.RelatedIDs)...)
	}
	if f.Blocked != nil {
		if *f.Blocked {
			q += ` AND r.block_date != 0`
		} else {
			q += ` AND r.block_date = 0`
		}
	}
	if len(f.GroupIndexes) > 0 {
		q += ` AND EXISTS (SELECT 1 FROM relationship_group_members g WHERE g.owner_id = r.owner_id
			AND g.related_id = r.related_id AND g.idx IN (` + inList(len(f.GroupIndexes)) + `))`
		for _, g := range f.GroupIndexes {
			args = append(args, g)
		}
	}
	rows, err := x.r.QueryContext(ctx, q+` ORDER BY r.related_id, m.idx`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Relationship
	for rows.Next() {
		var r store.Relationship
		var idx sql.NullInt32
		if err := rows.Scan(&r.OwnerID, &r.RelatedID, &r.BlockDate, &r.EstablishmentDate, &r.Name, &r.Note, &idx); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].RelatedID != r.RelatedID {
			out = append(out, r)
		}
		if idx.Valid {
			last := &out[len(out)-1]
			last.GroupIndexes = append(last.GroupIndexes, idx.Int32)
		}
	}
	return out, rows.Err()
}

func (x relationships) CreateGroup(ctx context.Context, ownerID int64, name string, now int64) (store.RelationshipGroup, error) {
	g := store.RelationshipGroup{OwnerID: ownerID, Name: name, CreationDate: now}
	err := withTx(ctx, x.w, func(q Querier) error {
		if err := q.QueryRowContext(ctx, `SELECT coalesce(max(idx), 0) + 1 FROM relationship_groups WHERE owner_id = ?`, ownerID).Scan(&g.Index); err != nil {
			return err
		}
		if err := insertNew(ctx, q, `INSERT INTO relationship_groups (owner_id, idx, name, creation_date) VALUES (?,?,?,?)
			ON CONFLICT DO NOTHING`, ownerID, g.Index, name, now); err != nil {
			return err
		}
		return bump(ctx, q, ownerID, store.VersionRelationshipGroups, now)
	})
	return g, err
}

func (x relationships) RenameGroup(ctx context.Context, ownerID int64, index int32, name string, now int64) error {
	return withTx(ctx, x.w, func(q Querier) error {
		var err error
		if index == 0 {
			_, err = q.ExecContext(ctx, `INSERT INTO relationship_groups (owner_id, idx, name, creation_date) VALUES (?, 0, ?, ?)
				ON CONFLICT (owner_id, idx) DO UPDATE SET name = excluded.name`, ownerID, name, now)
		} else {
			err = mustAffect(q.ExecContext(ctx, `UPDATE relationship_groups SET name = ? WHERE owner_id = ? AND idx = ?`, name, ownerID, index))
		}
		if err != nil {
			return err
		}
		return bump(ctx, q, ownerID, store.VersionRelationshipGroups, now)
	})
}

func (x relationships) DeleteGroup(ctx context.Context, ownerID int64, index, target int32, now int64) error {
	if index == 0 {
		return store.ErrNotFound
	}
	return withTx(ctx, x.w, func(q Querier) error {
		if err := mustAffect(q.ExecContext(ctx, `DELETE FROM relationship_groups WHERE owner_id = ? AND idx = ?`, ownerID, index)); err != nil {
			return err
		}
		if target != 0 {
			var one int
			if err := q.QueryRowContext(ctx, `SELECT 1 FROM relationship_groups WHERE owner_id = ? AND idx = ?`, ownerID, target).Scan(&one); err != nil {
				return mapErr(err)
			}
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO relationship_group_members (owner_id, idx, related_id)
			SELECT owner_id, ?, related_id FROM relationship_group_members WHERE owner_id = ? AND idx = ?
			ON CONFLICT DO NOTHING`, target, ownerID, index); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `DELETE FROM relationship_group_members WHERE owner_id = ? AND idx = ?`, ownerID, index); err != nil {
			return err
		}
		if err := bump(ctx, q, ownerID, store.VersionRelationshipGroups, now); err != nil {
			return err
		}
		return bump(ctx, q, ownerID, store.VersionRelationships, now)
	})
}

func (x relationships) ListGroups(ctx context.Context, ownerID int64) ([]store.RelationshipGroup, error) {
	rows, err := x.r.QueryContext(ctx, `SELECT idx, name, creation_date FROM relationship_groups WHERE owner_id = ? ORDER BY idx`, ownerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.RelationshipGroup{{OwnerID: ownerID}} // group 0 always exists
	for rows.Next() {
		g := store.RelationshipGroup{OwnerID: ownerID}
		if err := rows.Scan(&g.Index, &g.Name, &g.CreationDate); err != nil {
			return nil, err
		}
		if g.Index == 0 {
			out[0] = g
			continue
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

func (x relationships) AddToGroup(ctx context.Context, ownerID int64, index int32, relatedID int64, now int64) error {
	return withTx(ctx, x.w, func(q Querier) error {
		var one int
		if err := q.QueryRowContext(ctx, `SELECT 1 FROM relationships WHERE owner_id = ? AND related_id = ?`, ownerID, relatedID).Scan(&one); err != nil {
			return mapErr(err)
		}
		if err := addMember(ctx, q, ownerID, index, relatedID); err != nil {
			return err
		}
		return bump(ctx, q, ownerID, store.VersionRelationships, now)
	})
}

func (x relationships) RemoveFromGroup(ctx context.Context, ownerID int64, index int32, relatedID int64, now int64) error {
	return withTx(ctx, x.w, func(q Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM relationship_group_members WHERE owner_id = ? AND idx = ? AND related_id = ?`, ownerID, index, relatedID); err != nil {
			return err
		}
		return bump(ctx, q, ownerID, store.VersionRelationships, now)
	})
}
