//! Personal statistics: one SQL statement over the user's daily rollups (by local day
//! in the user's time zone) returns every aggregate as JSON. Sessions written since the
//! last read are folded into the rollups first (see the history_fold migration), so
//! writing a session costs no rollup work; whatever is still pending when the figures
//! are read (a write in between) is added by the same statement.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Date, Jsonb, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;

use crate::db::prepared::PreparedSql;
use crate::error::{ApiError, ApiResult};
use crate::history::dates;
use crate::history::model::*;
use crate::users::TimeZone;
use crate::users::UserId;
use crate::users::store as user_store;

/// Fewest sessions behind a "what works for you" figure.
pub const MIN_SESSIONS: i64 = 3;

/// Everything from the daily rollups (see the history_rollups and history_fold
/// migrations) of the local date range, a few rows per day however many sessions and
/// steps they hold, plus the sessions not folded into them yet, in one snapshot: a write
/// committed meanwhile is either wholly in the figures or not at all.
const STATS_SQL: &str = "
WITH RECURSIVE u AS (
    SELECT time_zone, history_rolled_version AS rolled FROM users WHERE id = $1
), pending AS MATERIALIZED (
    SELECT f.* FROM u, history_days_of($1, u.time_zone, u.rolled, 9223372036854775807) f
), d AS MATERIALIZED (
    SELECT * FROM history_days WHERE user_id = $1 AND day BETWEEN $2 AND $3 AND sessions > 0
    UNION ALL
    SELECT * FROM pending WHERE day BETWEEN $2 AND $3
), active(day) AS (
    -- the current streak runs through all of history, back from today (or yesterday,
    -- when today has no session yet), one index probe per day of the streak
    SELECT x.day FROM (VALUES ($5::date), ($5::date - 1)) x(day)
     WHERE EXISTS (SELECT 1 FROM history_days h WHERE h.user_id = $1 AND h.day = x.day AND h.sessions > 0)
        OR EXISTS (SELECT 1 FROM pending WHERE pending.day = x.day)
     ORDER BY x.day DESC LIMIT 1
), streak(day) AS (
    SELECT day FROM active
    UNION ALL
    SELECT s.day - 1 FROM streak s
     WHERE EXISTS (SELECT 1 FROM history_days h WHERE h.user_id = $1 AND h.day = s.day - 1 AND h.sessions > 0)
        OR EXISTS (SELECT 1 FROM pending WHERE pending.day = s.day - 1)
), p AS MATERIALIZED (
    SELECT * FROM history_point_days WHERE user_id = $1 AND day BETWEEN $2 AND $3 AND sessions > 0
    UNION ALL
    SELECT f.* FROM u, history_point_days_of($1, u.time_zone, u.rolled, 9223372036854775807) f
     WHERE f.day BETWEEN $2 AND $3
), changes AS (
    SELECT CASE WHEN GROUPING(condition_slug) = 0 THEN 'condition'
                WHEN GROUPING(routine_slug) = 0 THEN 'routine' ELSE 'total' END AS kind,
           NULLIF(COALESCE(condition_slug, routine_slug), '') AS key, sum(sessions) AS n,
           sum(pain_sum)::float8 / NULLIF(sum(pain_n), 0) AS pain, sum(pain_n) AS pain_n,
           sum(stress_sum)::float8 / NULLIF(sum(stress_n), 0) AS stress, sum(stress_n) AS stress_n
      FROM d GROUP BY GROUPING SETS ((), (condition_slug), (routine_slug))
    UNION ALL
    SELECT 'point', point_code, sum(sessions),
           sum(pain_sum)::float8 / NULLIF(sum(pain_n), 0), sum(pain_n),
           sum(stress_sum)::float8 / NULLIF(sum(stress_n), 0), sum(stress_n)
      FROM p GROUP BY point_code
), helpers AS (
    SELECT 'routine' AS kind, condition_slug AS condition, routine_slug AS key,
           sum(improvement_sum)::float8 / sum(improvement_n) AS improvement, sum(improvement_n) AS n
      FROM d WHERE condition_slug <> '' AND routine_slug <> ''
     GROUP BY condition_slug, routine_slug
    HAVING sum(improvement_n) >= $4 AND sum(improvement_sum) > 0
    UNION ALL
    SELECT 'point', condition_slug, point_code,
           sum(improvement_sum)::float8 / sum(improvement_n), sum(improvement_n)
      FROM p WHERE condition_slug <> ''
     GROUP BY condition_slug, point_code
    HAVING sum(improvement_n) >= $4 AND sum(improvement_sum) > 0
)
SELECT json_build_object(
    'current_streak', (SELECT count(*) FROM streak),
    'days', (SELECT coalesce(json_agg(json_build_object('day', day, 'sessions', n, 'seconds', secs) ORDER BY day), '[]')
               FROM (SELECT day, sum(sessions) AS n, sum(seconds) AS secs FROM d GROUP BY day) x),
    'changes', (SELECT coalesce(json_agg(changes ORDER BY kind, n DESC, key), '[]') FROM changes WHERE n > 0),
    'used', (SELECT coalesce(json_agg(u ORDER BY times DESC, seconds DESC, point), '[]')
               FROM (SELECT point_code AS point, sum(times) AS times, sum(seconds) AS seconds
                       FROM p GROUP BY point_code ORDER BY times DESC, seconds DESC, point LIMIT 10) u),
    'helpers', (SELECT coalesce(json_agg(helpers ORDER BY improvement DESC, n DESC, key), '[]') FROM helpers)
)::jsonb AS doc";

