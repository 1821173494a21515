DELETE FROM admin_audit WHERE subject_kind <> 'user';
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_actor_check;
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_action_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_action_check CHECK (action IN (
    'disable', 'enable', 'sign_out', 'grant_admin', 'revoke_admin'));
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_subject_kind_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_subject_kind_check CHECK (subject_kind IN ('user'));
ALTER TABLE admin_audit ALTER COLUMN actor SET NOT NULL;

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
ALTER TABLE catalog_meta DROP COLUMN baseline;
DROP TABLE catalog_revisions;
DROP TABLE catalog_items;
UPDATE catalog_meta SET version = 'reload-after-downgrade';
