DROP INDEX massage_sessions_routine_idx;
DROP INDEX massage_sessions_condition_idx;
DROP INDEX massage_sessions_points_idx;
CREATE INDEX massage_sessions_filters_idx ON massage_sessions
    USING gin (user_id, step_points, condition_slug, routine_slug)
    WHERE deleted_at IS NULL;
