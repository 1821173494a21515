//! The per-user history counter: every history write takes the next version, and sync
//! cursors are read against it and the tombstone horizon (`history_purged_version`).

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
    pub safety: SafetyProfile,
}

pub async fn lock_history(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
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

/// The counter and horizon without a lock (for pulls); `AccountGone` when the account
/// was deleted.
pub async fn history_marks(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
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
    user_id: UserId,
    version: i64,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::history_version.eq(version))
        .execute(conn)
        .await?;
    Ok(())
}
