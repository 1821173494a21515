-- The content studio: the catalog's content becomes editable items with revisions.
--
-- Every point, condition, condition–point link, curated routine and precaution is one
-- row of `catalog_items`, keyed by (kind, key): a point by its code, a link by
-- `<condition slug>/<point code>`. `doc` is the item as the API serves it. The files in
-- data/ are the shipped baseline: `baseline` keeps what they last said about the item
-- (NULL for an item an admin created), `edited_at` marks an admin's edit, which the
-- start-up loader never overwrites; a newer baseline for an edited item waits in
-- `newer_baseline` until an admin takes it. A retired item is hidden from public lists
-- but still resolves for history, favorites and own routines.
CREATE TABLE catalog_items (
    kind           text        NOT NULL CHECK (kind IN ('point', 'condition', 'link', 'routine', 'precaution')),
    key            text        NOT NULL CHECK (key <> ''),
    position       integer     NOT NULL,
    doc            jsonb       NOT NULL,
    revision       integer     NOT NULL DEFAULT 1 CHECK (revision > 0),
    retired_at     timestamptz NULL,
    baseline       jsonb       NULL,
    edited_at      timestamptz NULL,
    newer_baseline jsonb       NULL,
    PRIMARY KEY (kind, key),
    CHECK (newer_baseline IS NULL OR edited_at IS NOT NULL)
);

-- Every revision of every item, so that an item can be restored to an earlier one.
CREATE TABLE catalog_revisions (
    kind     text        NOT NULL,
    key      text        NOT NULL,
    revision integer     NOT NULL,
    doc      jsonb       NOT NULL,
    retired  boolean     NOT NULL,
    source   text        NOT NULL CHECK (source IN ('baseline', 'admin')),
    actor    uuid        NULL,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (kind, key, revision),
    FOREIGN KEY (kind, key) REFERENCES catalog_items (kind, key) ON DELETE CASCADE,
    CHECK ((source = 'admin') = (actor IS NOT NULL))
);

-- The data files' version last merged (the served `version` also changes on every edit).
ALTER TABLE catalog_meta ADD COLUMN baseline text NULL;

-- The items replace the content tables; the next start-up loads them from data/.
DROP TABLE condition_points;
DROP TABLE routines;
DROP TABLE conditions;
DROP TABLE points;

-- Catalog edits in the admins' audit log; a notice that a newer baseline exists for an
-- edited item has no actor.
ALTER TABLE admin_audit ALTER COLUMN actor DROP NOT NULL;
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_subject_kind_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_subject_kind_check CHECK (subject_kind IN (
    'user', 'point', 'condition', 'link', 'routine', 'precaution'));
ALTER TABLE admin_audit DROP CONSTRAINT admin_audit_action_check;
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_action_check CHECK (action IN (
    'disable', 'enable', 'sign_out', 'grant_admin', 'revoke_admin',
    'create', 'update', 'retire', 'restore', 'newer_baseline'));
ALTER TABLE admin_audit ADD CONSTRAINT admin_audit_actor_check CHECK (
    (actor IS NULL) = (action = 'newer_baseline'));
