-- The tables of SQLite's 0001_init.sql, in PostgreSQL's types: integers
-- are BIGINT (SQLite's INTEGER is 64-bit), flags BOOLEAN, blobs BYTEA.
-- An index that serves a query ordered by date ends in id too: SQLite's
-- indexes carry the rowid (the id) implicitly, PostgreSQL's do not, and
-- the archive pages are ordered by (delivery_date, id).
CREATE TABLE users (
	id                      BIGINT PRIMARY KEY,
	login_name              TEXT UNIQUE,
	name                    TEXT NOT NULL DEFAULT '',
	intro                   TEXT NOT NULL DEFAULT '',
	profile_picture         TEXT NOT NULL DEFAULT '',
	profile_access_strategy BIGINT NOT NULL DEFAULT 0,
	attributes              BYTEA,
	active                  BOOLEAN NOT NULL,
	registration_date       BIGINT NOT NULL,
	last_updated_date       BIGINT NOT NULL,
	salt                    BYTEA NOT NULL,
	iterations              BIGINT NOT NULL,
	sha1_stored_key         BYTEA,
	sha1_server_key         BYTEA,
	sha256_stored_key       BYTEA,
	sha256_server_key       BYTEA
);

CREATE TABLE relationships (
	owner_id           BIGINT NOT NULL,
	related_id         BIGINT NOT NULL,
	block_date         BIGINT NOT NULL DEFAULT 0,
	establishment_date BIGINT NOT NULL,
	name               TEXT NOT NULL DEFAULT '',
	note               TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (owner_id, related_id)
);

CREATE TABLE relationship_groups (
	owner_id      BIGINT NOT NULL,
	idx           INTEGER NOT NULL,
	name          TEXT NOT NULL,
	creation_date BIGINT NOT NULL,
	PRIMARY KEY (owner_id, idx)
);

CREATE TABLE relationship_group_members (
	owner_id   BIGINT NOT NULL,
	idx        INTEGER NOT NULL,
	related_id BIGINT NOT NULL,
	PRIMARY KEY (owner_id, idx, related_id)
);
-- A roster lists each relationship with its groups (a join on owner and
-- related user).
CREATE INDEX relationship_group_members_related ON relationship_group_members (owner_id, related_id);

CREATE TABLE friend_requests (
	id              BIGINT PRIMARY KEY,
	requester_id    BIGINT NOT NULL,
	recipient_id    BIGINT NOT NULL,
	content         TEXT NOT NULL,
	status          INTEGER NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	creation_date   BIGINT NOT NULL,
	response_date   BIGINT NOT NULL DEFAULT 0,
	expiration_date BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX friend_requests_requester ON friend_requests (requester_id, id);
CREATE INDEX friend_requests_recipient ON friend_requests (recipient_id, id);

CREATE TABLE messages (
	id                BIGINT PRIMARY KEY,
	sender_id         BIGINT NOT NULL,
	recipient_id      BIGINT NOT NULL DEFAULT 0,
	group_id          BIGINT NOT NULL DEFAULT 0,
	is_system         BOOLEAN NOT NULL DEFAULT false,
	text              TEXT NOT NULL DEFAULT '',
	records           BYTEA,
	delivery_date     BIGINT NOT NULL,
	modification_date BIGINT NOT NULL DEFAULT 0,
	recall_date       BIGINT NOT NULL DEFAULT 0,
	pre_message_id    BIGINT NOT NULL DEFAULT 0,
	extensions        BYTEA
);
CREATE INDEX messages_recipient ON messages (recipient_id, delivery_date, id) WHERE group_id = 0;
CREATE INDEX messages_group ON messages (group_id, delivery_date, id) WHERE group_id != 0;
CREATE INDEX messages_sender ON messages (sender_id, delivery_date, id);

CREATE TABLE private_conversations (
	owner_id  BIGINT NOT NULL,
	target_id BIGINT NOT NULL,
	read_date BIGINT NOT NULL,
	PRIMARY KEY (owner_id, target_id)
);

CREATE TABLE user_versions (
	user_id    BIGINT NOT NULL,
	kind       TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, kind)
);
