//! Reading sessions: one, a filtered page, the versions a push is checked against, the
//! changes a pull returns, and everything for the export.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::SessionRow;
use crate::db::schema::massage_sessions;
use crate::history::SessionId;
use crate::history::model::Session;
use crate::users::UserId;

/// Versions of this user's sessions with the given ids (tombstones included), and
/// whether each is a tombstone.
pub async fn versions(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    ids: &[SessionId],
) -> QueryResult<Vec<(SessionId, i64, bool)>> {
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

/// One live session of this user.
pub async fn find(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    id: SessionId,
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
    pub before: Option<(DateTime<Utc>, SessionId)>,
}

/// Newest first, keyset on (started_at, id), `limit` rows.
pub async fn list(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
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
    user_id: UserId,
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
pub async fn all_live(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<Vec<Session>> {
    let rows = massage_sessions::table
        .filter(massage_sessions::user_id.eq(user_id))
        .filter(massage_sessions::deleted_at.is_null())
        .order(massage_sessions::started_at)
        .select(SessionRow::as_select())
        .load::<SessionRow>(conn)
        .await?;
    Ok(rows.into_iter().map(SessionRow::into_session).collect())
}
