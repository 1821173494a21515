//! Session history types: what phones send and what they get back.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
    Both,
    Midline,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Pressure {
    Light,
    Medium,
    Firm,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Left => "left",
            Self::Right => "right",
            Self::Both => "both",
            Self::Midline => "midline",
        }
    }
}

impl Pressure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Medium => "medium",
            Self::Firm => "firm",
        }
    }
}

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
    pub id: Option<Uuid>,
    /// RFC 3339; not before 2000 and not more than a day ahead. Kept to the
    /// microsecond (finer digits are dropped); a leap second (`23:59:60.5Z`) is kept
    /// as the last microsecond of its minute (`23:59:59.999999Z`).
    #[serde(deserialize_with = "stored_instant")]
    pub started_at: DateTime<Utc>,
    /// 1 to 86,400.
    #[schema(minimum = 1, maximum = 86400)]
    pub duration_seconds: i32,
    /// Routine slug from the catalog.
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

/// An instant as PostgreSQL stores it, so that what a client sends compares equal to
/// what it gets back: truncated to the microsecond (digits beyond are dropped, as the
/// database would), and a leap second (second 60, which the database would roll into
/// the next minute) pinned to the last microsecond of its minute, keeping its order.
pub fn as_stored(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.nanosecond();
    let nanos = if nanos >= 1_000_000_000 {
        999_999_000
    } else {
        nanos - nanos % 1_000
    };
    t.with_nanosecond(nanos)
        .expect("a nanosecond below one second")
}

/// An RFC 3339 instant, [`as_stored`].
fn stored_instant<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    DateTime::<Utc>::deserialize(d).map(as_stored)
}

/// An optional instant that must not be `null` when present, [`as_stored`].
fn stored_instant_not_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    stored_instant(d).map(Some)
}

/// `Some(None)` for an explicit null (clear the field), `None` when absent.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A field that may be absent but, when present, must not be `null` (it cannot be
/// cleared): `null` is a type error, answered 422 like any other.
fn not_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Changes to a session; absent fields stay, `null` clears an optional field.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pain_after": 2, "notes": null}))]
pub struct SessionPatch {
    /// Kept to the microsecond, like `started_at` of a new session.
    #[serde(default, deserialize_with = "stored_instant_not_null")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(minimum = 1, maximum = 86400)]
    pub duration_seconds: Option<i32>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 80)]
    pub routine: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 80)]
    pub condition: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(max_items = 100)]
    pub steps: Option<Vec<Step>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub pain_before: Option<Option<i16>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub pain_after: Option<Option<i16>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub stress_before: Option<Option<i16>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i16>, minimum = 0, maximum = 10)]
    pub stress_after: Option<Option<i16>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 40)]
    pub mood: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
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
    pub id: Uuid,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: i32,
    pub routine: Option<String>,
    pub condition: Option<String>,
    pub steps: Vec<Step>,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub stress_before: Option<i16>,
    pub stress_after: Option<i16>,
    pub mood: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Something the app should show the user about what they pressed.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"code": "pregnancy_contraindicated", "point": "LI4",
    "message": "LI4 is traditionally avoided during pregnancy."}))]
pub struct Warning {
    /// `pregnancy_contraindicated`, `pregnancy_caution`, `bleeding_risk_firm_pressure`,
    /// `varicose_veins_leg`, `recent_surgery_or_fracture` or `skin_condition`.
    pub code: String,
    /// The point concerned, if any.
    pub point: Option<String>,
    pub message: String,
}

/// A stored session with the safety warnings that apply to it for this user.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"session": {"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f",
    "started_at": "2026-11-21T07:45:00Z", "duration_seconds": 120, "routine": null,
    "condition": "tension-headache", "steps": [{"point": "LI4", "side": "both", "seconds": 60,
    "pressure": "firm"}], "pain_before": 6, "pain_after": 3, "stress_before": null,
    "stress_after": null, "mood": null, "notes": null, "created_at": "2026-11-21T07:51:02Z",
    "updated_at": "2026-11-21T07:51:02Z"}, "warnings": [{"code": "pregnancy_contraindicated",
    "point": "LI4", "message": "LI4 is traditionally avoided during pregnancy."}]}))]
