-- Back to ids unique across all accounts. Impossible once two accounts hold the same
-- id: refuse rather than delete somebody's history.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM massage_sessions GROUP BY id HAVING count(*) > 1) THEN
        RAISE EXCEPTION 'two accounts hold the same session id; resolve these before reverting: %',
            (SELECT string_agg(id::text, ', ') FROM
                (SELECT id FROM massage_sessions GROUP BY id HAVING count(*) > 1 LIMIT 10) d);
    END IF;
END $$;
ALTER TABLE massage_sessions DROP CONSTRAINT massage_sessions_pkey;
ALTER TABLE massage_sessions ADD CONSTRAINT massage_sessions_pkey PRIMARY KEY (id);
