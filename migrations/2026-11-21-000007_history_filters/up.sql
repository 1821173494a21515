-- List filters (point, condition, routine) that match few of a user's sessions. The list
-- index (user_id, started_at, id) serves filters that match often: the newest matches
-- are near its start. A filter that matches rarely, or never, would read every entry
-- of the user there; this index finds those sessions directly (a few hundred at most to
-- sort for a page), and the planner picks whichever is cheaper from the statistics.
-- btree_gin lets the uuid and text columns share one GIN index with the points array;
-- like pg_trgm and unaccent it is a trusted extension in the standard contrib package.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX massage_sessions_filters_idx ON massage_sessions
    USING gin (user_id, step_points, condition_slug, routine_slug)
    WHERE deleted_at IS NULL;

-- A replayed response carries the same Location header as the first one.
ALTER TABLE idempotency_keys ADD COLUMN response_location text;
