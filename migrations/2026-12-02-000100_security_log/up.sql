-- The security log of each account, which its owner reads (and exports): sign-ups,
-- sign-ins with their device, address and user agent, failed sign-ins, sign-outs,
-- password and email changes. Kept 90 days; housekeeping removes older rows.
CREATE TABLE security_events (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        text        NOT NULL CHECK (kind IN (
                    'signed_up', 'guest_upgraded', 'signed_in', 'sign_in_failed',
                    'refresh_token_reused', 'signed_out', 'signed_out_everywhere',
                    'device_revoked', 'password_changed', 'password_reset',
                    'email_verified', 'email_change_requested', 'email_change_confirmed',
                    'email_change_undone')),
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The device session concerned (no reference: sessions are purged before events).
    session_id  uuid        NULL,
    device      text        NULL,
    ip_address  text        NULL,
    user_agent  text        NULL,
    -- The address concerned by an email change.
    email       text        NULL
);
CREATE INDEX security_events_user_idx ON security_events (user_id, at DESC, id DESC);
CREATE INDEX security_events_at_idx ON security_events (at);

-- Email change: a code to the new address, and a link to the old one that undoes the
-- change for 7 days. Account deletion from the web page by a code or link mailed to the
-- account's address (for an account without a password).
ALTER TABLE email_codes DROP CONSTRAINT email_codes_purpose_check;
-- While an undo link is live its address stays reserved for the account it belongs to.
CREATE INDEX email_codes_undo_idx ON email_codes (email)
    WHERE purpose = 'email_undo' AND used_at IS NULL;
ALTER TABLE email_codes ADD CONSTRAINT email_codes_purpose_check
    CHECK (purpose IN ('verify_email', 'password_reset', 'email_change', 'email_undo',
                       'account_delete'));
