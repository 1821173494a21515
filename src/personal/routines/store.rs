//! Own-routine rows, always of one account. Every write is made under the account's
//! history counter (`users::counter`) and takes its next version.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalog::data::{Pressure, Side};
use crate::db::schema::own_routines;
use crate::personal::sync::Versioned;
use crate::users::UserId;

/// A step as stored (jsonb), in canonical form.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoredStep {
    pub point: String,
    pub side: Side,
    pub seconds: u32,
    pub pressure: Pressure,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = own_routines, check_for_backend(diesel::pg::Pg))]
pub struct RoutineRow {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    /// Written by this application only, never with a null element.
    #[diesel(deserialize_as = Vec<Option<String>>)]
    pub conditions: Conditions,
    pub steps: serde_json::Value,
    pub origin: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// The condition slugs of a stored routine (`text[]`, whose elements diesel reads as
/// nullable).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Conditions(pub Vec<String>);

impl From<Vec<Option<String>>> for Conditions {
    fn from(raw: Vec<Option<String>>) -> Self {
        Self(raw.into_iter().flatten().collect())
    }
}

impl RoutineRow {
    /// The steps; written by this application only, so anything unreadable is dropped.
    pub fn steps(&self) -> Vec<StoredStep> {
        serde_json::from_value(self.steps.clone()).unwrap_or_default()
    }
}

impl Versioned for RoutineRow {
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

/// A checked routine, ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutineValues {
    pub name: String,
    pub description: Option<String>,
    pub conditions: Vec<String>,
    pub steps: Vec<StoredStep>,
    pub origin: Option<String>,
}

impl RoutineValues {
    /// Whether the stored row already holds exactly these values (a retried write).
    pub fn same_as(&self, row: &RoutineRow) -> bool {
        row.deleted_at.is_none()
            && self.name == row.name
            && self.description == row.description
            && self.conditions == row.conditions.0
            && self.origin == row.origin
            && self.steps == row.steps()
    }
}

/// A live routine of the account (tombstones are not).
pub async fn find(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
) -> QueryResult<Option<RoutineRow>> {
    own_routines::table
        .find((user, id))
        .filter(own_routines::deleted_at.is_null())
        .select(RoutineRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Which of `ids` name routines the account has or had (tombstones count).
pub async fn known_ids(
    conn: &mut AsyncPgConnection,
    user: UserId,
    ids: &[Uuid],
) -> QueryResult<Vec<Uuid>> {
    own_routines::table
        .filter(own_routines::user_id.eq(user))
        .filter(own_routines::id.eq_any(ids))
        .select(own_routines::id)
        .load(conn)
        .await
}

/// One page, newest first, after `before` (created_at, id).
pub async fn page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> QueryResult<Vec<RoutineRow>> {
    let mut query = own_routines::table
        .filter(own_routines::user_id.eq(user))
        .filter(own_routines::deleted_at.is_null())
        .order((own_routines::created_at.desc(), own_routines::id.desc()))
        .select(RoutineRow::as_select())
        .limit(limit)
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            own_routines::created_at
                .lt(at)
                .or(own_routines::created_at.eq(at).and(own_routines::id.lt(id))),
        );
    }
    query.load(conn).await
}

/// Every live routine, newest first (for the export).
pub async fn all_live(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<RoutineRow>> {
    page(conn, user, None, i64::MAX).await
}

pub async fn count_live(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<i64> {
    own_routines::table
        .filter(own_routines::user_id.eq(user))
        .filter(own_routines::deleted_at.is_null())
        .count()
        .get_result(conn)
        .await
}

/// Rows (tombstones included) with a version in `(since, upto]`, in version order.
pub async fn changes_between(
    conn: &mut AsyncPgConnection,
    user: UserId,
    since: i64,
    upto: i64,
) -> QueryResult<Vec<RoutineRow>> {
    own_routines::table
        .filter(own_routines::user_id.eq(user))
        .filter(own_routines::version.gt(since))
        .filter(own_routines::version.le(upto))
        .order(own_routines::version)
        .select(RoutineRow::as_select())
        .load(conn)
        .await
}

/// The stored versions (tombstones included) of those of `ids` the account has.
pub async fn versions(
    conn: &mut AsyncPgConnection,
    user: UserId,
    ids: &[Uuid],
) -> QueryResult<Vec<RoutineRow>> {
    own_routines::table
        .filter(own_routines::user_id.eq(user))
        .filter(own_routines::id.eq_any(ids))
        .select(RoutineRow::as_select())
        .load(conn)
        .await
}

/// Writes the routine `id` (new, over a tombstone, or replacing it) at `version`.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    values: &RoutineValues,
    version: i64,
) -> QueryResult<RoutineRow> {
    let steps = serde_json::to_value(&values.steps).expect("steps serialize");
    let conditions: Vec<Option<&str>> =
        values.conditions.iter().map(|c| Some(c.as_str())).collect();
    let row = (
        own_routines::name.eq(&values.name),
        own_routines::description.eq(&values.description),
        own_routines::conditions.eq(&conditions),
        own_routines::steps.eq(&steps),
        own_routines::origin.eq(&values.origin),
        own_routines::version.eq(version),
    );
    diesel::insert_into(own_routines::table)
        .values((own_routines::user_id.eq(user), own_routines::id.eq(id), row))
        .on_conflict((own_routines::user_id, own_routines::id))
        .do_update()
        .set((
            row,
            own_routines::updated_at.eq(diesel::dsl::now),
            own_routines::deleted_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(RoutineRow::as_returning())
        .get_result(conn)
        .await
}

/// Turns a live routine into a tombstone at `version`; false when there was none.
pub async fn tombstone(
    conn: &mut AsyncPgConnection,
    user: UserId,
    id: Uuid,
    version: i64,
) -> QueryResult<bool> {
    diesel::update(
        own_routines::table
            .find((user, id))
            .filter(own_routines::deleted_at.is_null()),
    )
    .set((
        own_routines::deleted_at.eq(diesel::dsl::now),
        own_routines::version.eq(version),
        own_routines::steps.eq(serde_json::json!([])),
        own_routines::description.eq(None::<String>),
    ))
    .execute(conn)
    .await
    .map(|n| n > 0)
}
