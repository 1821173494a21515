ALTER TABLE users DROP COLUMN favorites_version;
DELETE FROM favorites WHERE kind = 'own_routine';
ALTER TABLE favorites DROP CONSTRAINT favorites_kind_check,
    ADD CONSTRAINT favorites_kind_check CHECK (kind IN ('point', 'routine'));
DROP INDEX reminders_version_idx;
ALTER TABLE reminders DROP COLUMN deleted_at, DROP COLUMN version;
DROP TABLE own_routines;
