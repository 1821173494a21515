-- The point catalog. Rich, read-only content lives in `doc` (JSON written by the
-- loader from data/); keys, filters and links are relational so they stay consistent.

-- Search key: lower case, no accents or tone marks, no spaces or separators.
-- (unaccent is STABLE only because its dictionary could change; ours does not.)
CREATE FUNCTION search_key(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT regexp_replace(lower(unaccent('unaccent'::regdictionary, t)), '[[:space:]\-_.,''’()/%\\]+', '', 'g') $$;

CREATE TABLE points (
    code          text    PRIMARY KEY,
    position      integer NOT NULL,
    kind          text    NOT NULL CHECK (kind IN ('standard', 'extra')),
    meridian_code text    REFERENCES meridians (code),
    number        integer CHECK (number > 0),
    body_region   text    NOT NULL,
    pregnancy     text    NOT NULL CHECK (pregnancy IN ('safe', 'caution', 'contraindicated')),
    doc           jsonb   NOT NULL,
    CHECK ((kind = 'standard') = (meridian_code IS NOT NULL AND number IS NOT NULL))
);
CREATE UNIQUE INDEX points_meridian_number_idx ON points (meridian_code, number);

CREATE TABLE conditions (
    slug     text    PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    position integer NOT NULL,
    category text    NOT NULL,
    doc      jsonb   NOT NULL
);

CREATE TABLE condition_points (
    condition_slug text    NOT NULL REFERENCES conditions (slug) ON DELETE CASCADE,
    point_code     text    NOT NULL REFERENCES points (code) ON DELETE CASCADE,
    rank           integer NOT NULL CHECK (rank > 0),
    evidence       text    NOT NULL CHECK (evidence IN ('traditional', 'limited', 'reviewed')),
    note           text    NOT NULL,
    PRIMARY KEY (condition_slug, point_code)
);
CREATE INDEX condition_points_point_idx ON condition_points (point_code);

CREATE TABLE routines (
    slug     text    PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    position integer NOT NULL,
    doc      jsonb   NOT NULL
);

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

ALTER TABLE catalog_meta ADD COLUMN safety jsonb NOT NULL DEFAULT '{}';
