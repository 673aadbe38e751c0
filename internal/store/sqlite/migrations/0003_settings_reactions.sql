CREATE TABLE settings (
	owner_id     INTEGER NOT NULL,
	scope        INTEGER NOT NULL,
	target_id    INTEGER NOT NULL,
	name         TEXT NOT NULL,
	value        BLOB NOT NULL,
	updated_date INTEGER NOT NULL,
	PRIMARY KEY (owner_id, scope, target_id, name)
) WITHOUT ROWID;

CREATE TABLE message_reactions (
	message_id    INTEGER NOT NULL,
	user_id       INTEGER NOT NULL,
	reaction_type INTEGER NOT NULL,
	creation_date INTEGER NOT NULL,
	PRIMARY KEY (message_id, reaction_type, user_id)
) WITHOUT ROWID;
