//! Writing sessions: a new one in one statement, an upsert by (user, id), a tombstone,
//! and the purge of old tombstones.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::{SessionRow, steps_json};
use crate::auth::DeviceSessionId;
use crate::db::prepared::PreparedSql;
use crate::db::schema::massage_sessions;
use crate::history::SessionId;
use crate::history::model::Session;
use crate::history::rules::ValidSession;
use crate::users::UserId;
use crate::users::model::SafetyProfile;
use crate::users::store::SafetyRow;

#[derive(QueryableByName)]
struct Created {
    #[diesel(embed)]
    session: SessionRow,
    #[diesel(embed)]
    safety: SafetyRow,
}

/// Stores a new session in one statement: checks that the device session `auth_session`
/// is still signed in, bumps the user's counter (locking the user's row until commit,
/// so versions commit in order) and inserts the row with the new version. Returns it
/// with the user's safety answers; `None` when this user already has a session with
/// this id or the device session was signed out (the caller tells which).
pub async fn insert_new(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    auth_session: DeviceSessionId,
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

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = massage_sessions, treat_none_as_null = true)]
struct SessionValues<'a> {
    id: SessionId,
    user_id: UserId,
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
    user_id: UserId,
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
    user_id: UserId,
    id: SessionId,
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

/// Removes tombstones (of sessions, own routines and reminders) older than `before` and records, per user, the newest version
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
        "WITH sessions AS (
             DELETE FROM massage_sessions WHERE deleted_at < $1 RETURNING user_id, version
         ), routines AS (
             DELETE FROM own_routines WHERE deleted_at < $1 RETURNING user_id, version
         ), reminders AS (
             DELETE FROM reminders WHERE deleted_at < $1 RETURNING user_id, version
         ), gone AS (
             SELECT * FROM sessions UNION ALL SELECT * FROM routines
             UNION ALL SELECT * FROM reminders
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
