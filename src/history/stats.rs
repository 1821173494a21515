//! Personal statistics, aggregated in PostgreSQL in the user's time zone.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::history::model::*;
use crate::history::store;

/// Sessions of the user inside the local date range [from, to].
const IN_RANGE: &str = "user_id = $1 AND deleted_at IS NULL
    AND started_at >= ($2::date::timestamp AT TIME ZONE $4)
    AND started_at < (($3::date + 1)::timestamp AT TIME ZONE $4)";

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = BigInt)]
    sessions: i64,
    #[diesel(sql_type = Double)]
    minutes: f64,
}

#[derive(QueryableByName)]
struct ChangeRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Nullable<Text>)]
    key: Option<String>,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pain: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pain_n: i64,
    #[diesel(sql_type = Nullable<Double>)]
    stress: Option<f64>,
    #[diesel(sql_type = BigInt)]
    stress_n: i64,
}

#[derive(QueryableByName)]
struct UseRow {
    #[diesel(sql_type = Text)]
    point: String,
    #[diesel(sql_type = BigInt)]
    times: i64,
    #[diesel(sql_type = BigInt)]
    seconds: i64,
}

#[derive(QueryableByName)]
struct HelperRow {
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    condition: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = Double)]
    improvement: f64,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Fewest sessions behind a "what works for you" figure.
pub const MIN_SESSIONS: i64 = 3;

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

