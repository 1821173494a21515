-- Any language tag is accepted again; the tags that were mapped stay mapped.
ALTER TABLE users DROP CONSTRAINT users_locale_known;
