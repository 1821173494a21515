//! The catalog's texts in its other languages (`zh-Hans`, `zh-Hant`). Every item holds
//! its own translations, field by field: a field left out is read in English. The data
//! files keep them per language in `i18n/<tag>.toml` (docs/data-format.md).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::Lang;

/// The languages an item may be translated into: all but English, its own.
pub const TRANSLATED: [Lang; 2] = [Lang::ZhHans, Lang::ZhHant];

/// An item's translations: its texts in each language that has some.
pub trait Translated {
    type Texts;
    fn texts(&self, lang: Lang) -> Option<&Self::Texts>;
}

/// `$name` holds an item's `$texts` per language, each optional.
macro_rules! translations {
    ($(#[$doc:meta])* $name:ident of $texts:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Simplified Chinese.
            #[serde(rename = "zh-Hans", default, skip_serializing_if = "Option::is_none")]
                    pub zh_hans: Option<$texts>,
            /// Traditional Chinese.
            #[serde(rename = "zh-Hant", default, skip_serializing_if = "Option::is_none")]
                    pub zh_hant: Option<$texts>,
        }

        impl Translated for $name {
            type Texts = $texts;

            fn texts(&self, lang: Lang) -> Option<&$texts> {
                self.get(lang)
            }
        }

        impl $name {
            /// The texts in `lang` (none for English, the item's own language).
            pub fn get(&self, lang: Lang) -> Option<&$texts> {
                match lang {
                    Lang::En => None,
                    Lang::ZhHans => self.zh_hans.as_ref(),
                    Lang::ZhHant => self.zh_hant.as_ref(),
                }
            }

            /// Where the texts in `lang` go (none for English).
            pub fn slot(&mut self, lang: Lang) -> Option<&mut Option<$texts>> {
                match lang {
                    Lang::En => None,
                    Lang::ZhHans => Some(&mut self.zh_hans),
                    Lang::ZhHant => Some(&mut self.zh_hant),
                }
            }

            pub fn is_empty(&self) -> bool {
                self.zh_hans.is_none() && self.zh_hant.is_none()
            }

            /// Every language with texts, and its texts.
            pub fn each(&self) -> impl Iterator<Item = (Lang, &$texts)> {
                TRANSLATED
                    .into_iter()
                    .filter_map(move |lang| Some((lang, self.get(lang)?)))
            }
        }
    };
}

translations!(
    /// A point's location and self-care guidance in other languages.
    PointTranslations of PointTexts
);
translations!(
    /// A condition's texts in other languages.
    ConditionTranslations of ConditionTexts
);
translations!(
    /// A condition–point link's note in other languages.
    LinkTranslations of LinkTexts
);
translations!(
    /// A routine's description in other languages.
    RoutineTranslations of RoutineTexts
);
translations!(
    /// A routine step's instruction in other languages.
    StepTranslations of StepTexts
);
translations!(
    /// A precaution in other languages.
    PrecautionTranslations of PrecautionTexts
);
translations!(
    /// The disclaimer in other languages.
    SafetyTranslations of SafetyTexts
);

/// A point's texts in one language; each field left out is read in English (in a
/// merge patch, `null` removes one). The
/// self-care fields need the point's English guidance, and `cautions` as many entries
/// as it has.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"location": "在前臂掌侧，腕横纹上 2 寸，两肌腱之间。"}))]
pub struct PointTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_to_find: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technique: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traditional_uses: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cautions: Option<Vec<String>>,
}

/// A condition's texts in one language (its name is `name_zh_hans` / `name_zh_hant`);
/// `see_a_doctor_when` needs as many entries as the English, `caution` an English
/// caution.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "一阵阵紧箍似的头痛。"}))]
pub struct ConditionTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub see_a_doctor_when: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caution: Option<String>,
}

/// A link's note in one language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "多数头痛试验都按压此穴。"}))]
pub struct LinkTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A routine's description in one language (its name is `name_zh_hans` /
/// `name_zh_hant`; each step holds its own instruction's translations).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "睡前的舒缓按压。"}))]
pub struct RoutineTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A routine step's instruction in one language; a step on the pregnancy lists must
/// speak of pregnancy (孕) here too.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instruction": "拇指轻放在腕横纹上。"}))]
pub struct StepTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
}

/// A precaution in one language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "伤口和破损皮肤", "detail": "不要按压伤口。"}))]
pub struct PrecautionTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The disclaimer in one language.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyTexts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disclaimer: Option<String>,
}
