//! The catalog's content as editable items (`catalog_items`): every point, condition,
//! condition–point link, curated routine and precaution is one item with a revision.
//!
//! - [`Contents`]: the items of one version, typed, with which of them are retired;
//!   checked as a whole by the loader's own rules ([`Contents::check`]);
//! - `baseline`: the items the data files give (what the start-up loader merges);
//! - `store`: reading and writing the rows, and the catalog version.

mod baseline;
pub mod store;

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub use baseline::baseline_items;

use crate::catalog::data::{
    Catalog, ConditionCategory, ConditionPointRecord, ConditionRecord, ConditionTranslations,
    DataError, EvidenceLevel, LinkTranslations, PointRecord, ReviewScope, RoutineRecord,
    SafetyRecord, check_catalog,
};

/// The kinds of editable items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Point,
    Condition,
    /// A condition's link to one of its points, keyed `<condition slug>/<point code>`.
    Link,
    Routine,
    Precaution,
}

impl ItemKind {
    pub const ALL: [Self; 5] = [
        Self::Point,
        Self::Condition,
        Self::Link,
        Self::Routine,
        Self::Precaution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::Condition => "condition",
            Self::Link => "link",
            Self::Routine => "routine",
            Self::Precaution => "precaution",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

/// A condition's own content: everything but its links, which are items of their own.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slug": "tension-headache", "name": "Tension headache",
    "name_zh_hans": null, "name_zh_hant": null, "category": "pain",
    "keywords": ["headache"], "description": "A band-like ache around the head.",
    "see_a_doctor_when": ["The worst headache of your life, or one that starts suddenly."],
    "caution": null}))]
pub struct ConditionContent {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    pub name: String,
    #[schema(required = true)]
    pub name_zh_hans: Option<String>,
    #[schema(required = true)]
    pub name_zh_hant: Option<String>,
    pub category: ConditionCategory,
    pub keywords: Vec<String>,
    pub description: String,
    /// Red flags: when to see a doctor instead.
    pub see_a_doctor_when: Vec<String>,
    #[schema(required = true)]
    pub caution: Option<String>,
    /// The texts in other languages, field by field (English where one is left out).
    #[serde(default, skip_serializing_if = "ConditionTranslations::is_empty")]
    pub translations: ConditionTranslations,
}

impl ConditionContent {
    fn with_links(self, points: Vec<ConditionPointRecord>) -> ConditionRecord {
        ConditionRecord {
            slug: self.slug,
            name: self.name,
            name_zh_hans: self.name_zh_hans,
            name_zh_hant: self.name_zh_hant,
            category: self.category,
            keywords: self.keywords,
            description: self.description,
            see_a_doctor_when: self.see_a_doctor_when,
            caution: self.caution,
            points,
            translations: self.translations,
        }
    }
}

impl From<&ConditionRecord> for ConditionContent {
    fn from(c: &ConditionRecord) -> Self {
        Self {
            slug: c.slug.clone(),
            name: c.name.clone(),
            name_zh_hans: c.name_zh_hans.clone(),
            name_zh_hant: c.name_zh_hant.clone(),
            category: c.category,
            keywords: c.keywords.clone(),
            description: c.description.clone(),
            see_a_doctor_when: c.see_a_doctor_when.clone(),
            caution: c.caution.clone(),
            translations: c.translations.clone(),
        }
    }
}

/// A condition's link to a point: its rank among the condition's points and how well
/// the use is supported.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"condition": "tension-headache", "code": "GB20", "rank": 1,
    "evidence": "limited", "note": "Pressed in most trials of headache protocols.",
    "review": null, "review_scope": null}))]
