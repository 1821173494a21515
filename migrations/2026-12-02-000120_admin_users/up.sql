-- Account administration: disabled accounts, and the audit log of what admins do.

-- A disabled account cannot sign in, and its tokens stop working at once.
ALTER TABLE users ADD COLUMN disabled_at timestamptz NULL;
-- Accounts searched by the start of their address.
CREATE INDEX users_email_prefix_idx ON users (email text_pattern_ops);
CREATE INDEX users_created_idx ON users (created_at DESC, id DESC);

-- Who did what to which item, with the item as it was before and after. The actor is
-- kept without a reference, so that the log outlives a deleted admin account.
CREATE TABLE admin_audit (
    id            uuid        PRIMARY KEY,
    actor         uuid        NOT NULL,
    at            timestamptz NOT NULL DEFAULT clock_timestamp(),
    subject_kind  text        NOT NULL CHECK (subject_kind IN ('user')),
    subject_id    text        NOT NULL,
    action        text        NOT NULL CHECK (action IN (
                      'disable', 'enable', 'sign_out', 'grant_admin', 'revoke_admin')),
    before        jsonb       NULL,
    after         jsonb       NULL
);
CREATE INDEX admin_audit_at_idx ON admin_audit (at DESC, id DESC);
CREATE INDEX admin_audit_subject_idx ON admin_audit (subject_kind, subject_id, at DESC, id DESC);

-- What an admin did to the account, in its owner's security log too.
ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check CHECK (kind IN (
    'signed_up', 'guest_upgraded', 'signed_in', 'sign_in_failed',
    'refresh_token_reused', 'signed_out', 'signed_out_everywhere',
    'device_revoked', 'password_changed', 'password_reset',
    'email_verified', 'email_change_requested', 'email_change_confirmed',
    'email_change_undone', 'identity_linked', 'identity_unlinked', 'mfa_enabled',
    'mfa_disabled', 'mfa_failed', 'recovery_code_used', 'recovery_codes_replaced',
    'disabled_by_admin', 'enabled_by_admin', 'signed_out_by_admin', 'role_changed'));
