package store

import "context"

// PEPNode is a personal eventing node (XEP-0163) of an account: a named
// list of items the owner publishes and their contacts follow.
type PEPNode struct {
	OwnerID int64
	Node    string
	// AccessModel says who may read the items: "open", "presence",
	// "roster" or "whitelist" (the XEP-0060 names).
	AccessModel string
	// MaxItems is how many items the node keeps, the newest.
	MaxItems int
	// Config holds the node's other options, opaque to the store.
	Config       []byte
	CreationDate int64
}

// PEPItem is one published item; Payload is its serialized XML.
type PEPItem struct {
	OwnerID       int64
	Node          string
	ItemID        string
	Payload       []byte
	PublisherID   int64
	PublishedDate int64
}

// PEPRepo stores PEP nodes and their items.
type PEPRepo interface {
	// PutNode creates a node or replaces its configuration (its items stay,
	// trimmed to the new MaxItems).
	PutNode(ctx context.Context, n *PEPNode) error
	// Node returns a node, or ErrNotFound.
	Node(ctx context.Context, ownerID int64, node string) (*PEPNode, error)
	// Nodes returns the owner's nodes by name.
	Nodes(ctx context.Context, ownerID int64) ([]PEPNode, error)
	// DeleteNode removes a node and its items. ErrNotFound if there is none.
	DeleteNode(ctx context.Context, ownerID int64, node string) error
	// PublishItem stores an item as the node's newest, replacing one with
	// the same id, and drops the oldest beyond the node's MaxItems.
	// ErrNotFound if the node does not exist.
	PublishItem(ctx context.Context, it *PEPItem) error
	// Items returns a node's items, newest first: those with the given ids,
	// or all when ids is empty; at most max when max > 0.
	Items(ctx context.Context, ownerID int64, node string, ids []string, max int) ([]PEPItem, error)
	// RetractItem removes an item. ErrNotFound if there is none.
	RetractItem(ctx context.Context, ownerID int64, node, itemID string) error
	// PurgeItems removes every item of a node and returns how many.
	PurgeItems(ctx context.Context, ownerID int64, node string) (int64, error)
}

// PrivateXMLRepo stores private XML (XEP-0049): one element per owner and
// namespace, serialized.
type PrivateXMLRepo interface {
	// Get returns the owner's element of a namespace, or ErrNotFound.
	Get(ctx context.Context, ownerID int64, namespace string) ([]byte, error)
	// Put stores it, replacing what was there.
	Put(ctx context.Context, ownerID int64, namespace string, xml []byte, now int64) error
}
