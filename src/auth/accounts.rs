//! Accounts as auth makes them: a new account signed in on its first device, in one
//! transaction, and a guest account given an email and password.

use diesel_async::AsyncConnection;

use crate::auth::events::{self, Client, Event, SecurityEventKind};
use crate::auth::model::AuthResponse;
use crate::auth::recovery::{self, Purpose};
use crate::auth::{AuthService, sessions, store};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::lang::Lang;
use crate::mail::Mailer;
use crate::problems::ProblemCode;
use crate::users::model::User;
use crate::users::store::{self as user_store, NewUser};
use crate::users::{Email, TimeZone, UserId};

/// 409 `guest_account`: a guest has no address to verify or change.
pub fn no_address() -> ApiError {
    ApiError::conflict(
        ProblemCode::GuestAccount,
        "a guest account has no email address; upgrade it first",
    )
}

/// 409 `email_taken`.
pub fn email_taken() -> ApiError {
    ApiError::conflict(
        ProblemCode::EmailTaken,
        "an account with this email already exists",
    )
}

/// A write that broke the unique email index is 409 `email_taken`; anything else as is.
pub(super) fn email_taken_or(e: diesel::result::Error) -> ApiError {
    if store::is_unique_violation(&e) {
        email_taken()
    } else {
        e.into()
    }
}

/// 409 `email_taken` when `email` is held for another account than `owner` by a live
/// undo link (see [`recovery::address_held`]).
pub(super) async fn refuse_held(
    conn: &mut diesel_async::AsyncPgConnection,
    email: &str,
    owner: Option<UserId>,
) -> ApiResult<()> {
    if recovery::address_held(conn, email, owner).await? {
        return Err(email_taken());
    }
    Ok(())
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

/// Creates an account and signs this device in, in one transaction; an account with an
/// email is sent a verification code in the same transaction.
pub async fn open(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    new: NewUser<'_>,
    device: &str,
    client: &Client,
) -> ApiResult<AuthResponse> {
    let mut conn = db::conn(pool).await?;
    let opened = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Some(email) = new.email {
                refuse_held(conn, email.as_str(), None).await?;
            }
            let user = user_store::insert_user(conn, new)
                .await
                .map_err(email_taken_or)?;
            recovery::send_code(conn, auth, mailer, &user, Purpose::VerifyEmail).await?;
            let tokens =
                sessions::sign_in(conn, auth, user.id, device, client.agent.as_deref()).await?;
            let event = Event::new(SecurityEventKind::SignedUp)
                .session(tokens.session_id)
                .device(device);
            events::record(conn, user.id, client, event).await?;
            Ok(AuthResponse {
                user: user.to_user(),
                tokens,
            })
        })
        .await?;
    mailer.wake();
    Ok(opened)
}

/// Attaches an email and password (and maybe a new display name) to a guest account:
/// 409 `email_taken`, or 409 `not_a_guest` when the account already has credentials.
pub async fn upgrade(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    user: UserId,
    upgrade: Upgrade<'_>,
    client: &Client,
) -> ApiResult<User> {
    let mut conn = db::conn(pool).await?;
    let row = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            refuse_held(conn, upgrade.email.as_str(), Some(user)).await?;
            let row = user_store::upgrade_guest(
                conn,
                user,
                upgrade.email,
                upgrade.password_hash,
                upgrade.display_name,
            )
            .await
            .map_err(email_taken_or)?
            .ok_or_else(|| {
                ApiError::conflict(
                    ProblemCode::NotAGuest,
                    "this account already has an email and password",
                )
            })?;
            recovery::send_code(conn, auth, mailer, &row, Purpose::VerifyEmail).await?;
            let event = Event::new(SecurityEventKind::GuestUpgraded).email(upgrade.email.as_str());
            events::record(conn, user, client, event).await?;
            Ok(row)
        })
        .await?;
    mailer.wake();
    Ok(row.to_user())
}

/// What a guest gives to become a full account.
pub struct Upgrade<'a> {
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub display_name: Option<&'a str>,
}
