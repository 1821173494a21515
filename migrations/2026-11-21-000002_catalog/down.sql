ALTER TABLE catalog_meta DROP COLUMN safety;
DROP FUNCTION search_points(text);
DROP TABLE point_search_terms;
DROP TABLE routines;
DROP TABLE condition_points;
DROP TABLE conditions;
DROP TABLE points;
DROP FUNCTION search_key(text);
