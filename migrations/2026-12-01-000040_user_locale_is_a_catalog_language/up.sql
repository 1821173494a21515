-- An account's language is one acupress writes in (en, zh-Hans, zh-Hant). Tags stored
-- before take the nearest of them (zh-TW is zh-Hant, zh-CN is zh-Hans), anything else en.
UPDATE users SET locale = CASE
    WHEN lower(locale) IN ('zh-hant', 'zh-tw', 'zh-hk', 'zh-mo') OR lower(locale) LIKE 'zh-hant-%' THEN 'zh-Hant'
    WHEN lower(locale) = 'zh' OR lower(locale) LIKE 'zh-%' THEN 'zh-Hans'
    ELSE 'en'
END
WHERE locale NOT IN ('en', 'zh-Hans', 'zh-Hant');

ALTER TABLE users ADD CONSTRAINT users_locale_known CHECK (locale IN ('en', 'zh-Hans', 'zh-Hant'));
