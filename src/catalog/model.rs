//! Catalog response types.

use std::cell::Cell;

use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::data::{
    BodyRegion, ConditionCategory, EvidenceLevel, PointKind, PrecautionLevel, Pregnancy, Pressure,
    RoutineLevel, SelfCare, Side, Translated,
};
use crate::catalog::safety::Warning;
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
    pub fn localized(&self, tr: &Localizer) -> Self {
        let mut m = self.clone();
        m.name = tr.name(
            &self.english_name,
            Some(&self.hanzi),
            Some(&self.hanzi_traditional),
        );
        m
    }
}

/// Renders texts in a reader's language, each field falling back to English where it
/// has no translation, and keeps track of whether any did: `Content-Language` then
/// names English too ([`Localizer::content_language`]).
#[derive(Debug)]
pub struct Localizer {
    lang: Lang,
    english: Cell<bool>,
}

impl Localizer {
    pub fn new(lang: Lang) -> Self {
        Self {
            lang,
            english: Cell::new(false),
        }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// `translated` (the text in the reader's language) where there is one, else the
    /// English.
    pub fn text(&self, english: &str, translated: Option<&str>) -> String {
        match translated.filter(|t| self.lang != Lang::En && !t.is_empty()) {
            Some(text) => text.to_owned(),
            None => {
                self.fell_back(!english.is_empty());
                english.to_owned()
            }
        }
    }

    /// A name in the reader's language: `hans` or `hant` (its Chinese name, where it
    /// has one), else the English.
    pub fn name(&self, english: &str, hans: Option<&str>, hant: Option<&str>) -> String {
        let native = match self.lang {
            Lang::En => None,
            Lang::ZhHans => hans,
            Lang::ZhHant => hant,
        };
        self.text(english, native)
    }

    /// The `field` of `all` (an item's translations) in the reader's language, else
    /// `english`.
    pub fn field<T: Translated>(
        &self,
        english: &str,
        all: &T,
        field: impl FnOnce(&T::Texts) -> Option<&String>,
    ) -> String {
        let translated = all.texts(self.lang).and_then(field);
        self.text(english, translated.map(String::as_str))
    }

    /// [`Localizer::field`] for a list.
    pub fn list_field<T: Translated>(
        &self,
        english: &[String],
        all: &T,
        field: impl FnOnce(&T::Texts) -> Option<&Vec<String>>,
    ) -> Vec<String> {
        self.list(english, all.texts(self.lang).and_then(field))
    }

    /// The same for a list: the translated one where there is one, else the English.
    pub fn list(&self, english: &[String], translated: Option<&Vec<String>>) -> Vec<String> {
        match translated.filter(|t| self.lang != Lang::En && !t.is_empty()) {
            Some(list) => list.clone(),
            None => {
                self.fell_back(!english.is_empty());
                english.to_vec()
            }
        }
    }

    /// Notes that English text is in the body (when `english` holds).
    fn fell_back(&self, english: bool) {
        if english && self.lang != Lang::En {
            self.english.set(true);
        }
    }

    /// What the body is written in: the reader's language, with `en` added when some
    /// text fell back to English.
    pub fn content_language(&self) -> &'static str {
        content_language(self.lang, self.english.get())
    }
}

/// `Content-Language` of a body in `lang`, with English in it too when `english`.
pub fn content_language(lang: Lang, english: bool) -> &'static str {
    match (lang, english) {
        (Lang::En, _) => "en",
        (Lang::ZhHans, false) => "zh-Hans",
        (Lang::ZhHant, false) => "zh-Hant",
        (Lang::ZhHans, true) => "zh-Hans, en",
        (Lang::ZhHant, true) => "zh-Hant, en",
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
    /// The cursor of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Why a point is in a filtered or searched list.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"field": "pinyin", "value": "Hégǔ"}))]
pub struct MatchReason {
    pub field: crate::catalog::search::Field,
    /// The name or condition that matched.
    pub value: String,
}

/// A point as shown in lists.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "LI4", "name": "Joining Valley", "english_name": "Joining Valley", "pinyin": "Hégǔ",
    "pinyin_ascii": "Hegu", "hanzi": "合谷", "hanzi_traditional": "合谷", "kind": "standard",
    "meridian": "LI", "number": 4, "body_region": "hand", "pregnancy": "contraindicated",
    "has_selfcare": true, "retired": false, "matches": [{"field": "pinyin", "value": "Hegu"}]
}))]
pub struct PointSummary {
    /// WHO code (`LI4`) or extra-point code (`EX-HN3`).
    pub code: String,
    /// The name in the language served: English, or the Chinese characters.
    pub name: String,
    /// Our literal translation of the Chinese name.
    pub english_name: String,
    pub pinyin: String,
    pub pinyin_ascii: String,
    pub hanzi: String,
    pub hanzi_traditional: String,
    pub kind: PointKind,
    /// Meridian code; null for extra points.
    #[schema(required = true)]
    pub meridian: Option<String>,
    /// Number on the meridian; null for extra points.
    #[schema(required = true)]
    pub number: Option<i32>,
    pub body_region: BodyRegion,
    pub pregnancy: Pregnancy,
    /// Whether full self-acupressure guidance exists for this point.
    pub has_selfcare: bool,
    /// An admin retired it: no longer listed, still shown where history, favorites or
    /// own routines use it.
    pub retired: bool,
    /// Why the point matched a search or condition filter (absent otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<MatchReason>,
}

