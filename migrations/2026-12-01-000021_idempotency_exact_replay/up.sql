-- Idempotency keys are written once, with the response, in the transaction that does
-- the work; a request in flight is known by a transaction-scoped advisory lock, which
-- ends with its request (also when the connection is cut), not by an unfinished row.
-- Rows left unfinished by the old scheme stand for requests that never completed.
DELETE FROM idempotency_keys WHERE NOT completed;
ALTER TABLE idempotency_keys DROP COLUMN completed;
ALTER TABLE idempotency_keys ALTER COLUMN response_status SET NOT NULL;

-- A replay sends the first response's bytes exactly. jsonb kept the value but not its
-- text (it reorders keys), so a replay was a re-serialisation. Rows already stored
-- keep their value as jsonb prints it.
ALTER TABLE idempotency_keys ADD COLUMN response_bytes bytea;
UPDATE idempotency_keys SET response_bytes = convert_to(response_body::text, 'UTF8')
 WHERE response_body IS NOT NULL;
ALTER TABLE idempotency_keys DROP COLUMN response_body;
