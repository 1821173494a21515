-- Sign-in with Apple and Google, and two-factor sign-in with TOTP.

-- A sign-in method other than the password: one provider account (provider, subject),
-- found by that pair and never by its email. One per provider per account.
CREATE TABLE identities (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider        text        NOT NULL CHECK (provider IN ('apple', 'google')),
    subject         text        NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
    -- The address the provider last gave, and whether it said it was verified.
    email           text        NULL,
    email_verified  boolean     NOT NULL DEFAULT false,
    -- An Apple relay address (Hide My Email).
    private_email   boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, subject),
    UNIQUE (user_id, provider)
);

-- A full account signs in with a password, an identity, or both; it may have no address
-- (Apple may give none). The rule is checked at commit, so that an account and its
-- first identity can be written in either order, and an identity's removal that would
-- leave its account with no way in fails.
ALTER TABLE users DROP CONSTRAINT users_check;
CREATE FUNCTION users_can_sign_in() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account uuid;
BEGIN
    -- Each branch is planned only when taken: a users row has no user_id.
    IF TG_TABLE_NAME = 'users' THEN
        account := NEW.id;
    ELSE
        account := OLD.user_id;
    END IF;
    IF EXISTS (SELECT 1 FROM users u
               WHERE u.id = account AND NOT u.is_guest AND u.password_hash IS NULL
                 AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.user_id = u.id)) THEN
        RAISE EXCEPTION 'account % would have no way to sign in', account
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER users_can_sign_in AFTER INSERT OR UPDATE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION users_can_sign_in();
CREATE CONSTRAINT TRIGGER identities_leave_a_way_in AFTER DELETE OR UPDATE ON identities
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION users_can_sign_in();

-- What an operator needs to revoke a provider's grant once acupress let go of it
-- (Apple's account-deletion rules): every identity removed, by unlinking or with its
-- account, written by the trigger below whatever removed it. Kept 90 days.
CREATE TABLE retired_identities (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    provider    text        NOT NULL,
    subject     text        NOT NULL,
    -- No reference: the account may be gone.
    user_id     uuid        NOT NULL,
    reason      text        NOT NULL CHECK (reason IN ('unlinked', 'account_deleted')),
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX retired_identities_at_idx ON retired_identities (at);

CREATE FUNCTION identities_retire() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO retired_identities (provider, subject, user_id, reason)
    VALUES (OLD.provider, OLD.subject, OLD.user_id,
            CASE WHEN EXISTS (SELECT 1 FROM users WHERE id = OLD.user_id)
                 THEN 'unlinked' ELSE 'account_deleted' END);
    RETURN OLD;
END $$;
CREATE TRIGGER identities_retire AFTER DELETE ON identities
    FOR EACH ROW EXECUTE FUNCTION identities_retire();

-- TOTP: the shared secret, pending until a first code confirms it; the last time step
-- accepted, so that no code works twice.
CREATE TABLE mfa_totp (
    user_id       uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret        bytea       NOT NULL,
    confirmed_at  timestamptz NULL,
    last_step     bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Single-use recovery codes: a public lookup part, and an Argon2 hash of the whole code.
CREATE TABLE mfa_recovery_codes (
    user_id   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lookup    text        NOT NULL,
    hash      text        NOT NULL,
    used_at   timestamptz NULL,
    PRIMARY KEY (user_id, lookup)
);

-- A first factor passed, the second awaited: the challenge a sign-in answers with.
CREATE TABLE mfa_challenges (
    id           uuid        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea       NOT NULL UNIQUE,
    method       text        NOT NULL CHECK (method IN ('password', 'apple', 'google')),
    device_name  text        NOT NULL,
    user_agent   text        NULL,
    attempts     integer     NOT NULL DEFAULT 0,
    -- An identity to link once the challenge is answered (a first sign-in with a
    -- provider whose verified address is this two-factor account's).
    pending_identity jsonb   NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at);

-- The assurance level a device session signed in at: 1 (one factor), 2 (two).
ALTER TABLE auth_sessions ADD COLUMN aal smallint NOT NULL DEFAULT 1 CHECK (aal IN (1, 2));

-- How a sign-in event's device proved itself.
ALTER TABLE security_events ADD COLUMN method text NULL
    CHECK (method IN ('password', 'apple', 'google', 'totp', 'recovery_code'));
ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check CHECK (kind IN (
    'signed_up', 'guest_upgraded', 'signed_in', 'sign_in_failed',
    'refresh_token_reused', 'signed_out', 'signed_out_everywhere',
    'device_revoked', 'password_changed', 'password_reset',
    'email_verified', 'email_change_requested', 'email_change_confirmed',
    'email_change_undone', 'identity_linked', 'identity_unlinked', 'mfa_enabled',
    'mfa_disabled', 'mfa_failed', 'recovery_code_used', 'recovery_codes_replaced'));