/// A page of points.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{
    "code": "LI4", "name": "Joining Valley", "english_name": "Joining Valley", "pinyin": "Hégǔ",
    "pinyin_ascii": "Hegu", "hanzi": "合谷", "hanzi_traditional": "合谷", "kind": "standard",
    "meridian": "LI", "number": 4, "body_region": "hand", "pregnancy": "contraindicated",
    "has_selfcare": true, "retired": false}], "next_cursor": "eyJ2IjoxLCJrIjpbMCwwLDI0XSwiZiI6MH0"}))]
pub struct PointList {
    pub items: Vec<PointSummary>,
    /// The cursor of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A condition a point is used for, seen from the point.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PointCondition {
    pub slug: String,
    pub name: String,
    /// 1 = the condition's most relevant point.
    pub rank: i32,
    pub evidence: EvidenceLevel,
    pub note: String,
}

/// A routine, referenced from elsewhere.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoutineRef {
    pub slug: String,
    pub name: String,
}

/// Everything about one point.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "PC6", "name": "Inner Pass", "english_name": "Inner Pass", "pinyin": "Nèiguān",
    "pinyin_ascii": "Neiguan", "hanzi": "内关", "hanzi_traditional": "內關", "kind": "standard",
    "meridian": "PC", "number": 6, "body_region": "forearm_wrist", "pregnancy": "not_listed",
    "has_selfcare": true, "retired": false,
    "location": "On the palm side of the forearm, 2 cun above the wrist crease, between the two tendons.",
    "aliases": [], "code_note": null, "pregnancy_sources": [], "pregnancy_listed": "not_listed",
    "selfcare": {"how_to_find": ["Turn your palm up.", "Place three fingers across the wrist from the crease."],
        "finger": "thumb", "pressure": "medium", "seconds": 60, "breaths": 8, "sides": "both",
        "technique": "Press steadily between the tendons.", "traditional_uses": ["nausea"], "cautions": []},
    "conditions": [{"slug": "postoperative-nausea", "name": "Nausea after surgery", "rank": 1,
        "evidence": "reviewed", "note": "Cochrane review, Lee, Chan and Fan 2015."}],
    "routines": [{"slug": "travel-nausea", "name": "Travel nausea"}]
}))]
pub struct PointDetail {
    #[serde(flatten)]
    pub summary: PointSummary,
    /// Where to find it, in anatomical landmarks and body inches (cun).
    pub location: String,
    /// Older or alternative names.
    pub aliases: Vec<String>,
    /// Where the code differs between standards (extra points); null otherwise.
    #[schema(required = true)]
    pub code_note: Option<String>,
    /// Why the point has its `pregnancy` level; empty for a point no list flags.
    ///
    /// For a standard point: one letter per traditional teaching list (a practitioner
    /// manual or point reference) that flags it: `B`, `C`, `F`, `I`, `K`, `M`, `T` or
    /// `W`. Each letter always stands for the same list, so the number of letters says
    /// how many lists agree; the seven contraindicated points are flagged by nearly all.
    /// For an extra point, which the lists do not cover: the codes of the flagged
    /// standard points it lies level with or over, whose strictest level it takes.
    #[schema(example = json!(["T", "M", "K", "C", "F", "B", "I", "W"]))]
    pub pregnancy_sources: Vec<String>,
    /// The level those lists give. `pregnancy` is stricter when acupress's editors
    /// judged that the lists say too little (never laxer).
    pub pregnancy_listed: Pregnancy,
    /// Self-acupressure guidance; null for points without it (`has_selfcare` is false).
    #[schema(required = true)]
    pub selfcare: Option<SelfCare>,
    pub conditions: Vec<PointCondition>,
    pub routines: Vec<RoutineRef>,
    /// Only in a signed-in read of this one item: what the reader's safety profile warns
    /// about here (possibly nothing). Absent in a public read, in lists and in the
    /// offline bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warnings: Option<Vec<Warning>>,
}

