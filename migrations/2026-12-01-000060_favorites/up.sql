-- Favorites: catalog points and curated routines an account keeps, in its own order.
-- The item is the catalog's code or slug; an item that later leaves the catalog stays
-- listed (as retired) until the user removes it.
CREATE TABLE favorites (
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       text        NOT NULL CHECK (kind IN ('point', 'routine')),
    item       text        NOT NULL,
    position   integer     NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, item)
);
