DROP TRIGGER users_history_version_notify ON users;
DROP FUNCTION notify_history_version();