/// A meridian with its points in order.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "PC", "name": "Pericardium Meridian",
    "english_name": "Pericardium Meridian", "pinyin": "Shǒu Juéyīn Xīnbāo Jīng",
    "hanzi": "手厥阴心包经", "hanzi_traditional": "手厥陰心包經", "aliases": ["P", "HC"],
    "point_count": 9, "points": [{"code": "PC6", "name": "Inner Pass", "english_name": "Inner Pass",
        "pinyin": "Nèiguān", "pinyin_ascii": "Neiguan", "hanzi": "内关", "hanzi_traditional": "內關",
        "kind": "standard", "meridian": "PC", "number": 6, "body_region": "forearm_wrist",
        "pregnancy": "not_listed", "has_selfcare": true, "retired": false}]}))]
pub struct MeridianDetail {
    #[serde(flatten)]
    pub meridian: Meridian,
    pub points: Vec<PointSummary>,
}

/// A condition as shown in lists.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "insomnia", "name": "Insomnia", "english_name": "Insomnia",
    "category": "mind_sleep", "description": "Trouble falling or staying asleep.", "point_count": 6, "retired": false}))]
pub struct ConditionSummary {
    pub slug: String,
    pub name: String,
    pub english_name: String,
    pub category: ConditionCategory,
    pub description: String,
    pub point_count: usize,
    /// An admin retired it: no longer listed, still shown where history uses it.
    pub retired: bool,
}

/// A page of conditions.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"slug": "insomnia", "name": "Insomnia", "english_name": "Insomnia",
    "category": "mind_sleep", "description": "Trouble falling or staying asleep.", "point_count": 6, "retired": false}],
    "next_cursor": null}))]
pub struct ConditionList {
    pub items: Vec<ConditionSummary>,
    /// The cursor of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// A point used for a condition, with the strength of the evidence behind the link.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConditionPoint {
    pub rank: i32,
    pub code: String,
    pub name: String,
    pub evidence: EvidenceLevel,
    pub note: String,
    pub pregnancy: Pregnancy,
}

/// Everything about one condition.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "postoperative-nausea", "name": "Nausea after surgery",
    "english_name": "Nausea after surgery", "category": "digestive",
    "description": "Queasiness and vomiting in the hours after an operation.", "point_count": 1, "retired": false,
    "see_a_doctor_when": ["You cannot keep fluids down for more than a day."],
    "caution": "Use alongside, not instead of, the care your surgical team gives.",
    "points": [{"rank": 1, "code": "PC6", "name": "Inner Pass", "evidence": "reviewed",
        "note": "Cochrane review, Lee, Chan and Fan 2015.", "pregnancy": "not_listed"}],
    "routines": [{"slug": "travel-nausea", "name": "Travel nausea"}]}))]
pub struct ConditionDetail {
    #[serde(flatten)]
    pub summary: ConditionSummary,
    /// Signs that need a doctor rather than acupressure.
    pub see_a_doctor_when: Vec<String>,
    /// A warning specific to this condition; null when there is none.
    #[schema(required = true)]
    pub caution: Option<String>,
    pub points: Vec<ConditionPoint>,
    pub routines: Vec<RoutineRef>,
    /// Only in a signed-in read of this one item: what the reader's safety profile warns
    /// about here (possibly nothing). Absent in a public read, in lists and in the
    /// offline bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warnings: Option<Vec<Warning>>,
}

/// A routine as shown in lists.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "sleep-wind-down", "name": "Sleep wind-down",
    "english_name": "Sleep wind-down", "description": "A slow sequence for bedtime.",
    "level": "beginner", "conditions": ["insomnia"], "step_count": 5, "total_seconds": 330, "pregnancy": "not_listed", "retired": false}))]
