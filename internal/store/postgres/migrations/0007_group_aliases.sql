-- A group's alias is the address an XMPP client chose for it when it
-- created the group as a room (team@conference.example.com); the numeric
-- address works too. A deleted group frees its alias.
CREATE TABLE group_aliases (
	alias    TEXT PRIMARY KEY,
	group_id BIGINT NOT NULL UNIQUE
);
