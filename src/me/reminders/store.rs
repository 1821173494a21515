//! Reminder rows, always of one account.

use chrono::{DateTime, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::reminders;
use crate::users::{TimeZone, UserId};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = reminders, check_for_backend(diesel::pg::Pg))]
pub struct ReminderRow {
    pub id: Uuid,
    pub days: i16,
    pub local_time: NaiveTime,
    pub time_zone: Option<TimeZone>,
    pub routine_slug: Option<String>,
    pub label: Option<String>,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The columns a new reminder or a change sets (already validated).
#[derive(AsChangeset, Insertable, Clone, Debug, Default, PartialEq)]
#[diesel(table_name = reminders)]
pub struct ReminderValues {
    pub days: Option<i16>,
    pub local_time: Option<NaiveTime>,
    pub time_zone: Option<Option<TimeZone>>,
    pub routine_slug: Option<Option<String>>,
    pub label: Option<Option<String>>,
    pub enabled: Option<bool>,
}

/// The account's reminders, oldest first.
pub async fn list(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<ReminderRow>> {
    reminders::table
        .filter(reminders::user_id.eq(user))
        .order((reminders::created_at, reminders::id))
        .select(ReminderRow::as_select())
        .load(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
) -> QueryResult<Option<ReminderRow>> {
    reminders::table
        .find((user, id))
        .select(ReminderRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the account's row (so two creations cannot both pass the limit) and counts its
/// reminders; `None` when the account is gone.
pub async fn lock_and_count(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> QueryResult<Option<i64>> {
    if !crate::users::store::lock(conn, user).await? {
        return Ok(None);
    }
    reminders::table
        .filter(reminders::user_id.eq(user))
        .count()
        .get_result(conn)
        .await
        .map(Some)
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    values: &ReminderValues,
) -> QueryResult<ReminderRow> {
    diesel::insert_into(reminders::table)
        .values((reminders::user_id.eq(user), reminders::id.eq(id), values))
        .returning(ReminderRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    values: &ReminderValues,
) -> QueryResult<Option<ReminderRow>> {
    diesel::update(reminders::table.find((user, id)))
        .set((values, reminders::updated_at.eq(diesel::dsl::now)))
        .returning(ReminderRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn delete(conn: &mut AsyncPgConnection, user: UserId, id: Uuid) -> QueryResult<bool> {
    diesel::delete(reminders::table.find((user, id)))
        .execute(conn)
        .await
        .map(|n| n > 0)
}