pub struct SessionWithWarnings {
    pub session: Session,
    pub warnings: Vec<Warning>,
}

/// A page of sessions, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct SessionList {
    pub items: Vec<Session>,
    pub next_cursor: Option<String>,
}

/// A change in a sync pull or push.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PulledChange {
    /// Created or changed: the record as it is now.
    Upsert { session: Session },
    /// Deleted: a tombstone.
    Delete { id: Uuid, deleted_at: DateTime<Utc> },
}

/// Everything changed since the cursor.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"changes": [{"op": "delete", "id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f",
    "deleted_at": "2026-11-21T08:00:00Z"}], "cursor": "eyJ2IjoyLCJ1IjoiM2Y5YTJiN2MxZDBlIiwiaCI6NDJ9", "has_more": false}))]
pub struct SyncPull {
    pub changes: Vec<PulledChange>,
    /// Send it with the next pull or push.
    pub cursor: String,
    /// More changes are waiting: pull again with the new cursor.
    pub has_more: bool,
}

/// A change made offline.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum PushedChange {
    /// Create or replace the session with this `id` (required here).
    Upsert { session: SessionInput },
    /// Delete it; deleting what is already gone is fine.
    Delete { id: Uuid },
}

/// A batch of offline changes, applied all together or not at all.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"cursor": "eyJ2IjoyLCJ1IjoiM2Y5YTJiN2MxZDBlIiwiaCI6NDF9", "changes": [
    {"op": "upsert", "session": {"id": "0193a5c2-8000-7c1a-9a57-3f0b5c1d2e4f",
        "started_at": "2026-11-21T07:45:00Z", "duration_seconds": 300, "steps": []}},
    {"op": "delete", "id": "0193a5c2-9000-7c1a-9a57-3f0b5c1d2e4f"}]}))]
pub struct SyncPush {
    /// The cursor of the client's last pull (or null when it never pulled).
    pub cursor: Option<String>,
    /// Up to 500 changes.
    pub changes: Vec<PushedChange>,
}

/// What a push did.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"applied": 2, "cursor": "eyJ2IjoyLCJ1IjoiM2Y5YTJiN2MxZDBlIiwiaCI6NDN9", "warnings": []}))]
pub struct SyncPushResult {
    pub applied: usize,
    /// The new cursor when nothing else changed since the client's cursor; otherwise
    /// the client's own cursor (pull to catch up; the pull includes this push).
    pub cursor: String,
    /// Safety warnings for the pushed sessions, by session id.
    pub warnings: Vec<SessionWarnings>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionWarnings {
    pub id: Uuid,
    pub warnings: Vec<Warning>,
}

/// Sessions and minutes in one period.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct PeriodCount {
    /// The local day, or the Monday starting the local week.
    pub start: NaiveDate,
    pub sessions: i64,
    pub minutes: f64,
}

