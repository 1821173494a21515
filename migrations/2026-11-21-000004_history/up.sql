-- Session history, offline sync and idempotent writes.

-- Per-user change counter. Every history write locks the user's row, takes the next
-- value and stamps it on the record, so versions commit in order for each user and a
-- pull of "version > cursor" never misses a change committed concurrently.
ALTER TABLE users
    ADD COLUMN history_version bigint NOT NULL DEFAULT 0,
    -- Highest version of a tombstone purged; older cursors must re-download (410).
    ADD COLUMN history_purged_version bigint NOT NULL DEFAULT 0;

-- The point codes and seconds of a session's steps, in order (for filters and stats).
CREATE FUNCTION step_points(steps jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT coalesce(array_agg(e->>'point' ORDER BY n), '{}') FROM jsonb_array_elements(steps) WITH ORDINALITY AS t(e, n) $$;
CREATE FUNCTION step_seconds(steps jsonb) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT coalesce(array_agg((e->>'seconds')::integer ORDER BY n), '{}') FROM jsonb_array_elements(steps) WITH ORDINALITY AS t(e, n) $$;

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
    -- [{"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium"}, ...],
    -- validated by the application against the catalog.
    steps            jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(steps) = 'array'),
    step_points      text[]      GENERATED ALWAYS AS (step_points(steps)) STORED,
    step_seconds     integer[]   GENERATED ALWAYS AS (step_seconds(steps)) STORED,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Set for a tombstone: the record was deleted; kept at least 90 days for sync.
    deleted_at       timestamptz,
    version          bigint      NOT NULL
);
-- Listing, newest first, keyset on (started_at, id); also the range scans of stats.
CREATE INDEX massage_sessions_list_idx ON massage_sessions (user_id, started_at DESC, id DESC)
    WHERE deleted_at IS NULL;
-- Sync pulls.
CREATE UNIQUE INDEX massage_sessions_version_idx ON massage_sessions (user_id, version);
CREATE INDEX massage_sessions_tombstones_idx ON massage_sessions (deleted_at) WHERE deleted_at IS NOT NULL;

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
