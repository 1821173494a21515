//! Personal statistics: counts per period, changes in pain and stress, streaks, and
//! what worked for a condition.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    #[schema(required = true)]
    pub pain_change: Option<f64>,
    pub pain_sessions: i64,
    #[schema(required = true)]
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
    /// `current` runs up to today through all of the history, whatever the range;
    /// `longest` is the longest run inside the range.
    pub streaks: Streaks,
    pub per_condition: Vec<KeyedChanges>,
    pub per_routine: Vec<KeyedChanges>,
    pub per_point: Vec<KeyedChanges>,
    /// Up to 10, most used first.
    pub most_used_points: Vec<PointUse>,
    pub what_works: Vec<WhatWorks>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First local date (default: 29 days before `to`). The range may cover at most
    /// 1,098 days (three years) and may not run backwards.
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub from: Option<String>,
    /// Last local date, inclusive (default: today in the user's time zone).
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<String>,
}
