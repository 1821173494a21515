-- Sign-in rate limits, shared by every instance on this database. One row per limited
-- key (a client address, an account from one address, an account as a whole), checked
-- and updated by one statement (src/auth/ratelimit.rs), so instances cannot race.
--
-- The limit is a GCRA token bucket: `tat` (theoretical arrival time) is when the
-- bucket will be full again. An attempt is allowed while `tat` is at most the burst
-- tolerance ahead of now, and moves it on by one period; a row whose `tat` has passed
-- is the same as no row, and housekeeping deletes it.
--
-- Unlogged: no WAL, so a check costs no disk flush. After a database crash (or on a
-- failover standby) the table starts empty, which only hands out a fresh burst.
CREATE UNLOGGED TABLE rate_limits (
    key      text        PRIMARY KEY,
    tat      timestamptz NOT NULL,
    -- Whether the latest check of this key was allowed (its statement's answer).
    allowed  boolean     NOT NULL
);
