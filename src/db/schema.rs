// Diesel table definitions, written to match migrations/ (every column is read or written by the tests).

diesel::table! {
    catalog_meta (id) {
        id -> Bool,
        version -> Text,
        loaded_at -> Timestamptz,
        safety -> Jsonb,
    }
}

diesel::table! {
    meridians (code) {
        code -> Text,
        position -> Int4,
        english_name -> Text,
        pinyin -> Text,
        hanzi -> Text,
        hanzi_traditional -> Text,
        aliases -> Array<Text>,
        point_count -> Int4,
    }
}

diesel::table! {
    points (code) {
        code -> Text,
        position -> Int4,
        kind -> Text,
        meridian_code -> Nullable<Text>,
        number -> Nullable<Int4>,
        body_region -> Text,
        pregnancy -> Text,
        doc -> Jsonb,
    }
}

diesel::table! {
    conditions (slug) {
        slug -> Text,
        position -> Int4,
        category -> Text,
        doc -> Jsonb,
    }
}

diesel::table! {
    condition_points (condition_slug, point_code) {
        condition_slug -> Text,
        point_code -> Text,
        rank -> Int4,
        evidence -> Text,
        note -> Text,
    }
}

diesel::table! {
    routines (slug) {
        slug -> Text,
        position -> Int4,
        doc -> Jsonb,
    }
}

diesel::table! {
    point_search_terms (point_code, kind, display) {
        point_code -> Text,
        kind -> Text,
        display -> Text,
        weight -> Float4,
        term -> Text,
    }
}

diesel::joinable!(condition_points -> conditions (condition_slug));
diesel::joinable!(condition_points -> points (point_code));
diesel::joinable!(point_search_terms -> points (point_code));

diesel::allow_tables_to_appear_in_same_query!(
    catalog_meta,
    meridians,
    points,
    conditions,
    condition_points,
    routines,
    point_search_terms,
);
