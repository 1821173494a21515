-- Foundation: catalog bookkeeping and the 14 meridians.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- One row: the version of the catalog content currently loaded.
CREATE TABLE catalog_meta (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    version    text        NOT NULL CHECK (version <> ''),
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE meridians (
    code              text    PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
    position          integer NOT NULL,
    english_name      text    NOT NULL,
    pinyin            text    NOT NULL,
    hanzi             text    NOT NULL,
    hanzi_traditional text    NOT NULL,
    aliases           text[]  NOT NULL DEFAULT '{}',
    point_count       integer NOT NULL CHECK (point_count > 0)
);