pub struct LinkContent {
    #[schema(pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub condition: String,
    pub code: String,
    /// 1 for the condition's first point; ties are ordered by code.
    #[schema(minimum = 1, maximum = 1000)]
    pub rank: u32,
    pub evidence: EvidenceLevel,
    pub note: String,
    /// The systematic review a `reviewed` link leans on (authors and year).
    #[serde(default)]
    #[schema(required = true)]
    pub review: Option<String>,
    /// Whether that review looked at this point alone or at protocols including it.
    #[serde(default)]
    #[schema(required = true)]
    pub review_scope: Option<ReviewScope>,
    /// The note in other languages.
    #[serde(default, skip_serializing_if = "LinkTranslations::is_empty")]
    pub translations: LinkTranslations,
}

impl LinkContent {
    pub fn key(condition: &str, code: &str) -> String {
        format!("{condition}/{code}")
    }

    /// The link of `condition` to `link`'s point, at `rank`.
    pub fn of(condition: &str, rank: u32, link: ConditionPointRecord) -> Self {
        Self {
            condition: condition.to_owned(),
            code: link.code,
            rank,
            evidence: link.evidence,
            note: link.note,
            review: link.review,
            review_scope: link.review_scope,
            translations: link.translations,
        }
    }

    fn record(self) -> ConditionPointRecord {
        ConditionPointRecord {
            code: self.code,
            evidence: self.evidence,
            note: self.note,
            review: self.review,
            review_scope: self.review_scope,
            translations: self.translations,
        }
    }
}

/// One stored item as read from `catalog_items`.
#[derive(Clone, Debug)]
pub struct StoredItem {
    pub kind: ItemKind,
    pub key: String,
    pub position: i32,
    pub doc: Value,
    pub retired: bool,
}

/// Which points, conditions and routines of a snapshot are retired (by index).
#[derive(Clone, Debug, Default)]
pub struct Retired {
    pub points: Vec<bool>,
    pub conditions: Vec<bool>,
    pub routines: Vec<bool>,
}

impl Retired {
    pub fn point(&self, i: usize) -> bool {
        self.points.get(i).copied().unwrap_or(false)
    }

    pub fn condition(&self, i: usize) -> bool {
        self.conditions.get(i).copied().unwrap_or(false)
    }

    pub fn routine(&self, i: usize) -> bool {
        self.routines.get(i).copied().unwrap_or(false)
    }
}

/// The content of one catalog version, typed. Conditions carry their live links only;
/// retired links and precautions are left out, retired points, conditions and routines
/// kept (and marked) so that references to them still resolve.
#[derive(Clone, Debug)]
pub struct Contents {
    pub points: Vec<PointRecord>,
    pub conditions: Vec<ConditionRecord>,
    pub routines: Vec<RoutineRecord>,
    pub safety: SafetyRecord,
    pub retired: Retired,
}

fn from_doc<T: serde::de::DeserializeOwned>(item: &StoredItem) -> Result<T, String> {
    T::deserialize(&item.doc).map_err(|e| format!("{} {}: {e}", item.kind.as_str(), item.key))
}

