//! Favorite rows, always of one account.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::schema::favorites;
use crate::users::UserId;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = favorites, check_for_backend(diesel::pg::Pg))]
pub struct FavoriteRow {
    pub kind: String,
    pub item: String,
    pub position: i32,
    pub created_at: DateTime<Utc>,
}

/// The account's favorites in its order.
pub async fn list(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<FavoriteRow>> {
    favorites::table
        .filter(favorites::user_id.eq(user))
        .order((favorites::position, favorites::created_at))
        .select(FavoriteRow::as_select())
        .load(conn)
        .await
}

/// Adds a favorite the account does not have yet at `position` (the caller holds the
/// account's lock and has checked).
pub async fn add(
    conn: &mut AsyncPgConnection,
    user: UserId,
    kind: &str,
    item: &str,
    position: i32,
) -> QueryResult<FavoriteRow> {
    diesel::insert_into(favorites::table)
        .values((
            favorites::user_id.eq(user),
            favorites::kind.eq(kind),
            favorites::item.eq(item),
            favorites::position.eq(position),
        ))
        .returning(FavoriteRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn remove(
    conn: &mut AsyncPgConnection,
    user: UserId,
    kind: &str,
    item: &str,
) -> QueryResult<bool> {
    diesel::delete(favorites::table.find((user, kind, item)))
        .execute(conn)
        .await
        .map(|n| n > 0)
}

pub async fn set_position(
    conn: &mut AsyncPgConnection,
    user: UserId,
    kind: &str,
    item: &str,
    position: i32,
) -> QueryResult<()> {
    diesel::update(favorites::table.find((user, kind, item)))
        .set(favorites::position.eq(position))
        .execute(conn)
        .await
        .map(drop)
}

/// Replaces the account's list with `items`, in that order.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    user: UserId,
    items: &[(super::model::FavoriteKind, String)],
) -> QueryResult<()> {
    diesel::delete(favorites::table.filter(favorites::user_id.eq(user)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = items
        .iter()
        .enumerate()
        .map(|(i, (kind, item))| {
            (
                favorites::user_id.eq(user),
                favorites::kind.eq(kind.as_str()),
                favorites::item.eq(item.as_str()),
                favorites::position.eq(i as i32 + 1),
            )
        })
        .collect();
    diesel::insert_into(favorites::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}
