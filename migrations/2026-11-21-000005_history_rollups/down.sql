DROP TRIGGER users_time_zone_rollup ON users;
DROP FUNCTION users_time_zone_changed();
DROP FUNCTION history_rollup_rebuild(uuid);
DROP TRIGGER massage_sessions_rollup ON massage_sessions;
DROP FUNCTION history_rollup();
DROP FUNCTION history_rollup_apply(massage_sessions, integer);
DROP TABLE history_point_days;
DROP TABLE history_days;
