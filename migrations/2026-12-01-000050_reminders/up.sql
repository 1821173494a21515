-- Reminders: weekdays and a local time, in the account's time zone unless the reminder
-- names its own, optionally for a routine. Ids may come from the phone, so the key is
-- (user_id, id), as for sessions. The phone schedules the notification; this is the
-- copy every device agrees on.
CREATE TABLE reminders (
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id           uuid        NOT NULL,
    -- One bit per weekday, Monday first (bit 0); at least one.
    days         smallint    NOT NULL CHECK (days BETWEEN 1 AND 127),
    local_time   time        NOT NULL,
    time_zone    text        NULL,
    routine_slug text        NULL,
    label        text        NULL,
    enabled      boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