/// Average changes over a set of sessions. `pain_change` is after minus before (negative
/// is better); null when no session had both values.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct Changes {
    pub sessions: i64,
    pub pain_change: Option<f64>,
    pub pain_sessions: i64,
    pub stress_change: Option<f64>,
    pub stress_sessions: i64,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct KeyedChanges {
    /// A condition slug, routine slug or point code.
    pub key: String,
    #[serde(flatten)]
    pub changes: Changes,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct PointUse {
    pub point: String,
    /// Steps on the point.
    pub times: i64,
    pub seconds: i64,
}

/// A routine or point that helped with a condition, with the sessions behind the figure.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct Helper {
    /// Routine slug or point code.
    pub key: String,
    /// Average improvement: how many points pain (or stress, when pain was not logged)
    /// went down per session.
    pub average_improvement: f64,
    pub sessions: i64,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct WhatWorks {
    pub condition: String,
    /// Best first; only those with at least 3 sessions and an average improvement
    /// above zero (nothing that, on average, made things worse or left them the same).
    pub routines: Vec<Helper>,
    pub points: Vec<Helper>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct Streaks {
    /// Consecutive local days with a session, ending today (or yesterday, when today
    /// has none yet), counted through all of the history whatever the requested range.
    pub current: i64,
    /// The longest run of consecutive local days within the requested range.
    pub longest: i64,
}

/// Personal statistics over a date range, in the user's time zone.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"from": "2026-11-01", "to": "2026-11-21", "time_zone": "Europe/Berlin",
    "total": {"sessions": 12, "pain_change": -2.25, "pain_sessions": 8, "stress_change": -1.5,
        "stress_sessions": 10},
    "per_day": [{"start": "2026-11-20", "sessions": 2, "minutes": 11.5}],
    "per_week": [{"start": "2026-11-16", "sessions": 5, "minutes": 31.0}],
    "streaks": {"current": 3, "longest": 6}, "per_condition": [], "per_routine": [],
    "per_point": [], "most_used_points": [{"point": "PC6", "times": 9, "seconds": 540}],
    "what_works": []}))]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub time_zone: String,
    pub total: Changes,
    pub per_day: Vec<PeriodCount>,
    pub per_week: Vec<PeriodCount>,
    /// Within the range: `current` ends on `to` (or the day before) when `to` is today
    /// or later; `longest` is the longest run inside the range.
    pub streaks: Streaks,
    pub per_condition: Vec<KeyedChanges>,
    pub per_routine: Vec<KeyedChanges>,
    pub per_point: Vec<KeyedChanges>,
    /// Up to 10, most used first.
    pub most_used_points: Vec<PointUse>,
    pub what_works: Vec<WhatWorks>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(started_at: &str) -> SessionInput {
        serde_json::from_value(serde_json::json!({
            "started_at": started_at, "duration_seconds": 60
        }))
        .unwrap()
    }

    fn instant(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn instants_are_kept_to_the_microsecond() {
        for (sent, kept) in [
            (
                "2026-11-21T07:45:00.123456789Z",
                "2026-11-21T07:45:00.123456Z",
            ),
            (
                "2026-11-21T07:45:00.1234564Z",
                "2026-11-21T07:45:00.123456Z",
            ),
            ("2026-11-21T07:45:00.5Z", "2026-11-21T07:45:00.500Z"),
            ("2026-11-21T07:45:00Z", "2026-11-21T07:45:00Z"),
            (
                "2026-11-21T08:45:00.000000999+01:00",
                "2026-11-21T07:45:00Z",
            ),
        ] {
            assert_eq!(input(sent).started_at, instant(kept), "{sent}");
        }
    }

    #[test]
    fn a_leap_second_stays_in_its_minute() {
        for (sent, kept) in [
            ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999Z"),
            ("2016-12-31T23:59:60.5Z", "2016-12-31T23:59:59.999999Z"),
            // A second 60 that no leap second ever had is treated the same way.
            ("2026-11-21T07:45:60Z", "2026-11-21T07:45:59.999999Z"),
            ("2026-11-21T08:45:60+01:00", "2026-11-21T07:45:59.999999Z"),
        ] {
            let kept = instant(kept);
            assert_eq!(input(sent).started_at, kept, "{sent}");
            assert_eq!(as_stored(kept), kept, "normalising twice changes nothing");
        }
    }

    #[test]
    fn a_patched_start_is_normalised_too() {
        let patch: SessionPatch = serde_json::from_value(
            serde_json::json!({"started_at": "2026-11-21T07:45:00.999999999Z"}),
        )
        .unwrap();
        assert_eq!(
            patch.started_at,
            Some(instant("2026-11-21T07:45:00.999999Z"))
        );
        assert!(
            serde_json::from_value::<SessionPatch>(serde_json::json!({"started_at": null}))
                .is_err()
        );
    }
}
