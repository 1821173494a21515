-- Measured on one user with 100,000 sessions: a condition or routine filter is served
-- best by a B-tree in list order per value (a page is read directly, 0.1 ms, whether
-- the value is common or never logged), which the GIN index of 000007 could not do (it
-- intersects the user's whole posting list, 1-2 ms, and needs a sort). The GIN index
-- stays for points, which sit in an array.
DROP INDEX massage_sessions_filters_idx;

-- fastupdate off: new entries go straight into the index instead of a pending list
-- that every search would scan until it is merged (up to 4 MB: 17 ms per page after a
-- bulk load), at a small cost per insert.
CREATE INDEX massage_sessions_points_idx ON massage_sessions
    USING gin (user_id, step_points) WITH (fastupdate = off)
    WHERE deleted_at IS NULL;

CREATE INDEX massage_sessions_condition_idx ON massage_sessions
    (user_id, condition_slug, started_at DESC, id DESC)
    WHERE deleted_at IS NULL AND condition_slug IS NOT NULL;

CREATE INDEX massage_sessions_routine_idx ON massage_sessions
    (user_id, routine_slug, started_at DESC, id DESC)
    WHERE deleted_at IS NULL AND routine_slug IS NOT NULL;
