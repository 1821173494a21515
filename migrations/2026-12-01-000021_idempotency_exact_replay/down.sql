ALTER TABLE idempotency_keys ADD COLUMN response_body jsonb;
UPDATE idempotency_keys SET response_body = convert_from(response_bytes, 'UTF8')::jsonb
 WHERE response_bytes IS NOT NULL;
ALTER TABLE idempotency_keys DROP COLUMN response_bytes;

ALTER TABLE idempotency_keys ALTER COLUMN response_status DROP NOT NULL;
ALTER TABLE idempotency_keys ADD COLUMN completed boolean NOT NULL DEFAULT true;
ALTER TABLE idempotency_keys ALTER COLUMN completed SET DEFAULT false;
