//! The account's own two-factor sign-in: enrolling an authenticator (only with a
//! verified address, after the password), confirming it with a first code (which signs
//! every other device out and moves this one to `aal2`), replacing the recovery codes,
//! and turning it off with the password and a code.

use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::events::{self, Client, Event, SecurityEventKind};
use crate::auth::mfa::codes::{self, Checked};
use crate::auth::mfa::{self, SecondFactor, Verdict, code_wrong, not_enabled, store};
use crate::auth::model::{MfaEnabled, RecoveryCodes, TotpAlgorithm, TotpEnrolment};
use crate::auth::store as auth_store;
use crate::auth::tokens::Aal;
use crate::auth::{AuthService, AuthUser, accounts, session_revoked, sessions};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::me::account::{self, confirm_password, recheck_under_lock};
use crate::me::store::{UserLock, lock_for_credentials};
use crate::problems::ProblemCode;

fn already_enabled() -> ApiError {
    ApiError::conflict(
        ProblemCode::MfaAlreadyEnabled,
        "two-factor sign-in is already on for this account",
    )
}

/// Locks the account's row for a two-factor change and checks the device is still
/// signed in (401 otherwise).
async fn lock_account(conn: &mut AsyncPgConnection, user: &AuthUser) -> ApiResult<()> {
    lock_for_credentials(conn, user.user_id, user.session_id, UserLock::ForChange)
        .await?
        .ok_or_else(session_revoked)?;
    Ok(())
}

/// Takes an attempt at a code from the limits of the client and the account.
async fn take_attempt(
    pool: &DbPool,
    auth: &AuthService,
    user: &AuthUser,
    client: &Client,
) -> ApiResult<()> {
    let account = user.user_id.to_string();
    auth.check_limits(pool, &client.address, Some(&account))
        .await
}

/// Starts enrolment: a new secret, pending until [`confirm`] (a pending one is
/// replaced). 409 `guest_account`, `email_not_verified` or `mfa_already_enabled`; 403
/// for a wrong password.
pub async fn enrol(
    pool: &DbPool,
    auth: &AuthService,
    user: &AuthUser,
    password: Option<String>,
    client: &Client,
) -> ApiResult<TotpEnrolment> {
    let row = account::current(pool, user.user_id).await?;
    if row.is_guest {
        return Err(accounts::no_address());
    }
    if row.email_verified_at.is_none() {
        return Err(ApiError::conflict(
            ProblemCode::EmailNotVerified,
            "two-factor sign-in needs a verified email address: verify it first",
        ));
    }
    confirm_password(pool, auth, &client.address, &row, password).await?;
    let secret = codes::new_secret();
    let label = row
        .email
        .clone()
        .unwrap_or_else(|| row.display_name.clone());
    let generator = codes::totp(&secret, &auth.totp_issuer, &label)
        .ok_or_else(|| ApiError::internal("a new TOTP secret was refused"))?;
    let mut conn = db::conn(pool).await?;
    let verified = row.password_hash.clone();
    conn.transaction::<_, ApiError, _>(async |conn| {
        recheck_under_lock(conn, user, verified.as_deref(), UserLock::ForChange).await?;
        if store::confirmed_totp(conn, user.user_id).await?.is_some() {
            return Err(already_enabled());
        }
        store::put_pending(conn, user.user_id, &secret).await?;
        Ok(())
    })
    .await?;
    Ok(TotpEnrolment {
        secret: generator.get_secret_base32(),
        otpauth_uri: generator.get_url(),
        algorithm: TotpAlgorithm::Sha1,
        digits: codes::DIGITS as u32,
        period: codes::PERIOD as u32,
    })
}

