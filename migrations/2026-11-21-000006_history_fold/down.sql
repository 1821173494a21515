-- Back to rollups kept by a trigger on every write.
DROP TRIGGER users_time_zone_rollup ON users;
DROP FUNCTION users_time_zone_changed();
DROP TRIGGER massage_sessions_unfold ON massage_sessions;
DROP FUNCTION history_unfold();
DROP FUNCTION history_fold(uuid);
DROP FUNCTION history_rollup_add(uuid, text, bigint, bigint);
DROP FUNCTION history_point_days_of(uuid, text, bigint, bigint);
DROP FUNCTION history_days_of(uuid, text, bigint, bigint);
DROP FUNCTION history_sessions_of(uuid, text, bigint, bigint);
ALTER TABLE users DROP COLUMN history_rolled_version;

CREATE FUNCTION history_rollup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.deleted_at IS NULL THEN
        PERFORM history_rollup_apply(OLD, -1);
    END IF;
    IF NEW.deleted_at IS NULL THEN
        PERFORM history_rollup_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER massage_sessions_rollup AFTER INSERT OR UPDATE ON massage_sessions
    FOR EACH ROW EXECUTE FUNCTION history_rollup();

-- Recomputes a user's rollups from their sessions (after a time-zone change).
CREATE FUNCTION history_rollup_rebuild(uid uuid) RETURNS void LANGUAGE sql AS $$
    DELETE FROM history_days WHERE user_id = uid;
    DELETE FROM history_point_days WHERE user_id = uid;
    WITH s AS (
        SELECT s.*, (s.started_at AT TIME ZONE u.time_zone)::date AS day,
               s.pain_after - s.pain_before AS dp, s.stress_after - s.stress_before AS ds,
               COALESCE(s.pain_before - s.pain_after, s.stress_before - s.stress_after) AS imp
          FROM massage_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.user_id = uid AND s.deleted_at IS NULL
    ), days AS (
        INSERT INTO history_days
        SELECT uid, day, COALESCE(condition_slug, ''), COALESCE(routine_slug, ''), count(*),
               sum(duration_seconds), COALESCE(sum(dp), 0), count(dp), COALESCE(sum(ds), 0), count(ds),
               COALESCE(sum(imp), 0), count(imp)
          FROM s GROUP BY 2, 3, 4
    )
    INSERT INTO history_point_days
    SELECT uid, day, COALESCE(condition_slug, ''), x.point, count(*), sum(x.times), sum(x.seconds),
           COALESCE(sum(dp), 0), count(dp), COALESCE(sum(ds), 0), count(ds), COALESCE(sum(imp), 0), count(imp)
      FROM s, LATERAL (SELECT point, count(*) AS times, sum(sec) AS seconds
                         FROM unnest(s.step_points, s.step_seconds) AS u(point, sec) GROUP BY point) x
     GROUP BY 2, 3, 4;
$$;

CREATE FUNCTION users_time_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM history_rollup_rebuild(NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_time_zone_rollup AFTER UPDATE OF time_zone ON users
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION users_time_zone_changed();

TRUNCATE history_days, history_point_days;
SELECT history_rollup_rebuild(id) FROM users;
