//! The signed-in user's rows. No HTTP types here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::auth::DeviceSessionId;
use crate::db::DbError;
use crate::db::schema::{auth_sessions, users};
use crate::lang::Lang;
use crate::me::model::{ExportedDevice, ProfilePatch};
use crate::users::store::UserRow;
use crate::users::{TimeZone, UserId};

/// Columns a profile patch may change (already validated).
#[derive(AsChangeset, Default, PartialEq)]
#[diesel(table_name = users)]
pub struct ProfileChanges {
    pub display_name: Option<String>,
    pub locale: Option<Lang>,
    pub time_zone: Option<TimeZone>,
    pub pregnant: Option<bool>,
    pub bleeding_risk: Option<bool>,
    pub varicose_veins: Option<bool>,
    pub recent_surgery_or_fracture: Option<bool>,
    pub skin_condition: Option<bool>,
}

impl ProfileChanges {
    /// Whether the patch changes nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The safety answers of a patch (text fields are validated by the caller).
    pub fn with_safety(mut self, patch: &ProfilePatch) -> Self {
        if let Some(s) = &patch.safety_profile {
            self.pregnant = s.pregnant;
            self.bleeding_risk = s.bleeding_risk;
            self.varicose_veins = s.varicose_veins;
            self.recent_surgery_or_fracture = s.recent_surgery_or_fracture;
            self.skin_condition = s.skin_condition;
        }
        self
    }
}

/// The changed row; `AccountGone` when the account was deleted meanwhile.
pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    id: UserId,
    changes: ProfileChanges,
) -> Result<UserRow, DbError> {
    if changes.is_empty() {
        // Nothing to change: the row as it is, `updated_at` untouched.
        let current = users::table
            .find(id)
            .select(UserRow::as_select())
            .first(conn)
            .await
            .optional()?;
        return current.ok_or(DbError::AccountGone);
    }
    let update = diesel::update(users::table.find(id))
        .set((changes, users::updated_at.eq(diesel::dsl::now)))
        .returning(UserRow::as_returning());
    update
        .load(conn)
        .await?
        .into_iter()
        .next()
        .ok_or(DbError::AccountGone)
}

/// How a credential write locks the user's row.
#[derive(Clone, Copy, Debug)]
pub enum UserLock {
    /// `FOR NO KEY UPDATE`: a password change (sign-ins wait, history writes do not).
    ForChange,
    /// `FOR UPDATE`: the row is about to be deleted.
    ForDelete,
}

/// Locks the user's row for a credential write, then checks that device session
/// `session_id` is still signed in, holding the session's row (`FOR SHARE`) so that
/// it cannot be signed out before the caller commits. Returns the password hash as
/// stored now (`None` for a guest), or `None` when the user is gone or the session
/// was signed out. Call it in the writing transaction.
pub async fn lock_for_credentials(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    session_id: DeviceSessionId,
    lock: UserLock,
) -> QueryResult<Option<Option<String>>> {
    let user = users::table.find(user_id).select(users::password_hash);
    let hash: Option<Option<String>> = match lock {
        UserLock::ForChange => user.for_no_key_update().first(conn).await,
        UserLock::ForDelete => user.for_update().first(conn).await,
    }
    .optional()?;
    let Some(hash) = hash else {
        return Ok(None);
    };
    let live: Option<DeviceSessionId> = auth_sessions::table
        .filter(auth_sessions::id.eq(session_id))
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::revoked_at.is_null())
        .select(auth_sessions::id)
        .for_share()
        .first(conn)
        .await
        .optional()?;
    Ok(live.map(|_| hash))
}

/// Locks the user's row to delete it: its password hash as stored now (`None` inside
/// for an account without one), or `None` when the account is gone.
pub async fn lock_for_delete(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Option<Option<String>>> {
    users::table
        .find(user_id)
        .select(users::password_hash)
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Deletes the user; sessions, tokens and everything else they own go with it
/// (foreign keys cascade), in the caller's transaction.
pub async fn delete_user(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
    Ok(diesel::delete(users::table.find(id)).execute(conn).await? > 0)
}

/// Every session the user ever opened, for the export.
pub async fn all_sessions(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Vec<ExportedDevice>> {
    type Row = (
        DeviceSessionId,
        String,
        Option<String>,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<DateTime<Utc>>,
        Option<String>,
    );
    let rows: Vec<Row> = auth_sessions::table
        .filter(auth_sessions::user_id.eq(user_id))
        .order(auth_sessions::created_at)
        .select((
            auth_sessions::id,
            auth_sessions::device_name,
            auth_sessions::user_agent,
            auth_sessions::created_at,
            auth_sessions::last_used_at,
            auth_sessions::revoked_at,
            auth_sessions::revoke_reason,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, device_name, user_agent, created_at, last_used_at, revoked_at, revoke_reason)| {
                ExportedDevice {
                    id,
                    device_name,
                    user_agent,
                    created_at,
                    last_used_at,
                    revoked_at,
                    revoke_reason,
                }
            },
        )
        .collect())
}