pub async fn compute(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    tz: &str,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> diesel::QueryResult<Stats> {
    macro_rules! bound {
        ($sql:expr) => {
            diesel::sql_query($sql)
                .bind::<SqlUuid, _>(user_id)
                .bind::<Date, _>(from)
                .bind::<Date, _>(to)
                .bind::<Text, _>(tz)
        };
    }
    let days: Vec<DayRow> = bound!(format!(
        "SELECT (started_at AT TIME ZONE $4)::date AS day, count(*) AS sessions,
                sum(duration_seconds)::float8 / 60 AS minutes
           FROM massage_sessions WHERE {IN_RANGE} GROUP BY day ORDER BY day"
    ))
    .load(conn)
    .await?;

    let groups: Vec<ChangeRow> = bound!(format!(
        "WITH s AS (SELECT * FROM massage_sessions WHERE {IN_RANGE}),
         per_session AS (
             SELECT CASE WHEN GROUPING(condition_slug) = 0 THEN 'condition'
                         WHEN GROUPING(routine_slug) = 0 THEN 'routine' ELSE 'total' END AS kind,
                    COALESCE(condition_slug, routine_slug) AS key,
                    count(*) AS n,
                    avg(pain_after - pain_before)::float8 AS pain, count(pain_after - pain_before) AS pain_n,
                    avg(stress_after - stress_before)::float8 AS stress, count(stress_after - stress_before) AS stress_n
               FROM s GROUP BY GROUPING SETS ((), (condition_slug), (routine_slug))
         ),
         per_point AS (
             SELECT 'point' AS kind, p.point_code AS key, count(*) AS n,
                    avg(s.pain_after - s.pain_before)::float8 AS pain, count(s.pain_after - s.pain_before) AS pain_n,
                    avg(s.stress_after - s.stress_before)::float8 AS stress, count(s.stress_after - s.stress_before) AS stress_n
               FROM s JOIN (SELECT DISTINCT session_id, point_code FROM session_steps
                             WHERE session_id IN (SELECT id FROM s)) p ON p.session_id = s.id
              GROUP BY p.point_code
         )
         SELECT * FROM per_session UNION ALL SELECT * FROM per_point ORDER BY kind, n DESC, key"
    ))
    .load(conn)
    .await?;

    let used: Vec<UseRow> = bound!(format!(
        "SELECT st.point_code AS point, count(*) AS times, sum(st.seconds)::int8 AS seconds
           FROM session_steps st JOIN massage_sessions s ON s.id = st.session_id
          WHERE {} GROUP BY st.point_code ORDER BY times DESC, seconds DESC, point LIMIT 10",
        IN_RANGE
            .replace("user_id", "s.user_id")
            .replace("deleted_at", "s.deleted_at")
            .replace("started_at", "s.started_at")
    ))
    .load(conn)
    .await?;

    let helpers: Vec<HelperRow> = bound!(format!(
        "WITH s AS (
             SELECT id, condition_slug, routine_slug,
                    COALESCE(pain_before - pain_after, stress_before - stress_after)::float8 AS imp
               FROM massage_sessions WHERE {IN_RANGE} AND condition_slug IS NOT NULL
         )
         SELECT 'routine' AS kind, condition_slug AS condition, routine_slug AS key,
                avg(imp) AS improvement, count(*) AS n
           FROM s WHERE imp IS NOT NULL AND routine_slug IS NOT NULL
          GROUP BY condition_slug, routine_slug HAVING count(*) >= {MIN_SESSIONS}
         UNION ALL
         SELECT 'point', s.condition_slug, p.point_code, avg(s.imp), count(*)
           FROM s JOIN (SELECT DISTINCT session_id, point_code FROM session_steps
                         WHERE session_id IN (SELECT id FROM s)) p ON p.session_id = s.id
          WHERE s.imp IS NOT NULL
          GROUP BY s.condition_slug, p.point_code HAVING count(*) >= {MIN_SESSIONS}
          ORDER BY improvement DESC, n DESC, key"
    ))
    .load(conn)
    .await?;

    let all_days = store::local_days(conn, user_id, tz).await?;

    let mut per_week: Vec<PeriodCount> = Vec::new();
    for d in &days {
        let monday = d.day - Duration::days(i64::from(d.day.weekday().num_days_from_monday()));
        match per_week.last_mut() {
            Some(w) if w.start == monday => {
                w.sessions += d.sessions;
                w.minutes += d.minutes;
            }
            _ => per_week.push(PeriodCount {
                start: monday,
                sessions: d.sessions,
                minutes: d.minutes,
            }),
        }
    }
    for w in &mut per_week {
        w.minutes = round2(w.minutes);
    }
    let pick = |kind: &str| -> Vec<KeyedChanges> {
        groups
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
    let total = groups
        .iter()
        .find(|r| r.kind == "total")
        .map(changes)
        .unwrap_or(Changes {
            sessions: 0,
            pain_change: None,
            pain_sessions: 0,
            stress_change: None,
            stress_sessions: 0,
        });
    let per_condition = pick("condition");
    let what_works = per_condition
        .iter()
        .map(|c| {
            let of = |kind: &str| {
                helpers
                    .iter()
                    .filter(|h| h.kind == kind && h.condition == c.key)
                    .map(|h| Helper {
                        key: h.key.clone(),
                        average_improvement: round2(h.improvement),
                        sessions: h.n,
                    })
                    .collect()
            };
            WhatWorks {
                condition: c.key.clone(),
                routines: of("routine"),
                points: of("point"),
            }
        })
        .collect();
    Ok(Stats {
        from,
        to,
        time_zone: tz.to_owned(),
        total,
        per_day: days
            .into_iter()
            .map(|d| PeriodCount {
                start: d.day,
                sessions: d.sessions,
                minutes: round2(d.minutes),
            })
            .collect(),
        per_week,
        streaks: streaks(&all_days, today),
        per_condition,
        per_routine: pick("routine"),
        per_point: pick("point"),
        most_used_points: used
            .into_iter()
            .map(|u| PointUse {
                point: u.point,
                times: u.times,
                seconds: u.seconds,
            })
            .collect(),
        what_works,
    })
}

/// Current and longest runs of consecutive local days (days sorted, distinct).
pub fn streaks(days: &[NaiveDate], today: NaiveDate) -> Streaks {
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
    let current = match previous {
        Some(last) if today - last <= Duration::days(1) && last <= today => run,
        _ => 0,
    };
    Streaks { current, longest }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn streak_arithmetic() {
        let days = [
            d("2026-03-01"),
            d("2026-03-02"),
            d("2026-03-03"),
            d("2026-03-05"),
            d("2026-03-06"),
        ];
        assert_eq!(
            streaks(&days, d("2026-03-06")),
            Streaks {
                current: 2,
                longest: 3
            }
        );
        assert_eq!(
            streaks(&days, d("2026-03-07")),
            Streaks {
                current: 2,
                longest: 3
            },
            "today not yet"
        );
        assert_eq!(
            streaks(&days, d("2026-03-08")),
            Streaks {
                current: 0,
                longest: 3
            }
        );
        assert_eq!(
            streaks(&[], d("2026-03-08")),
            Streaks {
                current: 0,
                longest: 0
            }
        );
    }
}
