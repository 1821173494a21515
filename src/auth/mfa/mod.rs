//! Two-factor sign-in with an authenticator app (TOTP) and single-use recovery codes.
//!
//! With it on, a sign-in that passed its first factor (a password, an Apple or Google ID
//! token, a password reset) gets a challenge instead of tokens ([`challenge`]); the
//! challenge and a code finish it ([`finish`]) at assurance level `aal2`. A challenge
//! lasts [`CHALLENGE_TTL`] and dies after [`CHALLENGE_TRIES`] wrong codes; codes are
//! also limited per account. Enrolment and turning it off are the account's own
//! operations (`me::mfa`).

pub mod codes;
pub mod store;

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::events::{self, Client, Event, SecurityEventKind, SignInMethod};
use crate::auth::identities::{self, PendingIdentity};
use crate::auth::model::{AuthResponse, MfaChallenge, MfaStatus};
use crate::auth::store as auth_store;
use crate::auth::tokens::{self, Aal};
use crate::auth::{AuthService, password, sessions};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::mail::Mailer;
use crate::problems::ProblemCode;
use crate::users::UserId;
use crate::users::store as user_store;
use crate::validate;
use codes::Checked;

/// How long a challenge can be answered.
pub const CHALLENGE_TTL: chrono::Duration = chrono::Duration::minutes(5);
/// Wrong codes a challenge takes before it dies.
pub const CHALLENGE_TRIES: i32 = 5;

/// A second factor as typed.
pub enum SecondFactor {
    /// Six digits from the authenticator app.
    Code(String),
    /// One of the recovery codes.
    Recovery(String),
}

impl SecondFactor {
    /// Exactly one of the two, or 422 naming the fields.
    pub fn of(code: Option<String>, recovery_code: Option<String>) -> ApiResult<Self> {
        match (code, recovery_code) {
            (Some(code), None) => {
                bounded_code(&code)?;
                Ok(Self::Code(code))
            }
            (None, Some(recovery)) => {
                validate::token("recovery_code", &recovery, 12, 14)?;
                Ok(Self::Recovery(recovery))
            }
            (Some(_), Some(_)) => Err(ApiError::invalid(
                "recovery_code",
                "must not be sent with code: send one of the two",
            )),
            (None, None) => Err(ApiError::invalid(
                "code",
                "is required (or recovery_code instead)",
            )),
        }
    }

    pub fn method(&self) -> SignInMethod {
        match self {
            Self::Code(_) => SignInMethod::Totp,
            Self::Recovery(_) => SignInMethod::RecoveryCode,
        }
    }
}

/// An authenticator code as the schemas bound it (six digits, perhaps with a space):
/// 422 naming `code` when it is shorter or longer.
pub fn bounded_code(code: &str) -> ApiResult<()> {
    validate::token("code", code, 6, 7)
}

/// 422 `mfa_code_invalid`.
pub fn code_wrong(detail: impl Into<String>) -> ApiError {
    ApiError::Unprocessable {
        code: ProblemCode::MfaCodeInvalid,
        detail: detail.into(),
        errors: Vec::new(),
    }
}

/// 409 `mfa_not_enabled`.
pub fn not_enabled() -> ApiError {
    ApiError::conflict(
        ProblemCode::MfaNotEnabled,
        "two-factor sign-in is not on for this account",
    )
}

fn challenge_dead() -> ApiError {
    ApiError::unauthorized(
        ProblemCode::MfaChallengeInvalid,
        "this sign-in challenge is unknown, expired, used or out of tries: sign in again",
    )
}

/// Whether the account signs in with a second factor.
pub async fn enabled(conn: &mut AsyncPgConnection, user: UserId) -> ApiResult<bool> {
    Ok(store::confirmed_totp(conn, user).await?.is_some())
}

