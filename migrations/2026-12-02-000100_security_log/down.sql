DROP INDEX email_codes_undo_idx;
DELETE FROM email_codes WHERE purpose IN ('email_change', 'email_undo', 'account_delete');
ALTER TABLE email_codes DROP CONSTRAINT email_codes_purpose_check;
ALTER TABLE email_codes ADD CONSTRAINT email_codes_purpose_check
    CHECK (purpose IN ('verify_email', 'password_reset'));
DROP TABLE security_events;