/// Only what has helped the user, over all their history: the routines and points
/// with at least `$2` rated sessions for a condition and an average improvement, from
/// the rollups plus the sessions not folded into them yet. A read: nothing is folded.
const HELPERS_SQL: &str = "
WITH u AS (
    SELECT time_zone, history_rolled_version AS rolled FROM users WHERE id = $1
), d AS (
    SELECT condition_slug, routine_slug, improvement_sum, improvement_n
      FROM history_days WHERE user_id = $1 AND improvement_n > 0
    UNION ALL
    SELECT f.condition_slug, f.routine_slug, f.improvement_sum, f.improvement_n
      FROM u, history_days_of($1, u.time_zone, u.rolled, 9223372036854775807) f
), p AS (
    SELECT condition_slug, point_code, improvement_sum, improvement_n
      FROM history_point_days WHERE user_id = $1 AND improvement_n > 0
    UNION ALL
    SELECT f.condition_slug, f.point_code, f.improvement_sum, f.improvement_n
      FROM u, history_point_days_of($1, u.time_zone, u.rolled, 9223372036854775807) f
), helpers AS (
    SELECT 'routine' AS kind, condition_slug AS condition, routine_slug AS key,
           sum(improvement_sum)::float8 / sum(improvement_n) AS improvement, sum(improvement_n) AS n
      FROM d WHERE condition_slug <> '' AND routine_slug <> ''
     GROUP BY condition_slug, routine_slug
    HAVING sum(improvement_n) >= $2 AND sum(improvement_sum) > 0
    UNION ALL
    SELECT 'point', condition_slug, point_code,
           sum(improvement_sum)::float8 / sum(improvement_n), sum(improvement_n)
      FROM p WHERE condition_slug <> ''
     GROUP BY condition_slug, point_code
    HAVING sum(improvement_n) >= $2 AND sum(improvement_sum) > 0
)
SELECT coalesce(json_agg(helpers ORDER BY condition, improvement DESC, n DESC, key), '[]')::jsonb AS doc
  FROM helpers";

#[derive(QueryableByName)]
struct Doc {
    #[diesel(sql_type = Jsonb)]
    doc: serde_json::Value,
}

#[derive(Deserialize)]
struct Aggregates {
    current_streak: i64,
    days: Vec<DayRow>,
    changes: Vec<ChangeRow>,
    used: Vec<PointUse>,
    helpers: Vec<HelperRow>,
}

#[derive(Deserialize)]
struct DayRow {
    day: NaiveDate,
    sessions: i64,
    seconds: i64,
}

#[derive(Deserialize)]
struct ChangeRow {
    kind: String,
    key: Option<String>,
    n: i64,
    pain: Option<f64>,
    pain_n: i64,
    stress: Option<f64>,
    stress_n: i64,
}

