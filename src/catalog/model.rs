//! Catalog response types.

use serde::Serialize;
use utoipa::ToSchema;

use crate::http::Lang;

/// One of the 14 channels: 12 regular meridians plus the Governor and Conception vessels.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "TE", "name": "Triple Energizer Meridian", "english_name": "Triple Energizer Meridian",
    "pinyin": "Shǒu Shàoyáng Sānjiāo Jīng", "hanzi": "手少阳三焦经", "hanzi_traditional": "手少陽三焦經",
    "aliases": ["SJ", "TW", "TB"], "point_count": 23
}))]
pub struct Meridian {
    /// WHO code, e.g. `LI`.
    pub code: String,
    /// The name in the language served (`Content-Language`).
    pub name: String,
    pub english_name: String,
    pub pinyin: String,
    /// Simplified Chinese name.
    pub hanzi: String,
    pub hanzi_traditional: String,
    /// Older codes that resolve to this one (`SJ` for `TE`).
    pub aliases: Vec<String>,
    /// Number of standard points on the channel.
    pub point_count: i32,
}

impl Meridian {
    pub fn localized(&self, lang: Lang) -> Self {
        let mut m = self.clone();
        m.name = pick(
            lang,
            &self.english_name,
            &self.hanzi,
            &self.hanzi_traditional,
        )
        .to_owned();
        m
    }
}

/// Chooses the text for a language, falling back to English.
pub fn pick<'a>(lang: Lang, en: &'a str, hans: &'a str, hant: &'a str) -> &'a str {
    match lang {
        Lang::ZhHans if !hans.is_empty() => hans,
        Lang::ZhHant if !hant.is_empty() => hant,
        _ => en,
    }
}

/// All meridians in WHO order; `next_cursor` is always null, as the list fits one page.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "code": "LU", "name": "Lung Meridian", "english_name": "Lung Meridian",
    "pinyin": "Shǒu Tàiyīn Fèi Jīng", "hanzi": "手太阴肺经", "hanzi_traditional": "手太陰肺經",
    "aliases": [], "point_count": 11}], "next_cursor": null}))]
pub struct MeridianList {
    pub items: Vec<Meridian>,
    pub next_cursor: Option<String>,
}
