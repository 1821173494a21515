ALTER TABLE security_events DROP CONSTRAINT security_events_kind_check;
DELETE FROM security_events WHERE kind IN ('disabled_by_admin', 'enabled_by_admin',
    'signed_out_by_admin', 'role_changed');
ALTER TABLE security_events ADD CONSTRAINT security_events_kind_check CHECK (kind IN (
    'signed_up', 'guest_upgraded', 'signed_in', 'sign_in_failed',
    'refresh_token_reused', 'signed_out', 'signed_out_everywhere',
    'device_revoked', 'password_changed', 'password_reset',
    'email_verified', 'email_change_requested', 'email_change_confirmed',
    'email_change_undone', 'identity_linked', 'identity_unlinked', 'mfa_enabled',
    'mfa_disabled', 'mfa_failed', 'recovery_code_used', 'recovery_codes_replaced'));
DROP TABLE admin_audit;
DROP INDEX users_created_idx;
DROP INDEX users_email_prefix_idx;
ALTER TABLE users DROP COLUMN disabled_at;