impl Contents {
    /// Types `items` (in their stored order: by position, then key).
    /// `safety` holds the disclaimer; the precautions come from the items.
    pub fn from_items(items: &[StoredItem], safety: SafetyRecord) -> Result<Self, String> {
        let mut contents = Self {
            points: Vec::new(),
            conditions: Vec::new(),
            routines: Vec::new(),
            safety,
            retired: Retired::default(),
        };
        let mut links: Vec<(&StoredItem, LinkContent)> = Vec::new();
        let mut conditions = Vec::new();
        for item in items {
            match item.kind {
                ItemKind::Point => {
                    contents.points.push(from_doc(item)?);
                    contents.retired.points.push(item.retired);
                }
                ItemKind::Condition => {
                    conditions.push(from_doc::<ConditionContent>(item)?);
                    contents.retired.conditions.push(item.retired);
                }
                ItemKind::Link if !item.retired => links.push((item, from_doc(item)?)),
                ItemKind::Routine => {
                    contents.routines.push(from_doc(item)?);
                    contents.retired.routines.push(item.retired);
                }
                ItemKind::Precaution if !item.retired => {
                    contents.safety.precautions.push(from_doc(item)?);
                }
                ItemKind::Link | ItemKind::Precaution => {}
            }
        }
        if let Some((item, link)) = links.iter().find(|(_, l)| !(1..=1000).contains(&l.rank)) {
            return Err(format!(
                "link {}: rank {} is not 1 to 1000",
                item.key, link.rank
            ));
        }
        if let Some((item, link)) = links
            .iter()
            .find(|(_, l)| !conditions.iter().any(|c| c.slug == l.condition))
        {
            return Err(format!(
                "link {}: there is no condition {}",
                item.key, link.condition
            ));
        }
        links.sort_by(|a, b| (a.1.rank, &a.1.code).cmp(&(b.1.rank, &b.1.code)));
        contents.conditions = conditions
            .into_iter()
            .map(|c| {
                let own = links
                    .iter()
                    .filter(|(_, l)| l.condition == c.slug)
                    .map(|(_, l)| l.clone().record())
                    .collect();
                c.with_links(own)
            })
            .collect();
        Ok(contents)
    }

    /// Runs the loader's rules over the live items, and checks that no live item uses
    /// a retired one.
    pub fn check(&self) -> Result<(), DataError> {
        let file = Path::new("catalog");
        let refuse = |message: String| {
            Err(DataError {
                file: file.display().to_string(),
                message,
            })
        };
        let retired_points: HashSet<&str> = pick(&self.points, &self.retired.points, true)
            .map(|p| p.code.as_str())
            .collect();
        let retired_conditions: HashSet<&str> =
            pick(&self.conditions, &self.retired.conditions, true)
                .map(|c| c.slug.as_str())
                .collect();
        let points: Vec<PointRecord> = pick(&self.points, &self.retired.points, false)
            .cloned()
            .collect();
        let conditions: Vec<ConditionRecord> =
            pick(&self.conditions, &self.retired.conditions, false)
                .cloned()
                .collect();
        let routines: Vec<RoutineRecord> = pick(&self.routines, &self.retired.routines, false)
            .cloned()
            .collect();
        for c in &conditions {
            if let Some(link) = c
                .points
                .iter()
                .find(|l| retired_points.contains(l.code.as_str()))
            {
                return refuse(format!(
                    "{}: point {} is retired; retire the link first",
                    c.slug, link.code
                ));
            }
        }
        for r in &routines {
            if let Some(step) = r
                .steps
                .iter()
                .find(|s| retired_points.contains(s.point.as_str()))
            {
                return refuse(format!("{}: point {} is retired", r.slug, step.point));
            }
            if let Some(slug) = r
                .conditions
                .iter()
                .find(|s| retired_conditions.contains(s.as_str()))
            {
                return refuse(format!("{}: condition {slug} is retired", r.slug));
            }
        }
        check_catalog(
            file,
            &Catalog {
                points: &points,
                conditions: &conditions,
                routines: &routines,
                safety: &self.safety,
            },
        )
    }
}

/// The retired items of `all` (`retired_ones`), or the live ones.
fn pick<'a, T>(
    all: &'a [T],
    retired: &'a [bool],
    retired_ones: bool,
) -> impl Iterator<Item = &'a T> {
    all.iter()
        .zip(retired)
        .filter(move |(_, r)| **r == retired_ones)
        .map(|(t, _)| t)
}

/// A precaution's key, a routine's, a point's: what the item is stored under.
pub fn key_of(kind: ItemKind, doc: &Value) -> Option<String> {
    let field = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_owned);
    match kind {
        ItemKind::Point => field("code"),
        ItemKind::Link => Some(LinkContent::key(&field("condition")?, &field("code")?)),
        ItemKind::Condition | ItemKind::Routine | ItemKind::Precaution => field("slug"),
    }
}
