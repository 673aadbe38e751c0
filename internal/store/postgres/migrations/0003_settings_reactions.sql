CREATE TABLE settings (
	owner_id     BIGINT NOT NULL,
	scope        INTEGER NOT NULL,
	target_id    BIGINT NOT NULL,
	name         TEXT NOT NULL,
	value        BYTEA NOT NULL,
	updated_date BIGINT NOT NULL,
	PRIMARY KEY (owner_id, scope, target_id, name)
);

CREATE TABLE message_reactions (
	message_id    BIGINT NOT NULL,
	user_id       BIGINT NOT NULL,
	reaction_type INTEGER NOT NULL,
	creation_date BIGINT NOT NULL,
	PRIMARY KEY (message_id, reaction_type, user_id)
);
