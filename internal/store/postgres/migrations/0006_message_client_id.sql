-- The id an XMPP client gave a message, so that its later corrections,
-- retractions, reactions and markers can refer to the message by it.
-- Not a partial index as in SQLite: a prepared statement's generic plan
-- cannot prove that a bound client_id is not '', and could not use it.
ALTER TABLE messages ADD COLUMN client_id TEXT NOT NULL DEFAULT '';
CREATE INDEX messages_client_id ON messages (sender_id, client_id, id);
