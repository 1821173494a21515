//! Sessions, steps, the per-user change counter and tombstones. No HTTP types here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::DbError;
use crate::db::prepared::PreparedSql;
use crate::db::schema::{massage_sessions, users};
use crate::history::model::{Session, Step};
use crate::history::rules::ValidSession;
use crate::users::model::SafetyProfile;
use crate::users::store::SafetyRow;

#[derive(Queryable, Selectable, QueryableByName)]
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
    pub steps: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl SessionRow {
    pub fn into_session(self) -> Session {
        // Steps are written by this application only; anything unreadable is dropped.
        let steps: Vec<Step> = serde_json::from_value(self.steps).unwrap_or_default();
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

/// A user's history counter, locked until the transaction ends so that this user's
/// history writes commit in version order, with what a write needs to know.
/// `AccountGone` when the account was deleted (perhaps while the request ran).
pub struct HistoryLock {
    pub version: i64,
    pub purged: i64,
    pub safety: SafetyProfile,
}

pub async fn lock_history(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<HistoryLock, DbError> {
    let row: Option<(i64, i64, SafetyRow)> = users::table
        .find(user_id)
        .select((
            users::history_version,
            users::history_purged_version,
            (
                users::pregnant,
                users::bleeding_risk,
                users::varicose_veins,
                users::recent_surgery_or_fracture,
                users::skin_condition,
            ),
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    let (version, purged, safety) = row.ok_or(DbError::AccountGone)?;
    Ok(HistoryLock {
        version,
        purged,
        safety: safety.into(),
    })
}

#[derive(QueryableByName)]
struct Created {
    #[diesel(embed)]
    session: SessionRow,
    #[diesel(embed)]
    safety: SafetyRow,
}

fn steps_json(steps: &[Step]) -> serde_json::Value {
    serde_json::to_value(steps).expect("steps serialize")
}

/// Stores a new session in one statement: checks that the device session `auth_session`
/// is still signed in, bumps the user's counter (locking the user's row until commit,
/// so versions commit in order) and inserts the row with the new version. Returns it
/// with the user's safety answers; `None` when this user already has a session with
/// this id or the device session was signed out (the caller tells which).
pub async fn insert_new(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    auth_session: Uuid,
    s: &ValidSession,
) -> QueryResult<Option<(Session, SafetyProfile)>> {
    use diesel::sql_types::{
        Integer, Jsonb, Nullable, SmallInt, Text, Timestamptz, Uuid as SqlUuid,
    };
    let created = PreparedSql::new(
        "WITH u AS (
             UPDATE users SET history_version = history_version + 1
              WHERE id = $1
                AND EXISTS (SELECT 1 FROM auth_sessions
                             WHERE id = $14 AND user_id = $1 AND revoked_at IS NULL)
             RETURNING history_version, pregnant, bleeding_risk, varicose_veins,
                       recent_surgery_or_fracture, skin_condition
         ), ins AS (
             INSERT INTO massage_sessions (id, user_id, started_at, duration_seconds, routine_slug,
                 condition_slug, pain_before, pain_after, stress_before, stress_after, mood, notes,
                 steps, version)
             SELECT $2, $1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, u.history_version FROM u
             ON CONFLICT (user_id, id) DO NOTHING
             RETURNING *
         )
         SELECT ins.*, u.pregnant, u.bleeding_risk, u.varicose_veins, u.recent_surgery_or_fracture,
                u.skin_condition
           FROM ins, u",
    )
    .bind::<SqlUuid, _>(user_id)
    .bind::<SqlUuid, _>(s.id)
    .bind::<Timestamptz, _>(s.started_at)
    .bind::<Integer, _>(s.duration_seconds)
    .bind::<Nullable<Text>, _>(s.routine.as_deref())
    .bind::<Nullable<Text>, _>(s.condition.as_deref())
    .bind::<Nullable<SmallInt>, _>(s.pain_before)
    .bind::<Nullable<SmallInt>, _>(s.pain_after)
    .bind::<Nullable<SmallInt>, _>(s.stress_before)
    .bind::<Nullable<SmallInt>, _>(s.stress_after)
    .bind::<Nullable<Text>, _>(s.mood.as_deref())
    .bind::<Nullable<Text>, _>(s.notes.as_deref())
    .bind::<Jsonb, _>(steps_json(&s.steps))
    .bind::<SqlUuid, _>(auth_session);
    // `load`, not `get_result`: read to the end, so a commit that fails is an error.
    let created: Option<Created> = created.load(conn).await?.into_iter().next();
    Ok(created.map(|c| (c.session.into_session(), c.safety.into())))
}

/// The counter and horizon without a lock (for pulls); `AccountGone` when the account
/// was deleted.
pub async fn history_marks(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
) -> Result<(i64, i64), DbError> {
    users::table
        .find(user_id)
        .select((users::history_version, users::history_purged_version))
        .first(conn)
        .await
        .optional()?
        .ok_or(DbError::AccountGone)
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

/// Versions of this user's sessions with the given ids (tombstones included), and
/// whether each is a tombstone.
pub async fn versions(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, i64, bool)>> {
    massage_sessions::table
        .filter(massage_sessions::user_id.eq(user_id))
        .filter(massage_sessions::id.eq_any(ids))
        .select((
            massage_sessions::id,
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
    steps: serde_json::Value,
    version: i64,
}

/// Creates the session, or replaces this user's session with the same id (reviving a
/// tombstone). Ids are per account: another account's session with this id is
/// another record, untouched.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    s: &ValidSession,
    version: i64,
) -> QueryResult<Session> {
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
        steps: steps_json(&s.steps),
        version,
    };
    let upsert = diesel::insert_into(massage_sessions::table)
        .values(&values)
        .on_conflict((massage_sessions::user_id, massage_sessions::id))
        .do_update()
        .set((
            &values,
            massage_sessions::updated_at.eq(diesel::dsl::now),
            massage_sessions::deleted_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(SessionRow::as_returning());
    // `load`, not `get_result`: read to the end, so a commit that fails is an error.
    let row = upsert.load::<SessionRow>(conn).await?.into_iter().next();
    // An upsert always returns its row.
    row.map(SessionRow::into_session)
        .ok_or(diesel::result::Error::NotFound)
}

/// Turns the session into a tombstone: what the person wrote and felt is erased at
/// once; only the id, times and version stay, for sync. Returns whether a live session
/// was deleted.
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
        massage_sessions::routine_slug.eq(None::<String>),
        massage_sessions::condition_slug.eq(None::<String>),
        massage_sessions::pain_before.eq(None::<i16>),
        massage_sessions::pain_after.eq(None::<i16>),
        massage_sessions::stress_before.eq(None::<i16>),
        massage_sessions::stress_after.eq(None::<i16>),
        massage_sessions::mood.eq(None::<String>),
        massage_sessions::notes.eq(None::<String>),
        massage_sessions::steps.eq(serde_json::json!([])),
    ))
    .execute(conn)
    .await?;
    Ok(n > 0)
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
    Ok(row.map(SessionRow::into_session))
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
        q = q.filter(massage_sessions::step_points.contains(vec![p.clone()]));
    }
    if f.point.is_some() {
        // Whether the list index (newest first) or the points index is cheaper depends
        // on the point: one in half the sessions, or in none. A cached statement gets a
        // generic plan after a few runs, which cannot know; a literal makes diesel send
        // this one unprepared, so PostgreSQL plans it for the actual value. (Conditions
        // and routines have an index in list order per value: any plan is good.)
        q = q.filter(diesel::dsl::sql::<diesel::sql_types::Bool>("TRUE"));
    }
    if let Some((started, id)) = f.before {
        // A row comparison, which the index takes as the start of its scan however deep
        // the page (`a < x OR (a = x AND b < y)` would be a filter over every newer row).
        q = q.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "(massage_sessions.started_at, massage_sessions.id) < (",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(started)
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(id)
            .sql(")"),
        );
    }
    let rows: Vec<SessionRow> = q.load(conn).await?;
    Ok(rows.into_iter().map(SessionRow::into_session).collect())
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
        .load::<SessionRow>(conn)
        .await?;
    Ok(rows.into_iter().map(SessionRow::into_session).collect())
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
    let purge = diesel::sql_query(
        "WITH gone AS (
             DELETE FROM massage_sessions WHERE deleted_at < $1 RETURNING user_id, version
         ), marks AS (
             UPDATE users u SET history_purged_version = GREATEST(u.history_purged_version, g.v)
               FROM (SELECT user_id, max(version) AS v FROM gone GROUP BY user_id) g
              WHERE u.id = g.user_id
         )
         SELECT count(*) AS n FROM gone",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(before);
    // `load`, not `get_result`: read to the end, so a commit that fails is an error.
    let purged: Option<Purged> = purge.load(conn).await?.into_iter().next();
    Ok(purged.map_or(0, |p| p.n as usize))
}
