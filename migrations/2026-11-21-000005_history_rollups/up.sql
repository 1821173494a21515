-- Daily rollups of each user's history, by local day in the user's time zone, so that
-- statistics read a few rows per day instead of every session and step. Triggers keep
-- them exact: every insert or update of a session adds its new state and subtracts its
-- old one in the same statement; a time-zone change rebuilds the user's rollups.
-- Live sessions are only ever deleted with their account (tombstones are purged, and
-- they no longer count), so deletes need no trigger.

CREATE TABLE history_days (
    user_id        uuid    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day            date    NOT NULL,
    condition_slug text    NOT NULL,  -- '' for none
    routine_slug   text    NOT NULL,  -- '' for none
    sessions       integer NOT NULL,
    seconds        bigint  NOT NULL,
    pain_sum       integer NOT NULL,  -- sum of pain_after - pain_before
    pain_n         integer NOT NULL,
    stress_sum     integer NOT NULL,
    stress_n       integer NOT NULL,
    improvement_sum integer NOT NULL, -- pain (else stress) drop, for "what works"
    improvement_n  integer NOT NULL,
    PRIMARY KEY (user_id, day, condition_slug, routine_slug)
);

CREATE TABLE history_point_days (
    user_id        uuid    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day            date    NOT NULL,
    condition_slug text    NOT NULL,
    point_code     text    NOT NULL,
    sessions       integer NOT NULL,  -- sessions that pressed the point
    times          integer NOT NULL,  -- steps on the point
    seconds        bigint  NOT NULL,
    pain_sum       integer NOT NULL,
    pain_n         integer NOT NULL,
    stress_sum     integer NOT NULL,
    stress_n       integer NOT NULL,
    improvement_sum integer NOT NULL,
    improvement_n  integer NOT NULL,
    PRIMARY KEY (user_id, day, condition_slug, point_code)
);

CREATE FUNCTION history_rollup_apply(r massage_sessions, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tz  text;
    d   date;
    dp  integer := r.pain_after - r.pain_before;
    ds  integer := r.stress_after - r.stress_before;
    imp integer := COALESCE(r.pain_before - r.pain_after, r.stress_before - r.stress_after);
BEGIN
    SELECT time_zone INTO tz FROM users WHERE id = r.user_id;
    IF tz IS NULL THEN
        RETURN;
    END IF;
    d := (r.started_at AT TIME ZONE tz)::date;
    INSERT INTO history_days AS h VALUES (
        r.user_id, d, COALESCE(r.condition_slug, ''), COALESCE(r.routine_slug, ''),
        sign, sign * r.duration_seconds,
        sign * COALESCE(dp, 0), sign * (dp IS NOT NULL)::integer,
        sign * COALESCE(ds, 0), sign * (ds IS NOT NULL)::integer,
        sign * COALESCE(imp, 0), sign * (imp IS NOT NULL)::integer)
    ON CONFLICT (user_id, day, condition_slug, routine_slug) DO UPDATE SET
        sessions = h.sessions + EXCLUDED.sessions, seconds = h.seconds + EXCLUDED.seconds,
        pain_sum = h.pain_sum + EXCLUDED.pain_sum, pain_n = h.pain_n + EXCLUDED.pain_n,
        stress_sum = h.stress_sum + EXCLUDED.stress_sum, stress_n = h.stress_n + EXCLUDED.stress_n,
        improvement_sum = h.improvement_sum + EXCLUDED.improvement_sum,
        improvement_n = h.improvement_n + EXCLUDED.improvement_n;
    INSERT INTO history_point_days AS h
    SELECT r.user_id, d, COALESCE(r.condition_slug, ''), x.point,
           sign, sign * count(*), sign * sum(x.sec),
           sign * COALESCE(dp, 0), sign * (dp IS NOT NULL)::integer,
           sign * COALESCE(ds, 0), sign * (ds IS NOT NULL)::integer,
           sign * COALESCE(imp, 0), sign * (imp IS NOT NULL)::integer
      FROM unnest(r.step_points, r.step_seconds) AS x(point, sec)
     GROUP BY x.point
    ON CONFLICT (user_id, day, condition_slug, point_code) DO UPDATE SET
        sessions = h.sessions + EXCLUDED.sessions, times = h.times + EXCLUDED.times,
        seconds = h.seconds + EXCLUDED.seconds,
        pain_sum = h.pain_sum + EXCLUDED.pain_sum, pain_n = h.pain_n + EXCLUDED.pain_n,
        stress_sum = h.stress_sum + EXCLUDED.stress_sum, stress_n = h.stress_n + EXCLUDED.stress_n,
        improvement_sum = h.improvement_sum + EXCLUDED.improvement_sum,
        improvement_n = h.improvement_n + EXCLUDED.improvement_n;
END $$;

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
