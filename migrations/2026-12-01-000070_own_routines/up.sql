-- Own routines: a routine an account writes for itself, perhaps starting as a copy of a
-- curated one (`origin`). Ids may come from the phone, so the key is (user_id, id), as
-- for sessions. Every write takes the next value of the account's history counter
-- (`version`), and a deletion leaves a tombstone (`deleted_at`), so sync sends routines
-- with the sessions under one cursor.
CREATE TABLE own_routines (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    name        text        NOT NULL,
    description text        NULL,
    conditions  text[]      NOT NULL DEFAULT '{}',
    -- [{point, side, seconds, pressure, note}], written by the application only.
    steps       jsonb       NOT NULL,
    origin      text        NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz NULL,
    version     bigint      NOT NULL,
    PRIMARY KEY (user_id, id)
);

-- The list, newest first, without tombstones.
CREATE INDEX own_routines_list_idx ON own_routines (user_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- Sync pulls: what changed after a version.
CREATE INDEX own_routines_version_idx ON own_routines (user_id, version);

-- Reminders and favorites join sync: reminders get a version and tombstones like
-- sessions; the favorites list, which sync sends whole, records the version of its last
-- change on the account. Own routines can be favorites too, by id.
ALTER TABLE reminders
    ADD COLUMN version    bigint      NOT NULL DEFAULT 0,
    ADD COLUMN deleted_at timestamptz NULL;
CREATE INDEX reminders_version_idx ON reminders (user_id, version);
ALTER TABLE favorites DROP CONSTRAINT favorites_kind_check,
    ADD CONSTRAINT favorites_kind_check CHECK (kind IN ('point', 'routine', 'own_routine'));
ALTER TABLE users ADD COLUMN favorites_version bigint NOT NULL DEFAULT 0;
