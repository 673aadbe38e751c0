CREATE TABLE pep_nodes (
	owner_id      INTEGER NOT NULL,
	node          TEXT NOT NULL,
	access_model  TEXT NOT NULL,
	max_items     INTEGER NOT NULL,
	config        BLOB,
	creation_date INTEGER NOT NULL,
	PRIMARY KEY (owner_id, node)
) WITHOUT ROWID;

-- seq orders a node's items: a republished item becomes the newest.
CREATE TABLE pep_items (
	seq            INTEGER PRIMARY KEY AUTOINCREMENT,
	owner_id       INTEGER NOT NULL,
	node           TEXT NOT NULL,
	item_id        TEXT NOT NULL,
	payload        BLOB NOT NULL,
	publisher_id   INTEGER NOT NULL,
	published_date INTEGER NOT NULL,
	UNIQUE (owner_id, node, item_id)
);
CREATE INDEX pep_items_node ON pep_items (owner_id, node, seq);

CREATE TABLE private_xml (
	owner_id     INTEGER NOT NULL,
	namespace    TEXT NOT NULL,
	xml          BLOB NOT NULL,
	updated_date INTEGER NOT NULL,
	PRIMARY KEY (owner_id, namespace)
) WITHOUT ROWID;
