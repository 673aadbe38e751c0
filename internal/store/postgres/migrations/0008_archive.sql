-- A user's archive (XMPP MAM) is the union of what they sent and what they
-- received, each read in date order: the private messages by sender, and
-- by conversation (sender and recipient) for queries with one peer.
CREATE INDEX messages_private_sender ON messages (sender_id, delivery_date, id) WHERE group_id = 0;
CREATE INDEX messages_pair ON messages (sender_id, recipient_id, delivery_date, id) WHERE group_id = 0;

CREATE TABLE archive_prefs (
	user_id      BIGINT PRIMARY KEY,
	default_mode INTEGER NOT NULL,
	always_ids   BYTEA,
	never_ids    BYTEA
);
