ALTER TABLE idempotency_keys DROP COLUMN response_location;
DROP INDEX massage_sessions_filters_idx;
DROP EXTENSION IF EXISTS btree_gin;
