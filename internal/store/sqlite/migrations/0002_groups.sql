CREATE TABLE group_types (
	id                          INTEGER PRIMARY KEY,
	name                        TEXT NOT NULL,
	size_limit                  INTEGER NOT NULL,
	invitation_strategy         INTEGER NOT NULL,
	join_strategy               INTEGER NOT NULL,
	info_update_strategy        INTEGER NOT NULL,
	member_info_update_strategy INTEGER NOT NULL,
	guest_speakable             INTEGER NOT NULL,
	self_info_updatable         INTEGER NOT NULL,
	enable_read_receipt         INTEGER NOT NULL,
	message_editable            INTEGER NOT NULL
);

CREATE TABLE groups (
	id                INTEGER PRIMARY KEY,
	type_id           INTEGER NOT NULL,
	creator_id        INTEGER NOT NULL,
	owner_id          INTEGER NOT NULL,
	name              TEXT NOT NULL DEFAULT '',
	intro             TEXT NOT NULL DEFAULT '',
	announcement      TEXT NOT NULL DEFAULT '',
	min_score         INTEGER NOT NULL DEFAULT 0,
	mute_end_date     INTEGER NOT NULL DEFAULT 0,
	active            INTEGER NOT NULL,
	attributes        BLOB,
	creation_date     INTEGER NOT NULL,
	last_updated_date INTEGER NOT NULL,
	deletion_date     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX groups_owner ON groups (owner_id);

CREATE TABLE group_members (
	group_id      INTEGER NOT NULL,
	user_id       INTEGER NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	role          INTEGER NOT NULL,
	join_date     INTEGER NOT NULL,
	mute_end_date INTEGER NOT NULL DEFAULT 0,
	note          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX group_members_user ON group_members (user_id, group_id);

CREATE TABLE group_versions (
	group_id   INTEGER NOT NULL,
	kind       TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (group_id, kind)
) WITHOUT ROWID;

CREATE TABLE group_blocked_users (
	group_id   INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	block_date INTEGER NOT NULL,
	requester_id INTEGER NOT NULL,
	PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;

CREATE TABLE group_invitations (
	id              INTEGER PRIMARY KEY,
	group_id        INTEGER NOT NULL,
	inviter_id      INTEGER NOT NULL,
	invitee_id      INTEGER NOT NULL,
	content         TEXT NOT NULL DEFAULT '',
	status          INTEGER NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	creation_date   INTEGER NOT NULL,
	response_date   INTEGER NOT NULL DEFAULT 0,
	expiration_date INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX group_invitations_group ON group_invitations (group_id, id);
CREATE INDEX group_invitations_inviter ON group_invitations (inviter_id, id);
CREATE INDEX group_invitations_invitee ON group_invitations (invitee_id, id);

CREATE TABLE group_join_requests (
	id              INTEGER PRIMARY KEY,
	group_id        INTEGER NOT NULL,
	requester_id    INTEGER NOT NULL,
	responder_id    INTEGER NOT NULL DEFAULT 0,
	content         TEXT NOT NULL DEFAULT '',
	status          INTEGER NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	creation_date   INTEGER NOT NULL,
	response_date   INTEGER NOT NULL DEFAULT 0,
	expiration_date INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX group_join_requests_group ON group_join_requests (group_id, id);
CREATE INDEX group_join_requests_requester ON group_join_requests (requester_id, id);

CREATE TABLE group_join_questions (
	id       INTEGER PRIMARY KEY,
	group_id INTEGER NOT NULL,
	question TEXT NOT NULL,
	answers  TEXT NOT NULL,
	score    INTEGER NOT NULL
);
CREATE INDEX group_join_questions_group ON group_join_questions (group_id, id);

CREATE TABLE group_conversations (
	group_id  INTEGER NOT NULL,
	member_id INTEGER NOT NULL,
	read_date INTEGER NOT NULL,
	PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
