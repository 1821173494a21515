//! Reminder rows, always of one account. Writes are made under the account's history
//! counter (`users::counter`) and take its next version; a deletion leaves a tombstone
//! for sync.

use chrono::{DateTime, NaiveTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::reminders;
use crate::personal::sync::Versioned;
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
    pub version: i64,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Versioned for ReminderRow {
    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    fn deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
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

impl ReminderValues {
    /// Whether the live row already holds every value set here (a retried write).
    pub fn held_by(&self, row: &ReminderRow) -> bool {
        fn same<T: PartialEq>(want: &Option<T>, have: &T) -> bool {
            want.as_ref().is_none_or(|w| w == have)
        }
        row.deleted_at.is_none()
            && same(&self.days, &row.days)
            && same(&self.local_time, &row.local_time)
            && same(&self.time_zone, &row.time_zone)
            && same(&self.routine_slug, &row.routine_slug)
            && same(&self.label, &row.label)
            && same(&self.enabled, &row.enabled)
    }
}

/// The account's live reminders, oldest first.
pub async fn list(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<ReminderRow>> {
    reminders::table
        .filter(reminders::user_id.eq(user))
        .filter(reminders::deleted_at.is_null())
        .order((reminders::created_at, reminders::id))
        .select(ReminderRow::as_select())
        .load(conn)
        .await
}

/// A live reminder of the account.
pub async fn find(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
) -> QueryResult<Option<ReminderRow>> {
    reminders::table
        .find((user, id))
        .filter(reminders::deleted_at.is_null())
        .select(ReminderRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn count_live(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<i64> {
    reminders::table
        .filter(reminders::user_id.eq(user))
        .filter(reminders::deleted_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// Writes a new reminder at `version`, over a tombstone of the same id if there is one.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    values: &ReminderValues,
    version: i64,
) -> QueryResult<ReminderRow> {
    diesel::insert_into(reminders::table)
        .values((
            reminders::user_id.eq(user),
            reminders::id.eq(id),
            values,
            reminders::version.eq(version),
        ))
        .on_conflict((reminders::user_id, reminders::id))
        .do_update()
        .set((
            values,
            reminders::version.eq(version),
            reminders::created_at.eq(diesel::dsl::now),
            reminders::updated_at.eq(diesel::dsl::now),
            reminders::deleted_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(ReminderRow::as_returning())
        .get_result(conn)
        .await
}

/// Changes a live reminder at `version`; `None` when there is none.
pub async fn update(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    values: &ReminderValues,
    version: i64,
) -> QueryResult<Option<ReminderRow>> {
    diesel::update(
        reminders::table
            .find((user, id))
            .filter(reminders::deleted_at.is_null()),
    )
    .set((
        values,
        reminders::version.eq(version),
        reminders::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ReminderRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Turns a live reminder into a tombstone at `version`; false when there was none.
pub async fn tombstone(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    version: i64,
) -> QueryResult<bool> {
    diesel::update(
        reminders::table
            .find((user, id))
            .filter(reminders::deleted_at.is_null()),
    )
    .set((
        reminders::deleted_at.eq(diesel::dsl::now),
        reminders::version.eq(version),
        reminders::label.eq(None::<String>),
    ))
    .execute(conn)
    .await
    .map(|n| n > 0)
}

/// Rows (tombstones included) with a version in `(since, upto]`, in version order.
pub async fn changes_between(
    conn: &mut AsyncPgConnection,
    user: UserId,
    since: i64,
    upto: i64,
) -> QueryResult<Vec<ReminderRow>> {
    reminders::table
        .filter(reminders::user_id.eq(user))
        .filter(reminders::version.gt(since))
        .filter(reminders::version.le(upto))
        .order(reminders::version)
        .select(ReminderRow::as_select())
        .load(conn)
        .await
}

/// The stored rows (tombstones included) of those of `ids` the account has.
pub async fn versions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    ids: &[Uuid],
) -> QueryResult<Vec<ReminderRow>> {
    reminders::table
        .filter(reminders::user_id.eq(user))
        .filter(reminders::id.eq_any(ids))
        .select(ReminderRow::as_select())
        .load(conn)
        .await
}
