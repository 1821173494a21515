//! Sessions, steps, the per-user change counter and tombstones. No HTTP types here.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{massage_sessions, session_steps, users};
use crate::history::model::{Pressure, Session, Side, Step};
use crate::history::rules::ValidSession;

#[derive(Queryable, Selectable)]
#[diesel(table_name = massage_sessions, check_for_backend(diesel::pg::Pg))]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: i32,
    pub routine_slug: Option<String>,
    pub condition_slug: Option<String>,
    pub pain_before: Option<i16>,
    pub pain_after: Option<i16>,
    pub stress_before: Option<i16>,
    pub stress_after: Option<i16>,
    pub mood: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl SessionRow {
    pub fn into_session(self, steps: Vec<Step>) -> Session {
        Session {
            id: self.id,
            started_at: self.started_at,
            duration_seconds: self.duration_seconds,
            routine: self.routine_slug,
            condition: self.condition_slug,
            steps,
            pain_before: self.pain_before,
            pain_after: self.pain_after,
            stress_before: self.stress_before,
            stress_after: self.stress_after,
            mood: self.mood,
            notes: self.notes,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// The user's change counter and purge horizon, locked until the transaction ends so
/// that this user's history writes commit in version order.
pub async fn lock_history(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<(i64, i64)> {
    users::table
        .find(user_id)
        .select((users::history_version, users::history_purged_version))
        .for_update()
        .first(conn)
        .await
}

/// The counter and horizon without a lock (for pulls).
pub async fn history_marks(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<(i64, i64)> {
    users::table
        .find(user_id)
        .select((users::history_version, users::history_purged_version))
        .first(conn)
        .await
}

pub async fn set_history_version(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    version: i64,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::history_version.eq(version))
        .execute(conn)
        .await?;
    Ok(())
}

/// Owners and versions of the given session ids (tombstones included).
pub async fn owners(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid, i64, bool)>> {
    massage_sessions::table
        .filter(massage_sessions::id.eq_any(ids))
        .select((
            massage_sessions::id,
            massage_sessions::user_id,
            massage_sessions::version,
            massage_sessions::deleted_at.is_not_null(),
        ))
        .load(conn)
        .await
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = massage_sessions, treat_none_as_null = true)]
struct SessionValues<'a> {
    id: Uuid,
    user_id: Uuid,
    started_at: DateTime<Utc>,
    duration_seconds: i32,
    routine_slug: Option<&'a str>,
    condition_slug: Option<&'a str>,
    pain_before: Option<i16>,
    pain_after: Option<i16>,
    stress_before: Option<i16>,
    stress_after: Option<i16>,
    mood: Option<&'a str>,
    notes: Option<&'a str>,
    version: i64,
}

/// Creates the session, or replaces this user's session with the same id (reviving a
/// tombstone). `None` when the id belongs to another user.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    s: &ValidSession,
    version: i64,
) -> QueryResult<Option<Session>> {
    let values = SessionValues {
        id: s.id,
        user_id,
        started_at: s.started_at,
        duration_seconds: s.duration_seconds,
        routine_slug: s.routine.as_deref(),
        condition_slug: s.condition.as_deref(),
        pain_before: s.pain_before,
        pain_after: s.pain_after,
        stress_before: s.stress_before,
        stress_after: s.stress_after,
        mood: s.mood.as_deref(),
        notes: s.notes.as_deref(),
        version,
    };
    let upsert = diesel::insert_into(massage_sessions::table)
        .values(&values)
        .on_conflict(massage_sessions::id)
        .do_update()
        .set((
            &values,
            massage_sessions::updated_at.eq(diesel::dsl::now),
            massage_sessions::deleted_at.eq(None::<DateTime<Utc>>),
        ));
    // ON CONFLICT ... DO UPDATE ... WHERE: another user's id updates nothing.
    let row: Option<SessionRow> = diesel::query_dsl::methods::FilterDsl::filter(
        upsert,
        massage_sessions::user_id.eq(user_id),
    )
    .returning(SessionRow::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    let Some(row) = row else {
        return Ok(None);
    };
    diesel::delete(session_steps::table.filter(session_steps::session_id.eq(s.id)))
        .execute(conn)
        .await?;
    let steps: Vec<_> = s
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            (
                session_steps::session_id.eq(s.id),
                session_steps::position.eq(i as i16),
                session_steps::point_code.eq(&step.point),
                session_steps::side.eq(step.side.as_str()),
                session_steps::seconds.eq(step.seconds),
                session_steps::pressure.eq(step.pressure.as_str()),
            )
        })
        .collect();
    if !steps.is_empty() {
        diesel::insert_into(session_steps::table)
            .values(&steps)
            .execute(conn)
            .await?;
    }
    Ok(Some(row.into_session(s.steps.clone())))
}

