-- Restores the SQL search of the catalog migration. The terms table stays empty until
-- a build that writes it loads a new catalog version.
-- Search key: lower case, no accents or tone marks, no spaces or separators.
-- (unaccent is STABLE only because its dictionary could change; ours does not.)
CREATE FUNCTION search_key(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT regexp_replace(lower(unaccent('unaccent'::regdictionary, t)), '[[:space:]\-_.,''’()/%\\]+', '', 'g') $$;

-- Every name a point can be searched by, with the normalised key the search compares.
CREATE TABLE point_search_terms (
    point_code text NOT NULL REFERENCES points (code) ON DELETE CASCADE,
    kind       text NOT NULL,
    display    text NOT NULL,
    weight     real NOT NULL CHECK (weight > 0),
    term       text GENERATED ALWAYS AS (search_key(display)) STORED,
    PRIMARY KEY (point_code, kind, display)
);
-- fastupdate off: new terms go straight into the index instead of a pending list that
-- every search would scan linearly until the next vacuum.
CREATE INDEX point_search_terms_trgm_idx ON point_search_terms
    USING gin (term gin_trgm_ops) WITH (fastupdate = off);

-- Scores every name of every point against a query: exact, prefix and substring matches
-- of the accent- and space-free key, then trigram similarity for typos; each kind of
-- name carries a weight (codes highest, condition names lowest). The table is small
-- enough that the planner would scan it, calling similarity() on every row; the
-- trigram index answers in a fraction of the time, so the function asks for it.
CREATE FUNCTION search_points(query text)
    RETURNS TABLE (point_code text, kind text, display text, score float8)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET enable_seqscan = off
    AS $$
    SELECT t.point_code, t.kind, t.display,
           (CASE WHEN t.term = k THEN 100
                 WHEN t.term LIKE k || '%' THEN 80
                 WHEN t.term LIKE '%' || k || '%' THEN 60
                 ELSE 50 * similarity(t.term, k) END)::float8 * t.weight
      FROM point_search_terms t, (SELECT search_key(query) AS k) q
     WHERE k <> ''
       AND (t.term LIKE k || '%'
            OR (char_length(k) >= 3 AND t.term LIKE '%' || k || '%')
            OR (char_length(k) >= 4 AND t.term % k))
    $$;
