//! The account's own credentials: reading it, changing the password and deleting it,
//! each confirmed with the current password and checked again under the row's lock.

use crate::http::Lang;
use crate::personal;
use crate::problems::ProblemCode;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::store as auth_store;
use crate::auth::{AuthService, AuthUser, password, session_revoked};
use crate::catalog::store::Snapshot;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::me::model::Export;
use crate::me::store::{self, UserLock};
use crate::users::UserId;
use crate::users::store::{self as user_store, UserRow};

/// The user's row; 401 `session_revoked` when the account no longer exists.
pub async fn row(conn: &mut AsyncPgConnection, user_id: UserId) -> ApiResult<UserRow> {
    user_store::user_by_id(conn, user_id).await?.ok_or_else(|| {
        ApiError::unauthorized(ProblemCode::SessionRevoked, "this account no longer exists")
    })
}

/// [`row`] on a connection of its own.
pub async fn current(pool: &DbPool, user_id: UserId) -> ApiResult<UserRow> {
    let mut conn = db::conn(pool).await?;
    row(&mut conn, user_id).await
}

fn wrong_password() -> ApiError {
    ApiError::Forbidden("the current password is not right".into())
}

/// Checks `given` against the account's password (an account without one needs none),
/// after taking an attempt from the rate limits of the client `address` and the account.
async fn confirm_password(
    pool: &DbPool,
    auth: &AuthService,
    address: &str,
    row: &UserRow,
    given: Option<String>,
) -> ApiResult<()> {
    let Some(stored) = row.password_hash.clone() else {
        return Ok(());
    };
    let account = row.email.clone().unwrap_or_else(|| row.id.to_string());
    auth.check_limits(pool, address, Some(&account)).await?;
    let given = given.ok_or_else(|| ApiError::invalid("password", "is required to confirm"))?;
    if !password::verify(given, Some(stored)).await? {
        return Err(wrong_password());
    }
    Ok(())
}

/// Locks the user's row and checks that the password is still the one verified: 409
/// `password_changed` when it changed meanwhile, 401 when this device was signed out.
async fn recheck_under_lock(
    conn: &mut AsyncPgConnection,
    user: &AuthUser,
    verified: Option<&str>,
    lock: UserLock,
) -> ApiResult<()> {
    let stored = store::lock_for_credentials(conn, user.user_id, user.session_id, lock)
        .await?
        .ok_or_else(session_revoked)?;
    if stored.as_deref() != verified {
        return Err(ApiError::conflict(
            ProblemCode::PasswordChanged,
            "the password was changed while this request was handled; nothing was written",
        ));
    }
    Ok(())
}

/// Replaces the password after confirming the current one (409 `guest_account` when
/// there is none) and signs every other device out.
pub async fn change_password(
    pool: &DbPool,
    auth: &AuthService,
    address: &str,
    user: AuthUser,
    current_password: String,
    new_password: &str,
) -> ApiResult<()> {
    let row = current(pool, user.user_id).await?;
    if row.password_hash.is_none() {
        return Err(ApiError::conflict(
            ProblemCode::GuestAccount,
            "a guest account has no password; upgrade it first",
        ));
    }
    confirm_password(pool, auth, address, &row, Some(current_password)).await?;
    let email = row.email.clone().unwrap_or_default();
    let hash =
        password::hash_new("new_password", new_password, &[&email, &row.display_name]).await?;
    let mut conn = db::conn(pool).await?;
    let verified = row.password_hash;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        recheck_under_lock(conn, &user, verified.as_deref(), UserLock::ForChange).await?;
        user_store::set_password(conn, user.user_id, &hash).await?;
        auth_store::revoke_other_sessions(
            conn,
            user.user_id,
            Some(user.session_id),
            "password_changed",
        )
        .await?;
        Ok(())
    })
    .await
}

/// Deletes the account and everything it owns after confirming the password.
pub async fn delete(
    pool: &DbPool,
    auth: &AuthService,
    address: &str,
    user: AuthUser,
    password: Option<String>,
) -> ApiResult<()> {
    let row = current(pool, user.user_id).await?;
    confirm_password(pool, auth, address, &row, password).await?;
    let mut conn = db::conn(pool).await?;
    let verified = row.password_hash;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        recheck_under_lock(conn, &user, verified.as_deref(), UserLock::ForDelete).await?;
        store::delete_user(conn, user.user_id).await?;
        Ok(())
    })
    .await
}

/// Everything stored about the account, read in one snapshot: a write that lands
/// meanwhile is wholly in the export or not at all.
pub async fn export(pool: &DbPool, snapshot: &Snapshot, user_id: UserId) -> ApiResult<Export> {
    let mut conn = db::conn(pool).await?;
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run::<_, ApiError, _>(async move |conn| {
            let row = row(conn, user_id).await?;
            let devices = store::all_sessions(conn, user_id).await?;
            let sessions = crate::history::store::all_live(conn, user_id).await?;
            let user = row.to_user();
            let reminders = personal::reminders::list(conn, user_id).await?;
            let favorites = personal::favorites::list(conn, snapshot, Lang::En, user_id).await?;
            let routines =
                personal::routines::export(conn, snapshot, user_id, &user.safety_profile).await?;
            Ok(Export {
                exported_at: chrono::Utc::now(),
                user,
                devices,
                sessions,
                routines,
                reminders,
                favorites,
            })
        })
        .await
}
