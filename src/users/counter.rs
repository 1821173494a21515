//! The per-user history counter: every write of what an account keeps in sync (sessions,
//! own routines, reminders, favorites) takes the next version, and sync cursors are read
//! against it and the tombstone horizon (`history_purged_version`).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::DbError;
use crate::db::schema::users;
use crate::users::UserId;
use crate::users::model::SafetyProfile;
use crate::users::store::SafetyRow;

/// A user's history counter, locked until the transaction ends so that this user's
/// history writes commit in version order, with what a write needs to know.
/// `AccountGone` when the account was deleted (perhaps while the request ran).
pub struct HistoryLock {
    pub version: i64,
    pub purged: i64,
    /// The version of the last change to the favorites list.
    pub favorites: i64,
    pub safety: SafetyProfile,
}

pub async fn lock_history(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> Result<HistoryLock, DbError> {
    let row: Option<(i64, i64, i64, SafetyRow)> = users::table
        .find(user_id)
        .select((
            users::history_version,
            users::history_purged_version,
            users::favorites_version,
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
    let (version, purged, favorites, safety) = row.ok_or(DbError::AccountGone)?;
    Ok(HistoryLock {
        version,
        purged,
        favorites,
        safety: safety.into(),
    })
}

/// Where an account's synced data stands, read without a lock (for pulls).
#[derive(Clone, Copy, Debug)]
pub struct SyncMarks {
    /// The counter: every write at or below it has committed.
    pub version: i64,
    /// The newest version of a purged tombstone.
    pub purged: i64,
    /// The version of the last change to the favorites list.
    pub favorites: i64,
}

/// The account's [`SyncMarks`]; `AccountGone` when the account was deleted.
pub async fn history_marks(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> Result<SyncMarks, DbError> {
    let (version, purged, favorites) = users::table
        .find(user_id)
        .select((
            users::history_version,
            users::history_purged_version,
            users::favorites_version,
        ))
        .first(conn)
        .await
        .optional()?
        .ok_or(DbError::AccountGone)?;
    Ok(SyncMarks {
        version,
        purged,
        favorites,
    })
}

/// Moves the counter to `version` as a change of the favorites list (under the lock).
pub async fn set_favorites_version(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    version: i64,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::history_version.eq(version),
            users::favorites_version.eq(version),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_history_version(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    version: i64,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::history_version.eq(version))
        .execute(conn)
        .await?;
    Ok(())
}