/// A challenge for `user`, who passed `method` on `device` (with its user agent); a
/// `pending` identity is linked when it is answered.
pub async fn challenge(
    conn: &mut AsyncPgConnection,
    user: UserId,
    (method, device, agent): (SignInMethod, &str, Option<&str>),
    pending: Option<&PendingIdentity>,
) -> ApiResult<MfaChallenge> {
    let (token, hash) = tokens::new_refresh_token();
    let expires_at = Utc::now() + CHALLENGE_TTL;
    let pending = pending
        .map(serde_json::to_value)
        .transpose()
        .map_err(ApiError::internal)?;
    let first = (method.as_str(), device, agent);
    store::insert_challenge(conn, user, &hash, first, pending, expires_at).await?;
    Ok(MfaChallenge {
        challenge: token,
        expires_at,
        tries_left: CHALLENGE_TRIES as u32,
    })
}

/// The outcome of checking a second factor against a locked account.
pub enum Verdict {
    /// Accepted (the code's step, or the recovery code, is used up now).
    Accepted,
    Wrong(&'static str),
}

/// Checks `factor` against `user`'s confirmed authenticator (locked by the caller's
/// transaction): a code of a step not used yet moves the last step on; a recovery code
/// that matches is marked used. `None` when the account has no confirmed authenticator.
pub async fn verify(
    conn: &mut AsyncPgConnection,
    issuer: &str,
    user: UserId,
    factor: &SecondFactor,
) -> ApiResult<Option<Verdict>> {
    let Some(totp) = store::lock_confirmed_totp(conn, user).await? else {
        return Ok(None);
    };
    let verdict = match factor {
        SecondFactor::Code(typed) => match check_code(conn, (user, &totp), issuer, typed).await? {
            Checked::Fresh(_) => Verdict::Accepted,
            Checked::Replayed => {
                Verdict::Wrong("this code was used already; wait for the next one")
            }
            Checked::Wrong => Verdict::Wrong("the code is not the one the authenticator shows now"),
        },
        SecondFactor::Recovery(typed) => {
            let Some(normal) = codes::normal_recovery_code(typed) else {
                return Ok(Some(Verdict::Wrong("this is not a recovery code")));
            };
            let lookup = normal[..4].to_owned();
            // An unknown lookup part verifies a dummy hash: the time tells nothing.
            let stored = store::unused_recovery_code(conn, user, &lookup).await?;
            if password::verify(normal, stored).await? {
                store::use_recovery_code(conn, user, &lookup).await?;
                Verdict::Accepted
            } else {
                Verdict::Wrong("the recovery code is wrong or used already")
            }
        }
    };
    Ok(Some(verdict))
}

/// Checks `typed` against `user`'s locked secret `totp`, by the database's clock (every
/// instance judges alike), and on a fresh step records it as the last one used.
pub async fn check_code(
    conn: &mut AsyncPgConnection,
    (user, totp): (UserId, &store::Totp),
    issuer: &str,
    typed: &str,
) -> ApiResult<Checked> {
    let generator = codes::totp(&totp.secret, issuer, "")
        .ok_or_else(|| ApiError::internal("a stored TOTP secret is unusable"))?;
    let now = store::database_now(conn).await?.timestamp().max(0) as u64;
    let checked = codes::check(&generator, typed, now, totp.last_step.max(0) as u64);
    if let Checked::Fresh(step) = checked {
        store::set_last_step(conn, user, step as i64).await?;
    }
    Ok(checked)
}

/// Fresh recovery codes, shown once: the codes as displayed and their stored
/// (lookup, hash) pairs. The hashes are made off the async workers.
pub async fn new_recovery_codes() -> ApiResult<(Vec<String>, Vec<(String, String)>)> {
    let mut shown = Vec::with_capacity(codes::RECOVERY_CODES);
    let mut stored = Vec::with_capacity(codes::RECOVERY_CODES);
    while shown.len() < codes::RECOVERY_CODES {
        let (lookup, code) = codes::new_recovery_code();
        if stored.iter().any(|(l, _): &(String, String)| *l == lookup) {
            continue;
        }
        shown.push(codes::display(&code));
        stored.push((lookup, code));
    }
    let hashed = password::hash_many(stored.iter().map(|(_, c)| c.clone()).collect()).await?;
    let stored = stored
        .into_iter()
        .zip(hashed)
        .map(|((lookup, _), hash)| (lookup, hash))
        .collect();
    Ok((shown, stored))
}

/// What answering a challenge led to.
enum Answered {
    Signed(Box<AuthResponse>),
    Wrong(&'static str, i32),
    Dead,
}

/// Finishes a sign-in: the challenge and a second factor open a device session at
/// `aal2` on the device the first step named. A wrong code takes one of the challenge's
/// tries (and is written to the log), and every answer takes an attempt from the
/// account's rate limit.
pub async fn finish(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    challenge: &str,
    factor: SecondFactor,
    client: &Client,
) -> ApiResult<AuthResponse> {
    let hash = tokens::hash_refresh_token(challenge.trim());
    let mut conn = db::conn(pool).await?;
    let factor = &factor;
    let answered = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let Some(user_id) = store::challenge_user(conn, &hash).await? else {
                return Ok(Answered::Dead);
            };
            // The account's row first, shared: a change of the password or of two-factor
            // sign-in (which lock it for change) waits for this answer or goes first.
            if !auth_store::share_user(conn, user_id).await? {
                return Ok(Answered::Dead);
            }
            let Some(user) = user_store::user_by_id(conn, user_id).await? else {
                return Ok(Answered::Dead);
            };
            let Some(open) = store::lock_live_challenge(conn, &hash, CHALLENGE_TRIES).await? else {
                return Ok(Answered::Dead);
            };
            auth.limits
                .check_account(conn, &user_id.to_string(), &client.address)
                .await?;
            let issuer = &auth.totp_issuer;
            match verify(conn, issuer, user_id, factor).await? {
                None => Ok(Answered::Dead),
                Some(Verdict::Wrong(why)) => {
                    let attempts = store::count_wrong(conn, open.id).await?;
                    let event = Event::new(SecurityEventKind::MfaFailed)
                        .device(&open.device_name)
                        .method(factor.method());
                    events::record(conn, user_id, client, event).await?;
                    Ok(Answered::Wrong(why, CHALLENGE_TRIES - attempts))
                }
                Some(Verdict::Accepted) => {
                    store::use_challenge(conn, open.id).await?;
                    if let Some(pending) = open.pending_identity.clone() {
                        let pending: PendingIdentity =
                            serde_json::from_value(pending).map_err(ApiError::internal)?;
                        identities::attach(conn, &user, &pending.verified(), client).await?;
                    }
                    let method =
                        SignInMethod::parse(&open.method).unwrap_or(SignInMethod::Password);
                    let device = (open.device_name.as_str(), open.user_agent.as_deref());
                    let how = (method, Aal::Aal2);
                    let tokens =
                        sessions::open_signed_in(conn, auth, &user, device, client, how).await?;
                    if let SecondFactor::Recovery(_) = factor {
                        let left = store::recovery_codes_left(conn, user_id).await?;
                        let event = Event::new(SecurityEventKind::RecoveryCodeUsed)
                            .session(tokens.session_id)
                            .method(SignInMethod::RecoveryCode);
                        events::record(conn, user_id, client, event).await?;
                        tracing::info!(user = %user_id, left, "a recovery code was used");
                    }
                    Ok(Answered::Signed(Box::new(AuthResponse {
                        user: user.to_user(),
                        tokens,
                    })))
                }
            }
        })
        .await?;
    match answered {
        Answered::Signed(response) => {
            mailer.wake();
            Ok(*response)
        }
        Answered::Wrong(why, left) if left > 0 => Err(code_wrong(format!(
            "{why} ({left} {} left on this challenge)",
            if left == 1 { "try" } else { "tries" }
        ))),
        Answered::Wrong(why, _) => Err(code_wrong(format!(
            "{why}; that was the last try: sign in again"
        ))),
        Answered::Dead => Err(challenge_dead()),
    }
}

/// The account's two-factor state, as its owner (and an admin) reads it.
pub async fn status(conn: &mut AsyncPgConnection, user: UserId) -> ApiResult<MfaStatus> {
    let enabled_at = store::confirmed_totp(conn, user).await?;
    let recovery_codes_left = if enabled_at.is_some() {
        store::recovery_codes_left(conn, user).await?
    } else {
        0
    };
    Ok(MfaStatus {
        totp_enabled: enabled_at.is_some(),
        enabled_at,
        recovery_codes_left: recovery_codes_left.clamp(0, codes::RECOVERY_CODES as i64) as u32,
    })
}
