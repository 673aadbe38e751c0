CREATE TABLE group_types (
	id                          BIGINT PRIMARY KEY,
	name                        TEXT NOT NULL,
	size_limit                  BIGINT NOT NULL,
	invitation_strategy         INTEGER NOT NULL,
	join_strategy               INTEGER NOT NULL,
	info_update_strategy        INTEGER NOT NULL,
	member_info_update_strategy INTEGER NOT NULL,
	guest_speakable             BOOLEAN NOT NULL,
	self_info_updatable         BOOLEAN NOT NULL,
	enable_read_receipt         BOOLEAN NOT NULL,
	message_editable            BOOLEAN NOT NULL
);

CREATE TABLE groups (
	id                BIGINT PRIMARY KEY,
	type_id           BIGINT NOT NULL,
	creator_id        BIGINT NOT NULL,
	owner_id          BIGINT NOT NULL,
	name              TEXT NOT NULL DEFAULT '',
	intro             TEXT NOT NULL DEFAULT '',
	announcement      TEXT NOT NULL DEFAULT '',
	min_score         INTEGER NOT NULL DEFAULT 0,
	mute_end_date     BIGINT NOT NULL DEFAULT 0,
	active            BOOLEAN NOT NULL,
	attributes        BYTEA,
	creation_date     BIGINT NOT NULL,
	last_updated_date BIGINT NOT NULL,
	deletion_date     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX groups_owner ON groups (owner_id);

CREATE TABLE group_members (
	group_id      BIGINT NOT NULL,
	user_id       BIGINT NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	role          INTEGER NOT NULL,
	join_date     BIGINT NOT NULL,
	mute_end_date BIGINT NOT NULL DEFAULT 0,
	note          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE group_versions (
	group_id   BIGINT NOT NULL,
	kind       TEXT NOT NULL,
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (group_id, kind)
);

CREATE TABLE group_blocked_users (
	group_id     BIGINT NOT NULL,
	user_id      BIGINT NOT NULL,
	block_date   BIGINT NOT NULL,
	requester_id BIGINT NOT NULL,
	PRIMARY KEY (group_id, user_id)
);

CREATE TABLE group_invitations (
	id              BIGINT PRIMARY KEY,
	group_id        BIGINT NOT NULL,
	inviter_id      BIGINT NOT NULL,
	invitee_id      BIGINT NOT NULL,
	content         TEXT NOT NULL DEFAULT '',
	status          INTEGER NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	creation_date   BIGINT NOT NULL,
	response_date   BIGINT NOT NULL DEFAULT 0,
	expiration_date BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX group_invitations_group ON group_invitations (group_id, id);
CREATE INDEX group_invitations_inviter ON group_invitations (inviter_id, id);
CREATE INDEX group_invitations_invitee ON group_invitations (invitee_id, id);

CREATE TABLE group_join_requests (
	id              BIGINT PRIMARY KEY,
	group_id        BIGINT NOT NULL,
	requester_id    BIGINT NOT NULL,
	responder_id    BIGINT NOT NULL DEFAULT 0,
	content         TEXT NOT NULL DEFAULT '',
	status          INTEGER NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	creation_date   BIGINT NOT NULL,
	response_date   BIGINT NOT NULL DEFAULT 0,
	expiration_date BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX group_join_requests_group ON group_join_requests (group_id, id);
CREATE INDEX group_join_requests_requester ON group_join_requests (requester_id, id);

CREATE TABLE group_join_questions (
	id       BIGINT PRIMARY KEY,
	group_id BIGINT NOT NULL,
	question TEXT NOT NULL,
	answers  TEXT NOT NULL,
	score    INTEGER NOT NULL
);
CREATE INDEX group_join_questions_group ON group_join_questions (group_id, id);

CREATE TABLE group_conversations (
	group_id  BIGINT NOT NULL,
	member_id BIGINT NOT NULL,
	read_date BIGINT NOT NULL,
	PRIMARY KEY (group_id, member_id)
);
