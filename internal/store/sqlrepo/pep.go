package sqlrepo

import (
	"context"

	"hermod/internal/store"
)

type pep Repos

func (x pep) PutNode(ctx context.Context, n *store.PEPNode) error {
	return withTx(ctx, x.w, func(q Querier) error {
		_, err := q.ExecContext(ctx, `INSERT INTO pep_nodes (owner_id, node, access_model, max_items, config, creation_date) VALUES (?,?,?,?,?,?)
			ON CONFLICT (owner_id, node) DO UPDATE SET access_model = excluded.access_model, max_items = excluded.max_items, config = excluded.config`,
			n.OwnerID, n.Node, n.AccessModel, n.MaxItems, n.Config, n.CreationDate)
		if err != nil {
			return mapErr(err)
		}
		return trimItems(ctx, q, n.OwnerID, n.Node, n.MaxItems)
	})
}

// trimItems keeps a node's newest max items.
func trimItems(ctx context.Context, q Querier, owner int64, node string, max int) error {
	_, err := q.ExecContext(ctx, `DELETE FROM pep_items WHERE owner_id = ? AND node = ? AND seq NOT IN
		(SELECT seq FROM pep_items WHERE owner_id = ? AND node = ? ORDER BY seq DESC LIMIT ?)`, owner, node, owner, node, max)
	return err
}

const nodeColumns = `owner_id, node, access_model, max_items, config, creation_date`

func scanNode(s scanner) (*store.PEPNode, error) {
	var n store.PEPNode
	return &n, s.Scan(&n.OwnerID, &n.Node, &n.AccessModel, &n.MaxItems, &n.Config, &n.CreationDate)
}

func (x pep) Node(ctx context.Context, owner int64, node string) (*store.PEPNode, error) {
	n, err := scanNode(x.r.QueryRowContext(ctx, `SELECT `+nodeColumns+` FROM pep_nodes WHERE owner_id = ? AND node = ?`, owner, node))
	if err != nil {
		return nil, mapErr(err)
	}
	return n, nil
}

func (x pep) Nodes(ctx context.Context, owner int64) ([]store.PEPNode, error) {
	return queryAll(ctx, x.r, scanNode, `SELECT `+nodeColumns+` FROM pep_nodes WHERE owner_id = ? ORDER BY node`, owner)
}

func (x pep) DeleteNode(ctx context.Context, owner int64, node string) error {
	return withTx(ctx, x.w, func(q Querier) error {
		if err := mustAffect(q.ExecContext(ctx, `DELETE FROM pep_nodes WHERE owner_id = ? AND node = ?`, owner, node)); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `DELETE FROM pep_items WHERE owner_id = ? AND node = ?`, owner, node)
		return err
	})
}

func (x pep) PublishItem(ctx context.Context, it *store.PEPItem) error {
	return withTx(ctx, x.w, func(q Querier) error {
		var max int
		if err := q.QueryRowContext(ctx, `SELECT max_items FROM pep_nodes WHERE owner_id = ? AND node = ?`, it.OwnerID, it.Node).Scan(&max); err != nil {
			return mapErr(err)
		}
		// Deleting first gives a republished item a new seq: it becomes the
		// newest.
		if _, err := q.ExecContext(ctx, `DELETE FROM pep_items WHERE owner_id = ? AND node = ? AND item_id = ?`, it.OwnerID, it.Node, it.ItemID); err != nil {
			return err
		}
		if err := insertNew(ctx, q, `INSERT INTO pep_items (owner_id, node, item_id, payload, publisher_id, published_date) VALUES (?,?,?,?,?,?)
			ON CONFLICT DO NOTHING`, it.OwnerID, it.Node, it.ItemID, it.Payload, it.PublisherID, it.PublishedDate); err != nil {
			return err
		}
		return trimItems(ctx, q, it.OwnerID, it.Node, max)
	})
}

func (x pep) Items(ctx context.Context, owner int64, node string, ids []string, max int) ([]store.PEPItem, error) {
	w := `owner_id = ? AND node = ?`
	args := []any{owner, node}
	if len(ids) > 0 {
		w += ` AND item_id IN (` + inList(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	limit := ""
	if max > 0 {
		limit = ` LIMIT ?`
		args = append(args, max)
	}
	return queryAll(ctx, x.r, func(s scanner) (*store.PEPItem, error) {
		var it store.PEPItem
		return &it, s.Scan(&it.OwnerID, &it.Node, &it.ItemID, &it.Payload, &it.PublisherID, &it.PublishedDate)
	}, `SELECT owner_id, node, item_id, payload, publisher_id, published_date FROM pep_items WHERE `+w+` ORDER BY seq DESC`+limit, args...)
}

func (x pep) RetractItem(ctx context.Context, owner int64, node, itemID string) error {
	return mustAffect(x.w.ExecContext(ctx, `DELETE FROM pep_items WHERE owner_id = ? AND node = ? AND item_id = ?`, owner, node, itemID))
}

func (x pep) PurgeItems(ctx context.Context, owner int64, node string) (int64, error) {
	res, err := x.w.ExecContext(ctx, `DELETE FROM pep_items WHERE owner_id = ? AND node = ?`, owner, node)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type privateXML Repos

func (x privateXML) Get(ctx context.Context, owner int64, ns string) ([]byte, error) {
	var b []byte
	if err := x.r.QueryRowContext(ctx, `SELECT xml FROM private_xml WHERE owner_id = ? AND namespace = ?`, owner, ns).Scan(&b); err != nil {
		return nil, mapErr(err)
	}
	return b, nil
}

func (x privateXML) Put(ctx context.Context, owner int64, ns string, xml []byte, now int64) error {
	_, err := x.w.ExecContext(ctx, `INSERT INTO private_xml (owner_id, namespace, xml, updated_date) VALUES (?,?,?,?)
		ON CONFLICT (owner_id, namespace) DO UPDATE SET xml = excluded.xml, updated_date = excluded.updated_date`, owner, ns, xml, now)
	return err
}
