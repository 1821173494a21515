//! Recommendation types.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::catalog::data::EvidenceLevel;
use crate::catalog::safety::Warning;

/// What a recommended item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecommendedKind {
    Point,
    Routine,
    OwnRoutine,
}

/// What this user's own sessions say about an item for the conditions asked for.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PersonalResult {
    pub condition: String,
    /// Average fall of pain or stress (0 to 10 scale) from before to after.
    pub average_improvement: f64,
    /// Rated sessions behind the figure (at least 3).
    pub sessions: i64,
}

/// One recommended routine or point, and why it is where it is.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Recommendation {
    /// 1 for the best.
    pub rank: usize,
    pub kind: RecommendedKind,
    /// Point code, curated routine slug or own routine id.
    pub id: String,
    pub name: String,
    /// The conditions asked for that the item serves.
    pub conditions: Vec<String>,
    /// The best evidence behind the item for those conditions.
    pub evidence: EvidenceLevel,
    /// What helped this user before, per condition (only from 3 rated sessions on).
    pub personal: Vec<PersonalResult>,
    /// The score the ranking sorts by: 10 per condition served, 3 per evidence step
    /// (traditional 1, limited 2, reviewed 3), twice the best personal improvement.
    pub score: f64,
    /// Why it ranks here, in words.
    pub reasons: Vec<String>,
    /// Cautions of the user's safety profile (contraindicated items are left out).
    pub warnings: Vec<Warning>,
}

/// When to see a doctor instead, for one of the conditions asked for.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct RedFlags {
    pub condition: String,
    pub name: String,
    pub see_a_doctor_when: Vec<String>,
}

/// Ranked routines and points for the conditions asked for.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"conditions": ["insomnia"], "items": [{"rank": 1, "kind": "routine",
    "id": "sleep-wind-down", "name": "Sleep wind-down", "conditions": ["insomnia"],
    "evidence": "limited", "personal": [], "score": 16.0,
    "reasons": ["serves 1 of the 1 condition asked for: insomnia", "best evidence: limited"],
    "warnings": []}], "left_out": [], "red_flags": [{"condition": "insomnia", "name": "Insomnia",
    "see_a_doctor_when": ["Sleeplessness lasts for more than three weeks."]}]}))]
pub struct Recommendations {
    pub conditions: Vec<String>,
    /// At most 30, best first.
    pub items: Vec<Recommendation>,
    /// Items left out because they are contraindicated for the user (codes, slugs, ids).
    pub left_out: Vec<String>,
    pub red_flags: Vec<RedFlags>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RecommendationsQuery {
    /// One to five condition slugs, comma-separated (`insomnia,anxiety`).
    #[param(max_length = 400, example = "insomnia,anxiety")]
    pub condition: Option<String>,
}
