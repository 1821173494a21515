DROP TABLE idempotency_keys;
DROP TABLE massage_sessions;
DROP FUNCTION step_seconds(jsonb);
DROP FUNCTION step_points(jsonb);
ALTER TABLE users DROP COLUMN history_purged_version, DROP COLUMN history_version;
