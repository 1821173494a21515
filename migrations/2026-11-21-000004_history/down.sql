DROP TABLE idempotency_keys;
DROP TABLE session_steps;
DROP TABLE massage_sessions;
ALTER TABLE users DROP COLUMN history_purged_version, DROP COLUMN history_version;
