-- Every instance learns of a new catalog version within a moment: the stored version's
-- change notifies `acupress_catalog` (at commit) with the new version, and each instance
-- listening reloads. The periodic check stays as the fallback.
CREATE FUNCTION catalog_meta_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('acupress_catalog', NEW.version);
    RETURN NULL;
END $$;
CREATE TRIGGER catalog_meta_notify AFTER INSERT OR UPDATE OF version ON catalog_meta
    FOR EACH ROW EXECUTE FUNCTION catalog_meta_notify();
