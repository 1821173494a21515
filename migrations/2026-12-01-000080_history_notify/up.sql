-- Every instance keeps the answers of an account's own reads (a page of own routines,
-- the favorites, recommendations) by the account's history version. When a write moves
-- that version on, the commit tells every listening instance at once, so none has to
-- ask the database for the version on each read. The payload is "<user id> <version>".
CREATE FUNCTION notify_history_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('acupress_history', NEW.id::text || ' ' || NEW.history_version::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER users_history_version_notify
    AFTER UPDATE OF history_version ON users
    FOR EACH ROW
    WHEN (NEW.history_version IS DISTINCT FROM OLD.history_version)
    EXECUTE FUNCTION notify_history_version();
