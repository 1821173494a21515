//! The record types read from `data/*.csv` and `data/*.toml`, and the point records
//! the loader builds from them.

use serde::{Deserialize, Serialize};

use super::translations::{
    ConditionTranslations, LinkTranslations, PointTranslations, PrecautionTranslations,
    RoutineTranslations, SafetyTranslations, StepTranslations,
};
use super::vocab::{
    BodyRegion, ConditionCategory, EvidenceLevel, Finger, PointKind, PrecautionLevel, Pregnancy,
    Pressure, ReviewScope, RoutineLevel, SelfCareSides, Side,
};

/// A row of `meridians.csv`.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct MeridianRow {
    pub code: String,
    pub english_name: String,
    pub pinyin: String,
    pub hanzi: String,
    pub hanzi_traditional: String,
    /// `;`-separated older codes (`SJ;TW;TB`).
    pub aliases: String,
    pub point_count: i32,
}

impl MeridianRow {
    /// The older codes, trimmed and upper-cased, blanks dropped.
    pub fn alias_list(&self) -> Vec<String> {
        self.aliases
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_ascii_uppercase)
            .collect()
    }
}

/// A row of `points.csv` (facts only).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(super) struct PointFacts {
    pub(super) code: String,
    pub(super) meridian_code: String,
    pub(super) number: i32,
    pub(super) pinyin: String,
    pub(super) pinyin_ascii: String,
    pub(super) hanzi: String,
    pub(super) hanzi_traditional: String,
    pub(super) body_region: BodyRegion,
}

/// Our words for a standard point (`points/<MERIDIAN>.toml`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PointContent {
    pub(super) code: String,
    pub(super) english_name: String,
    pub(super) location: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) aliases: Vec<String>,
    /// A stricter pregnancy level than the teaching lists give (an editor's decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) pregnancy: Option<Pregnancy>,
}

/// An extra point: facts and words together (`points/EX.toml`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExtraPoint {
    pub(super) code: String,
    pub(super) pinyin: String,
    pub(super) pinyin_ascii: String,
    pub(super) hanzi: String,
    pub(super) hanzi_traditional: String,
    pub(super) body_region: BodyRegion,
    pub(super) english_name: String,
    pub(super) location: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) code_note: Option<String>,
    /// The teaching lists cover standard points only: an extra point that lies level
    /// with or over flagged standard points takes the strictest of their levels, and
    /// names them here (checked at load).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(super) pregnancy_as: Vec<String>,
    /// A stricter pregnancy level than that (an editor's decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) pregnancy: Option<Pregnancy>,
}

/// The shape of every `points/*.toml` file: a list of `[[points]]` tables.
#[derive(Deserialize, Serialize)]
pub(super) struct PointFile<T> {
    pub(super) points: Vec<T>,
}

/// A row of `pregnancy_caution.csv`: a flagged point, its level and the lists that flag it.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(super) struct PregnancyRow {
    pub(super) code: String,
    pub(super) level: Pregnancy,
    /// `;`-separated keys of the teaching lists.
    pub(super) sources: String,
}

/// Everything known about one point, as loaded into the database.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "LI4", "kind": "standard", "meridian": "LI", "number": 4,
    "pinyin": "Hégǔ", "pinyin_ascii": "Hegu", "hanzi": "合谷", "hanzi_traditional": "合谷",
    "body_region": "hand", "english_name": "Joining Valley",
    "location": "On the back of the hand, between the first and second metacarpal bones.",
    "aliases": [], "code_note": null, "pregnancy": "contraindicated",
    "pregnancy_sources": ["T", "M"], "pregnancy_listed": "contraindicated", "selfcare": null}))]
pub struct PointRecord {
    pub code: String,
    pub kind: PointKind,
    #[schema(required = true)]
    pub meridian: Option<String>,
    #[schema(required = true)]
    pub number: Option<i32>,
    pub pinyin: String,
    pub pinyin_ascii: String,
    pub hanzi: String,
    pub hanzi_traditional: String,
    pub body_region: BodyRegion,
    pub english_name: String,
    pub location: String,
    pub aliases: Vec<String>,
    #[schema(required = true)]
    pub code_note: Option<String>,
    pub pregnancy: Pregnancy,
    /// Keys of the teaching lists that flag the point for pregnancy.
    pub pregnancy_sources: Vec<String>,
    /// The level the teaching lists give: an edit may make `pregnancy` stricter, never
    /// laxer.
    pub pregnancy_listed: Pregnancy,
    #[schema(required = true)]
    pub selfcare: Option<SelfCare>,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "PointTranslations::is_empty")]
    pub translations: PointTranslations,
}