#[derive(Deserialize)]
struct HelperRow {
    kind: String,
    condition: String,
    key: String,
    improvement: f64,
    n: i64,
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn changes(r: &ChangeRow) -> Changes {
    Changes {
        sessions: r.n,
        pain_change: r.pain.map(round2),
        pain_sessions: r.pain_n,
        stress_change: r.stress.map(round2),
        stress_sessions: r.stress_n,
    }
}

/// Longest range of local days one request may ask for.
const MAX_STATS_DAYS: i64 = 3 * 366;

/// The local days asked for, `from` to `to` inclusive: by default the 30 days up to
/// `today`, never backwards nor [`MAX_STATS_DAYS`] or longer.
fn range(q: &StatsQuery, today: NaiveDate) -> ApiResult<(NaiveDate, NaiveDate)> {
    let to = dates::date("to", q.to.as_deref())?.unwrap_or(today);
    let from = dates::date("from", q.from.as_deref())?
        .unwrap_or_else(|| to.checked_sub_signed(Duration::days(29)).unwrap_or(to));
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    if (to - from).num_days() >= MAX_STATS_DAYS {
        return Err(ApiError::invalid(
            "from",
            format!("the range must be shorter than {MAX_STATS_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The user's statistics over the range the query asks for, in the user's time zone
/// (where "today" is, too).
pub async fn of_user(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    q: &StatsQuery,
) -> ApiResult<Stats> {
    let zone = user_store::time_zone_of(conn, user_id).await?;
    let today = Utc::now().with_timezone(&zone.tz()).date_naive();
    let (from, to) = range(q, today)?;
    Ok(compute(conn, user_id, zone, from, to, today).await?)
}

pub async fn compute(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    zone: TimeZone,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> diesel::QueryResult<Stats> {
    PreparedSql::new("SELECT history_fold($1)")
        .bind::<SqlUuid, _>(user_id)
        .execute(conn)
        .await?;
    let doc: Doc = PreparedSql::new(STATS_SQL)
        .bind::<SqlUuid, _>(user_id)
        .bind::<Date, _>(from)
        .bind::<Date, _>(to)
        .bind::<diesel::sql_types::BigInt, _>(MIN_SESSIONS)
        .bind::<Date, _>(today)
        .get_result(conn)
        .await?;
    let agg: Aggregates = serde_json::from_value(doc.doc)
        .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))?;

    let per_day: Vec<PeriodCount> = agg
        .days
        .iter()
        .map(|d| PeriodCount {
            start: d.day,
            sessions: d.sessions,
            minutes: round2(d.seconds as f64 / 60.0),
        })
        .collect();
    let mut per_week: Vec<PeriodCount> = Vec::new();
    for d in &agg.days {
        let monday = d.day - Duration::days(i64::from(d.day.weekday().num_days_from_monday()));
        match per_week.last_mut() {
            Some(w) if w.start == monday => {
                w.sessions += d.sessions;
                w.minutes += d.seconds as f64;
            }
            _ => per_week.push(PeriodCount {
                start: monday,
                sessions: d.sessions,
                minutes: d.seconds as f64,
            }),
        }
    }
    for w in &mut per_week {
        w.minutes = round2(w.minutes / 60.0);
    }
    let pick = |kind: &str| -> Vec<KeyedChanges> {
        agg.changes
            .iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| {
                r.key.clone().map(|key| KeyedChanges {
                    key,
                    changes: changes(r),
                })
            })
            .collect()
    };
    let total = agg.changes.iter().find(|r| r.kind == "total").map_or(
        Changes {
            sessions: 0,
            pain_change: None,
            pain_sessions: 0,
            stress_change: None,
            stress_sessions: 0,
        },
        changes,
    );
    let per_condition = pick("condition");
    let what_works = grouped(per_condition.iter().map(|c| c.key.as_str()), &agg.helpers);
    let days: Vec<NaiveDate> = agg.days.iter().map(|d| d.day).collect();
    Ok(Stats {
        from,
        to,
        time_zone: zone.name().to_owned(),
        total,
        per_day,
        per_week,
        streaks: Streaks {
            current: agg.current_streak,
            longest: longest_run(&days),
        },
        per_condition,
        per_routine: pick("routine"),
        per_point: pick("point"),
        most_used_points: agg.used,
        what_works,
    })
}

/// The helpers of each of `conditions` (in that order), best first.
fn grouped<'a>(conditions: impl Iterator<Item = &'a str>, helpers: &[HelperRow]) -> Vec<WhatWorks> {
    conditions
        .map(|condition| {
            let of = |kind: &str| {
                helpers
                    .iter()
                    .filter(|h| h.kind == kind && h.condition == condition)
                    .map(|h| Helper {
                        key: h.key.clone(),
                        average_improvement: round2(h.improvement),
                        sessions: h.n,
                    })
                    .collect()
            };
            WhatWorks {
                condition: condition.to_owned(),
                routines: of("routine"),
                points: of("point"),
            }
        })
        .collect()
}

/// What has helped the user, per condition, over all their history: routines and points
/// with at least [`MIN_SESSIONS`] rated sessions and an average improvement.
pub async fn what_works(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> ApiResult<Vec<WhatWorks>> {
    let doc: Doc = PreparedSql::new(HELPERS_SQL)
        .bind::<SqlUuid, _>(user_id)
        .bind::<diesel::sql_types::BigInt, _>(MIN_SESSIONS)
        .get_result(conn)
        .await?;
    let helpers: Vec<HelperRow> = serde_json::from_value(doc.doc)
        .map_err(|e| ApiError::internal(format!("helpers of the history: {e}")))?;
    let mut conditions: Vec<&str> = helpers.iter().map(|h| h.condition.as_str()).collect();
    conditions.dedup();
    Ok(grouped(conditions.into_iter(), &helpers))
}

/// The longest run of consecutive local days (days sorted, distinct).
pub fn longest_run(days: &[NaiveDate]) -> i64 {
    let (mut longest, mut run) = (0i64, 0i64);
    let mut previous: Option<NaiveDate> = None;
    for &day in days {
        run = match previous {
            Some(p) if day - p == Duration::days(1) => run + 1,
            _ => 1,
        };
        longest = longest.max(run);
        previous = Some(day);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn longest_run_of_days() {
        let days = [
            d("2026-03-01"),
            d("2026-03-02"),
            d("2026-03-03"),
            d("2026-03-05"),
            d("2026-03-06"),
            d("2026-12-31"),
            d("2027-01-01"),
        ];
        assert_eq!(longest_run(&days), 3);
        assert_eq!(longest_run(&days[3..]), 2);
        assert_eq!(longest_run(&days[5..]), 2, "across a year end");
        assert_eq!(longest_run(&[]), 0);
    }
}
