CREATE TABLE resources (
	type          INTEGER NOT NULL,
	key           TEXT NOT NULL,
	uploader_id   BIGINT NOT NULL,
	user_id       BIGINT NOT NULL DEFAULT 0,
	group_id      BIGINT NOT NULL DEFAULT 0,
	name          TEXT NOT NULL DEFAULT '',
	media_type    TEXT NOT NULL DEFAULT '',
	size          BIGINT NOT NULL,
	creation_date BIGINT NOT NULL,
	PRIMARY KEY (type, key)
);
CREATE INDEX resources_uploader ON resources (uploader_id, creation_date) WHERE type = 2;

CREATE TABLE resource_shares (
	type     INTEGER NOT NULL,
	key      TEXT NOT NULL,
	user_id  BIGINT NOT NULL DEFAULT 0,
	group_id BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (type, key, user_id, group_id)
);
CREATE INDEX resource_shares_user ON resource_shares (user_id) WHERE user_id != 0;
CREATE INDEX resource_shares_group ON resource_shares (group_id) WHERE group_id != 0;