/// Self-acupressure guidance for one point (`selfcare.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfCare {
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub code: String,
    /// Steps to find the point on yourself.
    pub how_to_find: Vec<String>,
    pub finger: Finger,
    pub pressure: Pressure,
    /// Seconds per side.
    pub seconds: u32,
    /// Slow breaths to hold for.
    pub breaths: u32,
    pub sides: SelfCareSides,
    pub technique: String,
    pub traditional_uses: Vec<String>,
    pub cautions: Vec<String>,
}

/// The shape of `selfcare.toml`: a list of `[[points]]` tables.
#[derive(Deserialize)]
pub(super) struct SelfCareFile {
    pub(super) points: Vec<SelfCare>,
}

/// A condition and its ranked points (`conditions.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "exam-nerves", "name": "Exam nerves", "name_zh_hans": null,
    "name_zh_hant": null, "category": "mind_sleep", "keywords": ["exam"],
    "description": "Restless worry in the days before a test.",
    "see_a_doctor_when": ["Panic attacks that keep coming back."], "caution": null,
    "points": [{"code": "PC6", "evidence": "traditional", "note": "Calming wrist point."}]}))]
pub struct ConditionRecord {
    pub slug: String,
    pub name: String,
    pub name_zh_hans: Option<String>,
    pub name_zh_hant: Option<String>,
    pub category: ConditionCategory,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub description: String,
    pub see_a_doctor_when: Vec<String>,
    pub caution: Option<String>,
    pub points: Vec<ConditionPointRecord>,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "ConditionTranslations::is_empty")]
    pub translations: ConditionTranslations,
}

/// One point a condition links to, with how well its use is supported.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConditionPointRecord {
    pub code: String,
    pub evidence: EvidenceLevel,
    pub note: String,
    /// The systematic review the link leans on (authors and year), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
    /// Whether that review looked at this point or at protocols including it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_scope: Option<ReviewScope>,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "LinkTranslations::is_empty")]
    pub translations: LinkTranslations,
}

/// The shape of `conditions.toml`: a list of `[[conditions]]` tables.
#[derive(Deserialize, Serialize)]
pub(super) struct ConditionFile {
    pub(super) conditions: Vec<ConditionRecord>,
}

/// A curated routine (`routines.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "exam-calm", "name": "Exam calm", "name_zh_hans": null,
    "name_zh_hant": null, "description": "Two wrist points before a test.",
    "conditions": ["insomnia"], "level": "beginner",
    "steps": [{"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium",
        "instruction": "Press between the two tendons."}]}))]
pub struct RoutineRecord {
    pub slug: String,
    pub name: String,
    #[schema(required = true)]
    pub name_zh_hans: Option<String>,
    #[schema(required = true)]
    pub name_zh_hant: Option<String>,
    pub description: String,
    /// Slugs of the conditions the routine is for.
    pub conditions: Vec<String>,
    pub level: RoutineLevel,
    pub steps: Vec<StepRecord>,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "RoutineTranslations::is_empty")]
    pub translations: RoutineTranslations,
}

/// One step of a routine: a point with self-care guidance, and how to press it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    pub point: String,
    pub side: Side,
    /// 5 to 600.
    pub seconds: u32,
    pub pressure: Pressure,
    pub instruction: String,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "StepTranslations::is_empty")]
    pub translations: StepTranslations,
}

/// The shape of `routines.toml`: a list of `[[routines]]` tables.
#[derive(Deserialize, Serialize)]
pub(super) struct RoutineFile {
    pub(super) routines: Vec<RoutineRecord>,
}

/// General precautions and the disclaimer (`safety.toml`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SafetyRecord {
    pub disclaimer: String,
    pub precautions: Vec<PrecautionRecord>,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "SafetyTranslations::is_empty")]
    pub translations: SafetyTranslations,
}

/// A general precaution: where or when not to press, or to press only with care.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "open-wounds", "level": "avoid", "title": "Open wounds",
    "detail": "Do not press on cuts, grazes or skin that is healing."}))]
pub struct PrecautionRecord {
    pub slug: String,
    pub level: PrecautionLevel,
    pub title: String,
    pub detail: String,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "PrecautionTranslations::is_empty")]
    pub translations: PrecautionTranslations,
}
