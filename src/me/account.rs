//! The account's own credentials: reading it, changing the password and deleting it,
//! each confirmed with the current password and checked again under the row's lock.

use crate::http::Lang;
use crate::personal;
use crate::problems::ProblemCode;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::events::{self, Client, Event, SecurityEventKind};
use crate::auth::recovery::{self, Proof};
use crate::auth::store as auth_store;
use crate::auth::{AuthService, AuthUser, accounts, email_change, mfa, password, session_revoked};
use crate::catalog::store::Snapshot;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::mail::Mailer;
use crate::me::model::Export;
use crate::me::store::{self, UserLock};
use crate::users::Email;
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
pub(super) async fn confirm_password(
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
pub(super) async fn recheck_under_lock(
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
    client: &Client,
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
    confirm_password(pool, auth, &client.address, &row, Some(current_password)).await?;
    let email = row.email.clone().unwrap_or_default();
    let hash =
        password::hash_new("new_password", new_password, &[&email, &row.display_name]).await?;
    let mut conn = db::conn(pool).await?;
    let verified = row.password_hash;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        recheck_under_lock(conn, &user, verified.as_deref(), UserLock::ForChange).await?;
        user_store::set_password(conn, user.user_id, &hash).await?;
        mfa::store::drop_challenges(conn, user.user_id).await?;
        auth_store::revoke_other_sessions(
            conn,
            user.user_id,
            Some(user.session_id),
            "password_changed",
        )
        .await?;
        let event = Event::new(SecurityEventKind::PasswordChanged).session(user.session_id);
        events::record(conn, user.user_id, client, event).await?;
        Ok(())
    })
    .await
}

/// Asks to move the account to `new_email` after confirming the password: a code goes
/// to the new address and a notice with an undo link to the old one; the address
/// changes only once the code comes back ([`email_change::confirm`]). 409
/// `guest_account` without an address, 409 `email_taken` (told only after the password
/// is checked), 429 past the mail limits.
pub async fn change_email(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    client: &Client,
    user: AuthUser,
    new_email: &Email,
    password: String,
) -> ApiResult<()> {
    let row = current(pool, user.user_id).await?;
    if row.email.is_none() {
        return Err(accounts::no_address());
    }
    confirm_password(pool, auth, &client.address, &row, Some(password)).await?;
    if row.email.as_deref() == Some(new_email.as_str()) {
        return Err(ApiError::invalid(
            "new_email",
            "is the account's address already",
        ));
    }
    let mut conn = db::conn(pool).await?;
    let held = recovery::address_held(&mut conn, new_email.as_str(), Some(user.user_id)).await?;
    if held
        || user_store::user_by_email(&mut conn, new_email)
            .await?
            .is_some()
    {
        return Err(accounts::email_taken());
    }
    auth.mail_limits
        .check(&mut conn, user.user_id.to_string().as_str())
        .await?;
    let verified = row.password_hash.clone();
    conn.transaction::<_, ApiError, _>(async |conn| {
        recheck_under_lock(conn, &user, verified.as_deref(), UserLock::ForChange).await?;
        // Read again under the lock: the address the notice goes to is the current one.
        let row = self::row(conn, user.user_id).await?;
        email_change::request(conn, auth, mailer, &row, new_email, client).await
    })
    .await?;
    mailer.wake();
    Ok(())
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

/// What a person shows on the account deletion page.
pub enum WebProof<'a> {
    /// The account's email and password.
    Password { email: &'a Email, password: String },
    /// The account's email and the code mailed to it.
    Code { email: &'a Email, code: &'a str },
    /// The token of the mailed link.
    Link { token: &'a str },
}

/// What a deletion from the web page came to.
#[derive(Debug, PartialEq, Eq)]
pub enum WebDeletion {
    Deleted,
    /// Nothing proved the account.
    Refused,
    /// The password was right, but the account signs in with a second factor: a password
    /// alone does not delete it (a mailed code or link does).
    NeedsMailedProof,
}

/// Deletes an account from the deletion page, as [`delete`] does for a signed-in
/// device. Refused for anything that does not prove the account: a wrong email,
/// password, code or link, told apart in neither words nor time (an unknown email
/// verifies a dummy hash), or a password changed meanwhile. Takes an attempt from the
/// client's and the email's rate limits first.
pub async fn delete_from_web(
    pool: &DbPool,
    auth: &AuthService,
    client: &Client,
    proof: WebProof<'_>,
) -> ApiResult<WebDeletion> {
    let email = match &proof {
        WebProof::Password { email, .. } | WebProof::Code { email, .. } => Some(email.as_str()),
        WebProof::Link { .. } => None,
    };
    auth.check_limits(pool, &client.address, email).await?;
    let deleted = match proof {
        WebProof::Password { email, password } => {
            match delete_with_password(pool, email, password).await? {
                Ok(deleted) => deleted,
                Err(needs) => return Ok(needs),
            }
        }
        WebProof::Code { email, code } => {
            let row = user_store::user_by_email(&mut *db::conn(pool).await?, email).await?;
            match (row, recovery::typed_code(code)) {
                (Some(row), Ok(code)) => {
                    let proof = Proof::Code { user: row.id, code };
                    delete_with_mailed(pool, auth, proof).await?
                }
                _ => None,
            }
        }
        WebProof::Link { token } => delete_with_mailed(pool, auth, Proof::Link { token }).await?,
    };
    Ok(match deleted {
        Some(user) => {
            auth.readers.forget_user(user);
            WebDeletion::Deleted
        }
        None => WebDeletion::Refused,
    })
}

/// The deletion with a password: the account deleted, if the password is its own and
/// the account has no second factor (then [`WebDeletion::NeedsMailedProof`]).
async fn delete_with_password(
    pool: &DbPool,
    email: &Email,
    password: String,
) -> ApiResult<Result<Option<UserId>, WebDeletion>> {
    let row = user_store::user_by_email(&mut *db::conn(pool).await?, email).await?;
    let stored = row.as_ref().and_then(|r| r.password_hash.clone());
    if !password::verify(password, stored.clone()).await? {
        return Ok(Ok(None));
    }
    let Some(row) = row else {
        return Ok(Ok(None));
    };
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        if store::lock_for_delete(conn, row.id).await? != Some(stored) {
            return Ok(Ok(None));
        }
        if mfa::enabled(conn, row.id).await? {
            return Ok(Err(WebDeletion::NeedsMailedProof));
        }
        Ok(Ok(store::delete_user(conn, row.id)
            .await?
            .then_some(row.id)))
    })
    .await
}

/// The deletion with a mailed code or link: the account deleted, if it works. A wrong
/// code counts its try (the transaction commits either way).
async fn delete_with_mailed(
    pool: &DbPool,
    auth: &AuthService,
    proof: Proof<'_>,
) -> ApiResult<Option<UserId>> {
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let Some(user) = recovery::redeem_deletion(conn, auth, proof).await? else {
            return Ok(None);
        };
        if store::lock_for_delete(conn, user).await?.is_none() {
            return Ok(None);
        }
        Ok(store::delete_user(conn, user).await?.then_some(user))
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
            let security_events = events::all(conn, user_id).await?;
            let identities = crate::auth::identities::of_user(conn, user_id).await?;
            let mfa = mfa::status(conn, user_id).await?;
            Ok(Export {
                exported_at: chrono::Utc::now(),
                user,
                devices,
                sessions,
                routines,
                reminders,
                favorites,
                security_events,
                identities,
                mfa,
            })
        })
        .await
}
