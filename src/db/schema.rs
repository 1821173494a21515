// Diesel table definitions, written to match migrations/ (every column is read or written by the tests).

diesel::table! {
    catalog_meta (id) {
        id -> Bool,
        version -> Text,
        loaded_at -> Timestamptz,
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

diesel::allow_tables_to_appear_in_same_query!(catalog_meta, meridians);
