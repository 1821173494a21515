-- Point search runs in memory over the catalog snapshot (src/catalog/search/): the
-- search terms, their trigram index and the scoring function are no longer read.
DROP FUNCTION search_points(text);
DROP TABLE point_search_terms;
DROP FUNCTION search_key(text);
