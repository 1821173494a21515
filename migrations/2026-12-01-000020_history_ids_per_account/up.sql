-- Session ids belong to their account: the key is (user_id, id). A client UUID that
-- another account holds is simply a new record for this one, so a push or create no
-- longer tells the caller that the id exists elsewhere, and a phone that used the app
-- as a guest and then registered a new account can push its offline queue.
-- No other table refers to massage_sessions by id (steps live in the row, rollups are
-- per user and day), so only the primary key changes; existing rows keep their ids.
ALTER TABLE massage_sessions DROP CONSTRAINT massage_sessions_pkey;
ALTER TABLE massage_sessions ADD CONSTRAINT massage_sessions_pkey PRIMARY KEY (user_id, id);
