//! Accounts as auth makes them: a new account signed in on its first device, in one
//! transaction, and a guest account given an email and password.

use diesel_async::AsyncConnection;

use crate::auth::model::AuthResponse;
use crate::auth::{AuthService, sessions, store};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::lang::Lang;
use crate::problems::ProblemCode;
use crate::users::model::User;
use crate::users::store::{self as user_store, NewUser};
use crate::users::{Email, TimeZone, UserId};

/// A write that broke the unique email index is 409 `email_taken`; anything else as is.
fn email_taken_or(e: diesel::result::Error) -> ApiError {
    if store::is_unique_violation(&e) {
        ApiError::conflict(
            ProblemCode::EmailTaken,
            "an account with this email already exists",
        )
    } else {
        e.into()
    }
}

/// The optional language and time zone of a new account, checked; an absent one is
/// English and UTC (a malformed one is 422, never replaced).
pub fn locale_and_zone(
    locale: Option<Lang>,
    time_zone: Option<&str>,
) -> ApiResult<(Lang, TimeZone)> {
    Ok((
        locale.unwrap_or_default(),
        time_zone
            .map(TimeZone::parse)
            .transpose()?
            .unwrap_or(TimeZone::UTC),
    ))
}

/// Creates an account and signs this device in, in one transaction.
pub async fn open(
    pool: &DbPool,
    auth: &AuthService,
    new: NewUser<'_>,
    device: &str,
    user_agent: Option<&str>,
) -> ApiResult<AuthResponse> {
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let user = user_store::insert_user(conn, new)
            .await
            .map_err(email_taken_or)?;
        let tokens = sessions::sign_in(conn, auth, user.id, device, user_agent).await?;
        Ok(AuthResponse {
            user: user.to_user(),
            tokens,
        })
    })
    .await
}

/// Attaches an email and password (and maybe a new display name) to a guest account:
/// 409 `email_taken`, or 409 `not_a_guest` when the account already has credentials.
pub async fn upgrade(
    pool: &DbPool,
    user: UserId,
    email: &Email,
    password_hash: &str,
    display_name: Option<&str>,
) -> ApiResult<User> {
    let mut conn = db::conn(pool).await?;
    let row = user_store::upgrade_guest(&mut conn, user, email, password_hash, display_name)
        .await
        .map_err(email_taken_or)?
        .ok_or_else(|| {
            ApiError::conflict(
                ProblemCode::NotAGuest,
                "this account already has an email and password",
            )
        })?;
    Ok(row.to_user())
}
