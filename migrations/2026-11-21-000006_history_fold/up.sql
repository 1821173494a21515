-- Rollups off the write path. Creating a session no longer touches the rollups: they
-- hold exactly the live sessions whose version is at most the user's
-- history_rolled_version, and the rest (the "pending" sessions) are folded in by
-- history_fold() before statistics are read. A change to a session that is already
-- folded takes its old state out at once (the session gets a new, pending version);
-- a time-zone change rebuilds the rollups.

ALTER TABLE users ADD COLUMN history_rolled_version bigint NOT NULL DEFAULT 0;

-- Sessions that already counted are folded again below.
TRUNCATE history_days, history_point_days;

DROP TRIGGER massage_sessions_rollup ON massage_sessions;
DROP FUNCTION history_rollup();
DROP TRIGGER users_time_zone_rollup ON users;
DROP FUNCTION users_time_zone_changed();
DROP FUNCTION history_rollup_rebuild(uuid);

-- A user's live sessions with a version in (after, upto], with their local day in `tz`
-- and their changes in pain and stress.
CREATE FUNCTION history_sessions_of(uid uuid, tz text, after bigint, upto bigint)
RETURNS TABLE (day date, condition_slug text, routine_slug text, duration_seconds integer,
               step_points text[], step_seconds integer[], dp integer, ds integer, imp integer)
LANGUAGE sql STABLE AS $$
    SELECT (s.started_at AT TIME ZONE tz)::date, s.condition_slug, s.routine_slug,
           s.duration_seconds, s.step_points, s.step_seconds,
           s.pain_after - s.pain_before, s.stress_after - s.stress_before,
           COALESCE(s.pain_before - s.pain_after, s.stress_before - s.stress_after)
      FROM massage_sessions s
     WHERE s.user_id = uid AND s.version > after AND s.version <= upto AND s.deleted_at IS NULL
$$;

-- The rollup rows of a user's live sessions with a version in (after, upto], local days
-- in `tz`: what folding them adds, and what a statistics read adds for sessions not
-- folded yet.
CREATE FUNCTION history_days_of(uid uuid, tz text, after bigint, upto bigint)
RETURNS SETOF history_days LANGUAGE sql STABLE AS $$
    SELECT uid, day, COALESCE(condition_slug, ''), COALESCE(routine_slug, ''), count(*)::integer,
           sum(duration_seconds)::bigint, COALESCE(sum(dp), 0)::integer, count(dp)::integer,
           COALESCE(sum(ds), 0)::integer, count(ds)::integer, COALESCE(sum(imp), 0)::integer,
           count(imp)::integer
      FROM history_sessions_of(uid, tz, after, upto)
     GROUP BY 2, 3, 4
$$;

CREATE FUNCTION history_point_days_of(uid uuid, tz text, after bigint, upto bigint)
RETURNS SETOF history_point_days LANGUAGE sql STABLE AS $$
    SELECT uid, day, COALESCE(condition_slug, ''), x.point, count(*)::integer,
           sum(x.times)::integer, sum(x.seconds)::bigint,
           COALESCE(sum(dp), 0)::integer, count(dp)::integer, COALESCE(sum(ds), 0)::integer,
           count(ds)::integer, COALESCE(sum(imp), 0)::integer, count(imp)::integer
      FROM history_sessions_of(uid, tz, after, upto) s,
           LATERAL (SELECT point, count(*) AS times, sum(sec) AS seconds
                      FROM unnest(s.step_points, s.step_seconds) AS u(point, sec) GROUP BY point) x
     GROUP BY 2, 3, 4
$$;

-- Adds the live sessions of a user with a version in (after, upto] to the rollups.
CREATE FUNCTION history_rollup_add(uid uuid, tz text, after bigint, upto bigint) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO history_days AS h SELECT * FROM history_days_of(uid, tz, after, upto)
    ON CONFLICT (user_id, day, condition_slug, routine_slug) DO UPDATE SET
        sessions = h.sessions + EXCLUDED.sessions, seconds = h.seconds + EXCLUDED.seconds,
        pain_sum = h.pain_sum + EXCLUDED.pain_sum, pain_n = h.pain_n + EXCLUDED.pain_n,
        stress_sum = h.stress_sum + EXCLUDED.stress_sum, stress_n = h.stress_n + EXCLUDED.stress_n,
        improvement_sum = h.improvement_sum + EXCLUDED.improvement_sum,
        improvement_n = h.improvement_n + EXCLUDED.improvement_n;
    INSERT INTO history_point_days AS h SELECT * FROM history_point_days_of(uid, tz, after, upto)
    ON CONFLICT (user_id, day, condition_slug, point_code) DO UPDATE SET
        sessions = h.sessions + EXCLUDED.sessions, times = h.times + EXCLUDED.times,
        seconds = h.seconds + EXCLUDED.seconds,
        pain_sum = h.pain_sum + EXCLUDED.pain_sum, pain_n = h.pain_n + EXCLUDED.pain_n,
        stress_sum = h.stress_sum + EXCLUDED.stress_sum, stress_n = h.stress_n + EXCLUDED.stress_n,
        improvement_sum = h.improvement_sum + EXCLUDED.improvement_sum,
        improvement_n = h.improvement_n + EXCLUDED.improvement_n;
$$;

-- Folds a user's pending sessions into the rollups. Locks the user's row (history
-- writes hold it until they commit), so every version up to the counter is committed
-- and visible when it is read. Only an optimisation: a statistics read adds what is
-- still pending itself, in the same snapshot as the rollups.
CREATE FUNCTION history_fold(uid uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    tz text;
    rolled bigint;
    head bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM users WHERE id = uid AND history_rolled_version < history_version) THEN
        RETURN;
    END IF;
    SELECT time_zone, history_rolled_version, history_version INTO tz, rolled, head
      FROM users WHERE id = uid FOR NO KEY UPDATE;
    IF rolled < head THEN
        PERFORM history_rollup_add(uid, tz, rolled, head);
        UPDATE users SET history_rolled_version = head WHERE id = uid;
    END IF;
END $$;

-- A change to a folded session takes its old state out of the rollups; the new state
-- has a new version and is folded later. (A new session always gets a version above
-- the user's counter, so inserts need nothing.)
CREATE FUNCTION history_unfold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    rolled bigint;
BEGIN
    SELECT history_rolled_version INTO rolled FROM users WHERE id = OLD.user_id;
    IF OLD.deleted_at IS NULL AND OLD.version <= rolled THEN
        PERFORM history_rollup_apply(OLD, -1);
    END IF;
    IF NEW.deleted_at IS NULL AND NEW.version <= rolled THEN
        PERFORM history_rollup_apply(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER massage_sessions_unfold AFTER UPDATE ON massage_sessions
    FOR EACH ROW EXECUTE FUNCTION history_unfold();

-- A time-zone change moves sessions to other local days: start the rollups again.
CREATE FUNCTION users_time_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM history_days WHERE user_id = NEW.id;
    DELETE FROM history_point_days WHERE user_id = NEW.id;
    UPDATE users SET history_rolled_version = 0 WHERE id = NEW.id;
    RETURN NULL;
END $$;

CREATE TRIGGER users_time_zone_rollup AFTER UPDATE OF time_zone ON users
    FOR EACH ROW WHEN (OLD.time_zone IS DISTINCT FROM NEW.time_zone)
    EXECUTE FUNCTION users_time_zone_changed();
