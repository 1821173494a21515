DROP TRIGGER catalog_meta_notify ON catalog_meta;
DROP FUNCTION catalog_meta_notify();
