DROP TABLE meridians;
DROP TABLE catalog_meta;