/// Confirms the pending secret with a code from it: two-factor sign-in is on, the
/// recovery codes are made (shown once), every other device is signed out and this one
/// gets a new token pair at `aal2`.
pub async fn confirm(
    pool: &DbPool,
    auth: &AuthService,
    user: &AuthUser,
    code: &str,
    client: &Client,
) -> ApiResult<MfaEnabled> {
    take_attempt(pool, auth, user, client).await?;
    let (shown, stored) = mfa::new_recovery_codes().await?;
    let mut conn = db::conn(pool).await?;
    let tokens = conn
        .transaction::<_, ApiError, _>(async |conn| {
            lock_account(conn, user).await?;
            let uid = user.user_id;
            let totp = store::lock_totp(conn, uid).await?.ok_or_else(not_enabled)?;
            if totp.confirmed {
                return Err(already_enabled());
            }
            let checked = mfa::check_code(conn, (uid, &totp), &auth.totp_issuer, code).await?;
            if !matches!(checked, Checked::Fresh(_)) {
                return Err(code_wrong(
                    "the code is not the one the authenticator shows now for this secret",
                ));
            }
            store::confirm(conn, uid).await?;
            store::replace_recovery_codes(conn, uid, &stored).await?;
            store::drop_challenges(conn, uid).await?;
            auth_store::revoke_other_sessions(conn, uid, Some(user.session_id), "mfa_enabled")
                .await?;
            let tokens = sessions::reissue(conn, auth, uid, user.session_id, Aal::Aal2).await?;
            let event = Event::new(SecurityEventKind::MfaEnabled).session(user.session_id);
            events::record(conn, uid, client, event).await?;
            Ok(tokens)
        })
        .await?;
    auth.readers.forget_user(user.user_id);
    Ok(MfaEnabled {
        recovery_codes: shown,
        tokens,
    })
}

/// A change that needs a second factor.
enum Change<'a> {
    /// Turn two-factor sign-in off.
    Disable,
    /// Replace the recovery codes with these (lookup, hash).
    ReplaceCodes(&'a [(String, String)]),
}

/// Applies `change` once `factor` is accepted for the locked account: 409 when
/// two-factor sign-in is off, 422 for a wrong code (written to the log, which is kept).
async fn with_second_factor(
    pool: &DbPool,
    auth: &AuthService,
    (user, verified_password): (&AuthUser, Option<&str>),
    factor: &SecondFactor,
    client: &Client,
    change: Change<'_>,
) -> ApiResult<()> {
    let mut conn = db::conn(pool).await?;
    let uid = user.user_id;
    let wrong = conn
        .transaction::<_, ApiError, _>(async |conn| {
            recheck_under_lock(conn, user, verified_password, UserLock::ForChange).await?;
            let kind = match mfa::verify(conn, &auth.totp_issuer, uid, factor).await? {
                None => return Err(not_enabled()),
                Some(Verdict::Wrong(why)) => {
                    let event = Event::new(SecurityEventKind::MfaFailed)
                        .session(user.session_id)
                        .method(factor.method());
                    events::record(conn, uid, client, event).await?;
                    return Ok(Some(why));
                }
                Some(Verdict::Accepted) => match change {
                    Change::Disable => {
                        store::remove(conn, uid).await?;
                        SecurityEventKind::MfaDisabled
                    }
                    Change::ReplaceCodes(codes) => {
                        store::replace_recovery_codes(conn, uid, codes).await?;
                        SecurityEventKind::RecoveryCodesReplaced
                    }
                },
            };
            let event = Event::new(kind).session(user.session_id);
            events::record(conn, uid, client, event).await?;
            Ok(None)
        })
        .await?;
    match wrong {
        None => Ok(()),
        Some(why) => Err(code_wrong(why)),
    }
}

/// Turns two-factor sign-in off, with the password (when the account has one) and a
/// code or a recovery code.
pub async fn disable(
    pool: &DbPool,
    auth: &AuthService,
    user: &AuthUser,
    password: Option<String>,
    factor: SecondFactor,
    client: &Client,
) -> ApiResult<()> {
    let row = account::current(pool, user.user_id).await?;
    confirm_password(pool, auth, &client.address, &row, password).await?;
    take_attempt(pool, auth, user, client).await?;
    let who = (user, row.password_hash.as_deref());
    with_second_factor(pool, auth, who, &factor, client, Change::Disable).await
}

/// New recovery codes for an authenticator code; the old ones stop working.
pub async fn replace_recovery_codes(
    pool: &DbPool,
    auth: &AuthService,
    user: &AuthUser,
    code: String,
    client: &Client,
) -> ApiResult<RecoveryCodes> {
    let row = account::current(pool, user.user_id).await?;
    take_attempt(pool, auth, user, client).await?;
    let (shown, stored) = mfa::new_recovery_codes().await?;
    let factor = SecondFactor::Code(code);
    let who = (user, row.password_hash.as_deref());
    let change = Change::ReplaceCodes(&stored);
    with_second_factor(pool, auth, who, &factor, client, change).await?;
    Ok(RecoveryCodes {
        recovery_codes: shown,
    })
}
