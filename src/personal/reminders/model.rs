//! Reminder types: what phones send and what they get back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::http::patch::{clearable, not_null};

/// A day of the week.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Self; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// The bit of the day in a stored set (Monday is bit 0).
    pub fn bit(self) -> i16 {
        1 << (self as i16)
    }
}

/// A new reminder.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days": ["mon", "wed", "fri"], "time": "07:30",
    "routine": "morning-energy", "label": "Before work"}))]
pub struct ReminderInput {
    /// A UUID made on the phone (optional); a new one otherwise. Ids belong to the account.
    pub id: Option<Uuid>,
    /// The weekdays it fires on: one to seven.
    #[schema(min_items = 1, max_items = 7)]
    pub days: Vec<Weekday>,
    /// Local time, `HH:MM` (24-hour).
    #[schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example = "07:30")]
    pub time: String,
    /// An IANA time zone for this reminder alone; without one it follows the account's
    /// time zone, also when that changes.
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
    /// The slug of a curated routine to start when it fires.
    #[schema(max_length = 80)]
    pub routine: Option<String>,
    /// A short text for the notification: 1 to 80 characters once NFC-normalised.
    #[schema(min_length = 1, max_length = 80)]
    pub label: Option<String>,
    /// Default true.
    pub enabled: Option<bool>,
}

/// Changes to a reminder (JSON merge patch): an absent field is unchanged; `null` clears
/// `time_zone` (then it follows the account), `routine` and `label`, and is refused for
/// the others.
#[derive(Debug, Default, Deserialize, ToSchema, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"time": "21:45", "time_zone": null}))]
pub struct ReminderPatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Vec<Weekday>, min_items = 1, max_items = 7)]
    pub days: Option<Vec<Weekday>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub time: Option<String>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64)]
    pub time_zone: Option<Option<String>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, max_length = 80)]
    pub routine: Option<Option<String>>,
    #[serde(default, deserialize_with = "clearable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 80)]
    pub label: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub enabled: Option<bool>,
}

/// A reminder, with when it fires next.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c2-a000-7c1a-9a57-3f0b5c1d2e4f",
    "days": ["mon", "wed", "fri"], "time": "07:30", "time_zone": null,
    "effective_time_zone": "Europe/Berlin", "routine": "morning-energy",
    "label": "Before work", "enabled": true, "next_fire_at": "2026-12-02T06:30:00Z",
    "created_at": "2026-12-01T20:00:00Z", "updated_at": "2026-12-01T20:00:00Z"}))]
pub struct Reminder {
    pub id: Uuid,
    /// In week order, Monday first.
    pub days: Vec<Weekday>,
    /// Local time, `HH:MM`.
    pub time: String,
    /// The reminder's own zone; null when it follows the account's.
    #[schema(required = true)]
    pub time_zone: Option<String>,
    /// The zone it fires in now: its own, or the account's.
    pub effective_time_zone: String,
    #[schema(required = true)]
    pub routine: Option<String>,
    #[schema(required = true)]
    pub label: Option<String>,
    pub enabled: bool,
    /// The next firing in UTC, correct across daylight-saving changes: a time the clocks
    /// skip fires when they jump, a time they repeat fires once. Null when disabled.
    #[schema(required = true)]
    pub next_fire_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Every reminder of the account (at most 20), oldest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": []}))]
pub struct ReminderList {
    pub items: Vec<Reminder>,
}

/// A change to a reminder in a sync pull.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ReminderChange {
    /// Created or changed: the reminder as it is now.
    Upsert { reminder: Reminder },
    /// Deleted: a tombstone.
    Delete { id: Uuid, deleted_at: DateTime<Utc> },
}

/// A reminder created, changed or deleted offline.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum PushedReminderChange {
    /// Create or replace the reminder with this `id` (required here).
    Upsert { reminder: ReminderInput },
    /// Delete it; deleting what is already gone is fine.
    Delete { id: Uuid },
}