/// Turns the session into a tombstone. Returns whether a live session was deleted.
pub async fn tombstone(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    id: Uuid,
    version: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        massage_sessions::table
            .filter(massage_sessions::id.eq(id))
            .filter(massage_sessions::user_id.eq(user_id))
            .filter(massage_sessions::deleted_at.is_null()),
    )
    .set((
        massage_sessions::deleted_at.eq(diesel::dsl::now),
        massage_sessions::updated_at.eq(diesel::dsl::now),
        massage_sessions::version.eq(version),
    ))
    .execute(conn)
    .await?;
    if n > 0 {
        diesel::delete(session_steps::table.filter(session_steps::session_id.eq(id)))
            .execute(conn)
            .await?;
    }
    Ok(n > 0)
}

fn parse_side(s: &str) -> Side {
    match s {
        "left" => Side::Left,
        "right" => Side::Right,
        "midline" => Side::Midline,
        _ => Side::Both,
    }
}

fn parse_pressure(s: &str) -> Pressure {
    match s {
        "light" => Pressure::Light,
        "firm" => Pressure::Firm,
        _ => Pressure::Medium,
    }
}

/// The steps of several sessions, in order.
pub async fn steps_of(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<HashMap<Uuid, Vec<Step>>> {
    let rows: Vec<(Uuid, String, String, i32, String)> = session_steps::table
        .filter(session_steps::session_id.eq_any(ids))
        .order((session_steps::session_id, session_steps::position))
        .select((
            session_steps::session_id,
            session_steps::point_code,
            session_steps::side,
            session_steps::seconds,
            session_steps::pressure,
        ))
        .load(conn)
        .await?;
    let mut out: HashMap<Uuid, Vec<Step>> = HashMap::new();
    for (id, point, side, seconds, pressure) in rows {
        out.entry(id).or_default().push(Step {
            point,
            side: parse_side(&side),
            seconds,
            pressure: parse_pressure(&pressure),
        });
    }
    Ok(out)
}

/// Rows with their steps attached.
pub async fn with_steps(
    conn: &mut AsyncPgConnection,
    rows: Vec<SessionRow>,
) -> QueryResult<Vec<Session>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut steps = steps_of(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let s = steps.remove(&r.id).unwrap_or_default();
            r.into_session(s)
        })
        .collect())
}

