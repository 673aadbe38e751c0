-- Private messages by sender are read from messages_private_sender (0008):
-- the index of every message by sender keeps only group messages now, so
-- that a private message updates one index fewer.
DROP INDEX messages_sender;
CREATE INDEX messages_group_sender ON messages (sender_id, delivery_date) WHERE group_id != 0;
