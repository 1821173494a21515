//! Own-routine types: what phones send and what they get back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub use crate::catalog::data::{Pregnancy, Pressure, Side};
use crate::catalog::safety::Warning;
use crate::http::patch::{clearable, not_null};

/// A condition slug, at most 80 characters.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct ConditionSlug(pub String);

impl utoipa::PartialSchema for ConditionSlug {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A condition slug from the catalog (`low-back-pain`)."))
            .max_length(Some(80))
            .into()
    }
}

impl ToSchema for ConditionSlug {}

/// One step of an own routine as the app sends it.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"point": "PC6", "side": "both", "seconds": 90, "pressure": "medium",
    "note": "Slow breaths while pressing."}))]
pub struct OwnStepInput {
    /// A catalog point code in any spelling (`pc-6`); stored in WHO form (`PC6`).
    #[schema(min_length = 1, max_length = 40)]
    pub point: String,
    pub side: Side,
    /// 5 to 600.
    #[schema(minimum = 5, maximum = 600)]
    pub seconds: u32,
    pub pressure: Pressure,
    /// The user's own reminder for the step: up to 300 characters once NFC-normalised.
    #[schema(max_length = 300)]
    pub note: Option<String>,
}

/// A new own routine: written from scratch (`name` and `steps` required), or a copy of
/// a curated routine (`from`), whose name, description, conditions and steps (the
/// curated instruction as each step's note) are taken for every field not sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "back-relief", "name": "My back routine"}))]
pub struct OwnRoutineInput {
    /// A UUID made on the phone (optional); a new one otherwise. Ids belong to the account.
    pub id: Option<Uuid>,
    /// The slug of a curated routine to start from; kept as `origin`.
    #[schema(max_length = 80)]
    pub from: Option<String>,
    /// 1 to 80 characters once NFC-normalised; required without `from`.
    #[schema(min_length = 1, max_length = 80)]
    pub name: Option<String>,
    /// Up to 500 characters; line breaks allowed.
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// Slugs of catalog conditions the routine is for (up to 10).
    #[schema(max_items = 10)]
    pub conditions: Option<Vec<ConditionSlug>>,
    /// 1 to 30 steps, 60 minutes in all; required without `from`.
    #[schema(min_items = 1, max_items = 30)]
    pub steps: Option<Vec<OwnStepInput>>,
    /// Must be true to store a routine with a point contraindicated for the account's
    /// safety profile (409 `warnings_not_acknowledged` otherwise, and nothing stored).
    #[serde(default)]
    pub acknowledge_warnings: bool,
}

/// Changes to an own routine (JSON merge patch): an absent field is unchanged; `null`
/// clears `description` and is refused for the others. `steps` and `conditions` are
/// replaced whole.
#[derive(Debug, Default, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Evening back routine", "description": null}))]
pub struct OwnRoutinePatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, min_length = 1, max_length = 80)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Vec<ConditionSlug>, max_items = 10)]
    pub conditions: Option<Vec<ConditionSlug>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Vec<OwnStepInput>, min_items = 1, max_items = 30)]
    pub steps: Option<Vec<OwnStepInput>>,
    /// As for a new routine: true to keep a contraindicated point.
    #[serde(default)]
    pub acknowledge_warnings: bool,
}

/// One step of an own routine, with the catalog's name for the point.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OwnRoutineStep {
    /// 1-based.
    pub position: usize,
    pub point: String,
    /// The point's name in the language served; null when the point has left the catalog.
    #[schema(required = true)]
    pub point_name: Option<String>,
    pub side: Side,
    pub seconds: u32,
    pub pressure: Pressure,
    #[schema(required = true)]
    pub note: Option<String>,
    /// The point's pregnancy level; null when the point has left the catalog.
    #[schema(required = true)]
    pub pregnancy: Option<Pregnancy>,
    /// The point has left the catalog; the step stays until the routine is changed.
    pub retired: bool,
}

/// An own routine, with the warnings of its owner's safety profile.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f", "name": "My back routine",
    "description": null, "conditions": ["low-back-pain"], "origin": "back-relief",
    "steps": [{"position": 1, "point": "BL40", "point_name": "Bend Middle", "side": "both",
        "seconds": 90, "pressure": "medium", "note": null, "pregnancy": "not_listed", "retired": false}],
    "step_count": 1, "total_seconds": 90, "warnings": [],
    "created_at": "2026-12-01T19:00:00Z", "updated_at": "2026-12-01T19:00:00Z"}))]
pub struct OwnRoutine {
    pub id: Uuid,
    pub name: String,
    #[schema(required = true)]
    pub description: Option<String>,
    pub conditions: Vec<String>,
    /// The curated routine it was copied from, if any (it may since have been retired).
    #[schema(required = true)]
    pub origin: Option<String>,
    pub steps: Vec<OwnRoutineStep>,
    pub step_count: usize,
    pub total_seconds: u32,
    /// What the owner's safety profile says about the steps.
    pub warnings: Vec<Warning>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A page of own routines, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct OwnRoutineList {
    pub items: Vec<OwnRoutine>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OwnRoutinesQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// A change to an own routine in a sync pull.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RoutineChange {
    /// Created or changed: the routine as it is now.
    Upsert { routine: OwnRoutine },
    /// Deleted: a tombstone.
    Delete { id: Uuid, deleted_at: DateTime<Utc> },
}

/// An own routine created, changed or deleted offline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum PushedRoutineChange {
    /// Create or replace the routine with this `id` (required here), checked as a new one.
    Upsert { routine: OwnRoutineInput },
    /// Delete it; deleting what is already gone is fine.
    Delete { id: Uuid },
}
