-- Accounts that can be recovered by email: verified addresses, one-time codes (stored
-- as hashes only), and a transactional outbox the background sender delivers from.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz NULL;

-- A message written in the same transaction as the change that causes it. The sender
-- takes one due row at a time (FOR UPDATE SKIP LOCKED), so two instances never send the
-- same row; once sent, its bodies (which may hold a code) are cleared, and housekeeping
-- removes it after a week. An account deleted takes its messages with it.
CREATE TABLE mail_outbox (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NULL REFERENCES users (id) ON DELETE CASCADE,
    template        text        NOT NULL,
    to_address      text        NOT NULL,
    subject         text        NOT NULL,
    body_text       text        NULL,
    body_html       text        NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz NULL,
    failed_at       timestamptz NULL,
    last_error      text        NULL
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at)
    WHERE sent_at IS NULL AND failed_at IS NULL;

-- One-time codes sent by mail: a 6-digit code typed into the app and a long token in
-- the link, both kept as SHA-256 hashes (the code's with a server secret and the row id).
-- Only the newest code of an account and purpose is live.
CREATE TABLE email_codes (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     text        NOT NULL CHECK (purpose IN ('verify_email', 'password_reset')),
    email       text        NOT NULL,
    code_hash   bytea       NOT NULL,
    link_hash   bytea       NOT NULL UNIQUE,
    attempts    integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz NULL
);
CREATE INDEX email_codes_user_idx ON email_codes (user_id, purpose, created_at DESC);