/// One live session of this user.
pub async fn find(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    id: Uuid,
) -> QueryResult<Option<Session>> {
    let row: Option<SessionRow> = massage_sessions::table
        .filter(massage_sessions::id.eq(id))
        .filter(massage_sessions::user_id.eq(user_id))
        .filter(massage_sessions::deleted_at.is_null())
        .select(SessionRow::as_select())
        .first(conn)
        .await
        .optional()?;
    match row {
        Some(row) => Ok(with_steps(conn, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// Filters of the session list.
#[derive(Default)]
pub struct ListFilter {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub condition: Option<String>,
    pub routine: Option<String>,
    pub point: Option<String>,
    /// Keyset: strictly older than this (started_at, id).
    pub before: Option<(DateTime<Utc>, Uuid)>,
}

/// Newest first, keyset on (started_at, id), `limit` rows.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    f: &ListFilter,
    limit: i64,
) -> QueryResult<Vec<Session>> {
    let mut q = massage_sessions::table
        .filter(massage_sessions::user_id.eq(user_id))
        .filter(massage_sessions::deleted_at.is_null())
        .select(SessionRow::as_select())
        .order((
            massage_sessions::started_at.desc(),
            massage_sessions::id.desc(),
        ))
        .limit(limit)
        .into_boxed();
    if let Some(from) = f.from {
        q = q.filter(massage_sessions::started_at.ge(from));
    }
    if let Some(to) = f.to {
        q = q.filter(massage_sessions::started_at.lt(to));
    }
    if let Some(c) = &f.condition {
        q = q.filter(massage_sessions::condition_slug.eq(c.clone()));
    }
    if let Some(r) = &f.routine {
        q = q.filter(massage_sessions::routine_slug.eq(r.clone()));
    }
    if let Some(p) = &f.point {
        let with_point = session_steps::table
            .filter(session_steps::point_code.eq(p.clone()))
            .select(session_steps::session_id);
        q = q.filter(massage_sessions::id.eq_any(with_point));
    }
    if let Some((started, id)) = f.before {
        q = q.filter(
            massage_sessions::started_at
                .lt(started)
                .or(massage_sessions::started_at
                    .eq(started)
                    .and(massage_sessions::id.lt(id))),
        );
    }
    let rows = q.load(conn).await?;
    with_steps(conn, rows).await
}

/// Every change after `version`, oldest first, at most `limit`.
pub async fn changes_since(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    version: i64,
    limit: i64,
) -> QueryResult<Vec<SessionRow>> {
    massage_sessions::table
        .filter(massage_sessions::user_id.eq(user_id))
        .filter(massage_sessions::version.gt(version))
        .order(massage_sessions::version)
        .limit(limit)
        .select(SessionRow::as_select())
        .load(conn)
        .await
}

/// All live sessions of a user (the export).
pub async fn all_live(conn: &mut AsyncPgConnection, user_id: Uuid) -> QueryResult<Vec<Session>> {
    let rows = massage_sessions::table
        .filter(massage_sessions::user_id.eq(user_id))
        .filter(massage_sessions::deleted_at.is_null())
        .order(massage_sessions::started_at)
        .select(SessionRow::as_select())
        .load(conn)
        .await?;
    with_steps(conn, rows).await
}

/// Removes tombstones older than `before` and records, per user, the newest version
/// removed: a sync cursor from before it can no longer be served (410).
pub async fn purge_tombstones(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
) -> QueryResult<usize> {
    #[derive(QueryableByName)]
    struct Purged {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let purged: Purged = diesel::sql_query(
        "WITH gone AS (
             DELETE FROM massage_sessions WHERE deleted_at < $1 RETURNING user_id, version
         ), marks AS (
             UPDATE users u SET history_purged_version = GREATEST(u.history_purged_version, g.v)
               FROM (SELECT user_id, max(version) AS v FROM gone GROUP BY user_id) g
              WHERE u.id = g.user_id
         )
         SELECT count(*) AS n FROM gone",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before)
    .get_result(conn)
    .await?;
    Ok(purged.n as usize)
}

/// The user's time zone and their distinct local session days, oldest first.
pub async fn local_days(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    tz: &str,
) -> QueryResult<Vec<NaiveDate>> {
    #[derive(QueryableByName)]
    struct Day {
        #[diesel(sql_type = diesel::sql_types::Date)]
        day: NaiveDate,
    }
    let days: Vec<Day> = diesel::sql_query(
        "SELECT DISTINCT (started_at AT TIME ZONE $2)::date AS day
           FROM massage_sessions WHERE user_id = $1 AND deleted_at IS NULL ORDER BY day",
    )
    .bind::<diesel::sql_types::Uuid, _>(user_id)
    .bind::<diesel::sql_types::Text, _>(tz)
    .load(conn)
    .await?;
    Ok(days.into_iter().map(|d| d.day).collect())
}
