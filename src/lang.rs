//! The languages acupress writes in: the catalog's texts, and the language an account is
//! written to. A leaf: request negotiation (`Accept-Language`) lives in `http`.

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

/// Languages the catalog is written in, and that an account can choose.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
    AsExpression,
    FromSqlRow,
)]
#[diesel(sql_type = Text)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "zh-Hant")]
    ZhHant,
}

impl Lang {
    pub const ALL: [Self; 3] = [Self::En, Self::ZhHans, Self::ZhHant];

    /// The BCP 47 tag, as sent in JSON, `Content-Language` and stored.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhHans => "zh-Hans",
            Self::ZhHant => "zh-Hant",
        }
    }

    /// The language a BCP 47 tag asks for, if acupress writes it: `zh-TW` is `zh-Hant`,
    /// `en-GB` is `en`, `fr` is none.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "*" || tag == "en" || tag.starts_with("en-") {
            return Some(Self::En);
        }
        if tag == "zh-hant" || tag.starts_with("zh-hant-") {
            return Some(Self::ZhHant);
        }
        // Regions that write traditional characters.
        if ["zh-tw", "zh-hk", "zh-mo"].contains(&tag.as_str()) {
            return Some(Self::ZhHant);
        }
        if tag == "zh" || tag.starts_with("zh-") {
            return Some(Self::ZhHans);
        }
        None
    }
}

/// One of the three tags exactly (any letter case): `en`, `zh-Hans`, `zh-Hant`.
impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(raw))
            .ok_or_else(|| format!("unknown language `{raw}`: one of en, zh-Hans, zh-Hant"))
    }
}

impl ToSql<Text, Pg> for Lang {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.tag(), out)
    }
}

impl FromSql<Text, Pg> for Lang {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        // The column's CHECK constraint allows only the three tags.
        let tag = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Self::ALL
            .into_iter()
            .find(|lang| lang.tag() == tag)
            .ok_or_else(|| format!("unknown language `{tag}` stored").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_the_json_values() {
        for lang in Lang::ALL {
            assert_eq!(
                serde_json::to_value(lang).unwrap(),
                serde_json::Value::from(lang.tag())
            );
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
        assert_eq!(Lang::from_tag("zh-TW"), Some(Lang::ZhHant));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!("ZH-hant".parse::<Lang>(), Ok(Lang::ZhHant));
        assert!("zh-TW".parse::<Lang>().is_err());
        assert!(serde_json::from_value::<Lang>("de".into()).is_err());
    }
}
