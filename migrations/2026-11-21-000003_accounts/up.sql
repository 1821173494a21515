-- Accounts, device sessions and rotating refresh tokens.

CREATE TABLE users (
    id                  uuid        PRIMARY KEY,
    -- Normalised (trimmed, lower case); null for a guest until it upgrades.
    email               text        UNIQUE CHECK (email = lower(btrim(email))),
    -- Argon2id PHC string; null for a guest.
    password_hash       text,
    display_name        text        NOT NULL,
    locale              text        NOT NULL DEFAULT 'en',
    time_zone           text        NOT NULL DEFAULT 'UTC',
    role                text        NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    is_guest            boolean     NOT NULL DEFAULT false,
    -- Safety profile: asked once, used to warn about points.
    pregnant            boolean     NOT NULL DEFAULT false,
    bleeding_risk       boolean     NOT NULL DEFAULT false,
    varicose_veins      boolean     NOT NULL DEFAULT false,
    recent_surgery_or_fracture boolean NOT NULL DEFAULT false,
    skin_condition      boolean     NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (is_guest OR (email IS NOT NULL AND password_hash IS NOT NULL))
);

-- One signed-in device: the family every refresh token of that device belongs to.
CREATE TABLE auth_sessions (
    id            uuid        PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device_name   text        NOT NULL,
    user_agent    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    revoke_reason text
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are stored only as SHA-256 hashes.
CREATE TABLE refresh_tokens (
    token_hash  bytea       PRIMARY KEY CHECK (length(token_hash) = 32),
    session_id  uuid        NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    -- Set when the token was exchanged for a new one; reuse after a grace period
    -- revokes the whole session.
    rotated_at  timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
