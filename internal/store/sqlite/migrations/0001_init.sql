CREATE TABLE users (
	id                      INTEGER PRIMARY KEY,
	login_name              TEXT UNIQUE,
	name                    TEXT NOT NULL DEFAULT '',
	intro                   TEXT NOT NULL DEFAULT '',
	profile_picture         TEXT NOT NULL DEFAULT '',
	profile_access_strategy INTEGER NOT NULL DEFAULT 0,
	attributes              BLOB,
	active                  INTEGER NOT NULL,
	registration_date       INTEGER NOT NULL,
	last_updated_date       INTEGER NOT NULL,
	salt                    BLOB NOT NULL,
	iterations              INTEGER NOT NULL,
	sha1_stored_key         BLOB,
	sha1_server_key         BLOB,
	sha256_stored_key       BLOB,
	sha256_server_key       BLOB
);

CREATE TABLE relationships (
	owner_id           INTEGER NOT NULL,
	related_id         INTEGER NOT NULL,
	block_date         INTEGER NOT NULL DEFAULT 0,
	establishment_date INTEGER NOT NULL,
	name               TEXT NOT NULL DEFAULT '',
	note               TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (owner_id, related_id)
) WITHOUT ROWID;

CREATE TABLE relationship_groups (
	owner_id      INTEGER NOT NULL,
	idx           INTEGER NOT NULL,
	name          TEXT NOT NULL,
	creation_date INTEGER NOT NULL,
	PRIMARY KEY (owner_id, idx)
) WITHOUT ROWID;

CREATE TABLE relationship_group_members (
	owner_id   INTEGER NOT NULL,
	idx        INTEGER NOT NULL,
	related_id INTEGER NOT NULL,
	PRIMARY KEY (owner_id, idx, related_id)
) WITHOUT ROWID;

CREATE TABLE friend_requests (
	id              INTEGER PRIMARY KEY,
	requester_id    INTEGER NOT NULL,
	recipient_id    INTEGER NOT NULL,
	content         TEXT NOT NULL,
	status          INTEGER NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	creation_date   INTEGER NOT NULL,
	response_date   INTEGER NOT NULL DEFAULT 0,
	expiration_date INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX friend_requests_requester ON friend_requests (requester_id, id);
CREATE INDEX friend_requests_recipient ON friend_requests (recipient_id, id);

CREATE TABLE messages (
	id                INTEGER PRIMARY KEY,
	sender_id         INTEGER NOT NULL,
	recipient_id      INTEGER NOT NULL DEFAULT 0,
	group_id          INTEGER NOT NULL DEFAULT 0,
	is_system         INTEGER NOT NULL DEFAULT 0,
	text              TEXT NOT NULL DEFAULT '',
	records           BLOB,
	delivery_date     INTEGER NOT NULL,
	modification_date INTEGER NOT NULL DEFAULT 0,
	recall_date       INTEGER NOT NULL DEFAULT 0,
	pre_message_id    INTEGER NOT NULL DEFAULT 0,
	extensions        BLOB
);
CREATE INDEX messages_recipient ON messages (recipient_id, delivery_date) WHERE group_id = 0;
CREATE INDEX messages_group ON messages (group_id, delivery_date) WHERE group_id != 0;
CREATE INDEX messages_sender ON messages (sender_id, delivery_date);

CREATE TABLE private_conversations (
	owner_id  INTEGER NOT NULL,
	target_id INTEGER NOT NULL,
	read_date INTEGER NOT NULL,
	PRIMARY KEY (owner_id, target_id)
) WITHOUT ROWID;

CREATE TABLE user_versions (
	user_id    INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, kind)
) WITHOUT ROWID;
