//! Sessions: what the app records, how it changes one, and what it gets back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::fields::{stored_instant, stored_instant_not_null};
pub use crate::catalog::data::{Pressure, Side};
pub use crate::catalog::safety::{Warning, WarningCode};
use crate::history::SessionId;
use crate::http::patch::{clearable, not_null};

/// One point pressed during a session.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium"}))]
pub struct Step {
    /// Point code in any spelling (`pc-6`); stored in WHO form (`PC6`).
    #[schema(min_length = 1, max_length = 40)]
    pub point: String,
    pub side: Side,
    /// 1 to 3600.
    #[schema(minimum = 1, maximum = 3600)]
    pub seconds: i32,
    pub pressure: Pressure,
}

/// A self-massage session as the app records it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f", "started_at": "2026-11-21T07:45:00Z",
    "duration_seconds": 300, "routine": "sleep-wind-down", "condition": "insomnia",
    "steps": [{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}],
    "pain_before": null, "pain_after": null, "stress_before": 7, "stress_after": 4,
    "mood": "calmer", "notes": "Fell asleep before the last step."}))]
pub struct SessionInput {
    /// The app's own UUID for the record (optional; lets an offline phone create it).
    #[schema(value_type = Option<Uuid>)]
    pub id: Option<SessionId>,
    /// RFC 3339; not before 2000 and not more than a day ahead. Kept to the
    /// microsecond (finer digits are dropped); a leap second (`23:59:60.5Z`) is kept
    /// as the last microsecond of its minute (`23:59:59.999999Z`).
    #[serde(deserialize_with = "stored_instant")]
    pub started_at: DateTime<Utc>,
    /// 1 to 86,400.
    #[schema(minimum = 1, maximum = 86400)]
    pub duration_seconds: i32,
    /// A curated routine's slug, or the id of one of the account's own routines.
    #[schema(max_length = 80)]
    pub routine: Option<String>,
    /// Condition slug from the catalog: what the session was for.
    #[schema(max_length = 80)]
    pub condition: Option<String>,
    /// Up to 100 steps.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub steps: Vec<Step>,
    /// 0 to 10.
    #[schema(minimum = 0, maximum = 10)]
    pub pain_before: Option<i16>,
    #[schema(minimum = 0, maximum = 10)]
    pub pain_after: Option<i16>,
    #[schema(minimum = 0, maximum = 10)]
    pub stress_before: Option<i16>,
    #[schema(minimum = 0, maximum = 10)]
    pub stress_after: Option<i16>,
    /// Up to 40 characters once NFC-normalised; control, invisible formatting,
    /// separator, private-use and noncharacter code points are refused.
    #[schema(max_length = 40)]
    pub mood: Option<String>,
    /// Up to 2,000 characters once NFC-normalised, checked like `mood` except that
    /// line breaks and tabs are allowed (`\r\n` is stored as `\n`).
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// Changes to a session, as a JSON merge patch: absent fields stay; `null` clears the
/// fields that may be empty (routine, condition, ratings, mood, notes) and is a 422 for
/// the others (`started_at`, `duration_seconds`, `steps`).
#[derive(Clone, Debug, Default, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pain_after": 2, "notes": null}))]
pub struct SessionPatch {
    /// Kept to the microsecond, like `started_at` of a new session.
    #[serde(default, deserialize_with = "stored_instant_not_null")]
    #[schema(value_type = DateTime<Utc>)]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = i32, minimum = 1, maximum = 86400)]
    pub duration_seconds: Option<i32>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, max_length = 80)]
    pub routine: Option<Option<String>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, max_length = 80)]
    pub condition: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Vec<Step>, max_items = 100)]
    pub steps: Option<Vec<Step>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub pain_before: Option<Option<i16>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub pain_after: Option<Option<i16>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub stress_before: Option<Option<i16>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub stress_after: Option<Option<i16>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, max_length = 40)]
    pub mood: Option<Option<String>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub notes: Option<Option<String>>,
}

/// A stored session.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f", "started_at": "2026-11-21T07:45:00Z",
    "duration_seconds": 300, "routine": "sleep-wind-down", "condition": "insomnia",
    "steps": [{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}],
    "pain_before": null, "pain_after": null, "stress_before": 7, "stress_after": 4,
    "mood": "calmer", "notes": "Fell asleep before the last step.",
    "created_at": "2026-11-21T07:51:02Z", "updated_at": "2026-11-21T07:51:02Z"}))]
pub struct Session {
    #[schema(value_type = Uuid)]
    pub id: SessionId,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: i32,
    #[schema(required = true)]
    pub routine: Option<String>,
    #[schema(required = true)]
    pub condition: Option<String>,
    pub steps: Vec<Step>,
    #[schema(required = true)]
    pub pain_before: Option<i16>,
    #[schema(required = true)]
    pub pain_after: Option<i16>,
    #[schema(required = true)]
    pub stress_before: Option<i16>,
    #[schema(required = true)]
    pub stress_after: Option<i16>,
    #[schema(required = true)]
    pub mood: Option<String>,
    #[schema(required = true)]
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored session with the safety warnings that apply to it for this user.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"session": {"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f",
    "started_at": "2026-11-21T07:45:00Z", "duration_seconds": 120, "routine": null,
    "condition": "tension-headache", "steps": [{"point": "LI4", "side": "both", "seconds": 60,
    "pressure": "firm"}], "pain_before": 6, "pain_after": 3, "stress_before": null,
    "stress_after": null, "mood": null, "notes": null, "created_at": "2026-11-21T07:51:02Z",
    "updated_at": "2026-11-21T07:51:02Z"}, "warnings": [{"code": "pregnancy_contraindicated",
    "point": "LI4", "message": "LI4 is traditionally avoided during pregnancy (8 of the teaching lists acupress follows name it); skip it until after the birth.",
    "precaution": null, "sources": ["T", "M", "K", "C", "F", "B", "I", "W"]}]}))]
pub struct SessionWithWarnings {
    pub session: Session,
    pub warnings: Vec<Warning>,
}

/// A page of sessions, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct SessionList {
    pub items: Vec<Session>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Filters of the session list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// From this local date (`2026-11-01`, in the user's time zone) or instant (RFC 3339), inclusive.
    #[param(example = "2026-11-01", max_length = 40)]
    pub from: Option<String>,
    /// Up to this local date, inclusive, or instant, exclusive.
    #[param(example = "2026-11-30", max_length = 40)]
    pub to: Option<String>,
    /// Condition slug.
    #[param(max_length = 80)]
    pub condition: Option<String>,
    /// A curated routine's slug or an own routine's id.
    #[param(max_length = 80)]
    pub routine: Option<String>,
    /// Point code in any spelling: sessions that pressed it.
    #[param(max_length = 40)]
    pub point: Option<String>,
}