pub struct RoutineSummary {
    pub slug: String,
    pub name: String,
    pub english_name: String,
    pub description: String,
    pub level: RoutineLevel,
    /// Slugs of the conditions the routine is meant for.
    pub conditions: Vec<String>,
    pub step_count: usize,
    /// Sum of the steps' seconds: the routine's length.
    pub total_seconds: u32,
    /// Whether it suits pregnancy: the strictest level among its steps' points.
    /// `not_listed`: no step is on the teaching lists' caution lists; `caution`: some
    /// steps are only for a pregnant person whose midwife or doctor agrees (each says
    /// so); `contraindicated`: some steps are to be skipped in pregnancy.
    pub pregnancy: Pregnancy,
    /// An admin retired it: no longer listed, still shown where history uses it.
    pub retired: bool,
}

/// A page of routines.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"slug": "sleep-wind-down", "name": "Sleep wind-down",
    "english_name": "Sleep wind-down", "description": "A slow sequence for bedtime.",
    "level": "beginner", "conditions": ["insomnia"], "step_count": 5, "total_seconds": 330, "pregnancy": "not_listed", "retired": false}],
    "next_cursor": null}))]
pub struct RoutineList {
    pub items: Vec<RoutineSummary>,
    /// The cursor of the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One step of a routine.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RoutineStep {
    /// 1-based order.
    pub position: usize,
    pub point: String,
    pub point_name: String,
    pub side: Side,
    /// How long the step takes (for `both`, the time for both sides together).
    pub seconds: u32,
    pub pressure: Pressure,
    pub instruction: String,
    /// The point's pregnancy level, so an app can warn before the step.
    pub pregnancy: Pregnancy,
}

/// Everything about one routine.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "sleep-wind-down", "name": "Sleep wind-down",
    "english_name": "Sleep wind-down", "description": "A slow sequence for bedtime.",
    "level": "beginner", "conditions": ["insomnia"], "step_count": 1, "total_seconds": 120, "pregnancy": "not_listed", "retired": false,
    "steps": [{"position": 1, "point": "HT7", "point_name": "Spirit Gate", "side": "both",
        "seconds": 60, "pressure": "light", "instruction": "Rest your thumb in the wrist crease.",
        "pregnancy": "not_listed"}]}))]
pub struct RoutineDetail {
    #[serde(flatten)]
    pub summary: RoutineSummary,
    pub steps: Vec<RoutineStep>,
    /// Only in a signed-in read of this one item: what the reader's safety profile warns
    /// about here (possibly nothing). Absent in a public read, in lists and in the
    /// offline bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub warnings: Option<Vec<Warning>>,
}

/// Points flagged for pregnancy, by level.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PregnancyLists {
    pub contraindicated: Vec<String>,
    pub caution: Vec<String>,
}

/// General precautions, the pregnancy lists and the disclaimer.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "disclaimer": "Acupressure can go alongside medical care, but it does not replace it.",
    "precautions": [{"slug": "open-wounds", "level": "avoid", "title": "Open wounds and broken skin",
        "detail": "Do not press on cuts, grazes or sores."}],
    "pregnancy": {"contraindicated": ["LI4", "SP6"], "caution": ["CV4"]}
}))]
pub struct Safety {
    pub disclaimer: String,
    pub precautions: Vec<Precaution>,
    pub pregnancy: PregnancyLists,
}

/// A general precaution: where or when not to press, or to press only with care.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"slug": "open-wounds", "level": "avoid", "title": "Open wounds",
    "detail": "Do not press on cuts, grazes or skin that is healing."}))]
pub struct Precaution {
    pub slug: String,
    pub level: PrecautionLevel,
    pub title: String,
    pub detail: String,
}

/// The version of the catalog content, and how much there is.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"version": "c8beb48b775640ef", "meridians": 14, "points": 387,
    "standard_points": 361, "conditions": 34, "routines": 20}))]
pub struct CatalogVersion {
    /// Changes whenever any content changes.
    pub version: String,
    pub meridians: usize,
    pub points: usize,
    pub standard_points: usize,
    pub conditions: usize,
    pub routines: usize,
}

/// The whole catalog in one document, for an app's offline copy.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"version": "c8beb48b775640ef", "language": "en", "meridians": [],
    "points": [], "conditions": [], "routines": [], "safety": {"disclaimer": "...",
    "precautions": [], "pregnancy": {"contraindicated": [], "caution": []}}}))]
pub struct Catalog {
    pub version: String,
    pub language: Lang,
    pub meridians: Vec<Meridian>,
    pub points: Vec<PointDetail>,
    pub conditions: Vec<ConditionDetail>,
    pub routines: Vec<RoutineDetail>,
    pub safety: Safety,
}
