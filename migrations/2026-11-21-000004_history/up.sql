-- Session history, offline sync and idempotent writes.

-- Per-user change counter. Every history write locks the user's row, takes the next
-- value and stamps it on the record, so versions commit in order for each user and a
-- pull of "version > cursor" never misses a change committed concurrently.
ALTER TABLE users
    ADD COLUMN history_version bigint NOT NULL DEFAULT 0,
    -- Highest version of a tombstone purged; older cursors must re-download (410).
    ADD COLUMN history_purged_version bigint NOT NULL DEFAULT 0;

CREATE TABLE massage_sessions (
    id               uuid        PRIMARY KEY,
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at       timestamptz NOT NULL,
    duration_seconds integer     NOT NULL CHECK (duration_seconds BETWEEN 1 AND 86400),
    routine_slug     text,
    condition_slug   text,
    pain_before      smallint    CHECK (pain_before BETWEEN 0 AND 10),
    pain_after       smallint    CHECK (pain_after BETWEEN 0 AND 10),
    stress_before    smallint    CHECK (stress_before BETWEEN 0 AND 10),
    stress_after     smallint    CHECK (stress_after BETWEEN 0 AND 10),
    mood             text,
    notes            text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Set for a tombstone: the record was deleted; kept at least 90 days for sync.
    deleted_at       timestamptz,
    version          bigint      NOT NULL
);
-- Listing, newest first, keyset on (started_at, id).
CREATE INDEX massage_sessions_list_idx ON massage_sessions (user_id, started_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- Sync pulls.
CREATE UNIQUE INDEX massage_sessions_version_idx ON massage_sessions (user_id, version);
CREATE INDEX massage_sessions_tombstones_idx ON massage_sessions (deleted_at) WHERE deleted_at IS NOT NULL;

CREATE TABLE session_steps (
    session_id uuid     NOT NULL REFERENCES massage_sessions (id) ON DELETE CASCADE,
    position   smallint NOT NULL,
    point_code text     NOT NULL,
    side       text     NOT NULL CHECK (side IN ('left', 'right', 'both', 'midline')),
    seconds    integer  NOT NULL CHECK (seconds BETWEEN 1 AND 3600),
    pressure   text     NOT NULL CHECK (pressure IN ('light', 'medium', 'firm')),
    PRIMARY KEY (session_id, position)
);
CREATE INDEX session_steps_point_idx ON session_steps (point_code, session_id);

-- Idempotency-Key records: the first response is replayed for a retry.
CREATE TABLE idempotency_keys (
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key             uuid        NOT NULL,
    request_hash    bytea       NOT NULL,
    completed       boolean     NOT NULL DEFAULT false,
    response_status smallint,
    response_body   jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
