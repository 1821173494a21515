//! Device sessions: signing a device in (a session and its first token pair), signing in
//! with a password (or handing a two-factor challenge), and refresh-token rotation with
//! reuse detection.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::events::{self, Client, Event, SecurityEventKind, SignInMethod};
use crate::auth::model::{MfaChallenge, TokenPair, TokenType};
use crate::auth::tokens::Aal;
use crate::auth::{AuthService, AuthUser, DeviceSessionId, mfa, password, recovery, store, tokens};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::mail::{Mailer, Template};
use crate::problems::ProblemCode;
use crate::users::model::User;
use crate::users::store as user_store;
use crate::users::{Email, UserId};

/// A token pair around a refresh token that is already stored.
fn token_pair(
    auth: &AuthService,
    (user, session, aal): (UserId, DeviceSessionId, Aal),
    refresh_token: String,
) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access_token: auth.keys.issue(user, session, aal)?,
        token_type: TokenType::Bearer,
        expires_in: auth.keys.access_ttl().as_secs(),
        refresh_token,
        refresh_expires_at: Utc::now() + auth.refresh_ttl,
        session_id: session,
        aal,
    })
}

/// Opens a device session for `user` with one factor and returns its first token pair.
pub async fn sign_in(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: UserId,
    device: &str,
    user_agent: Option<&str>,
) -> ApiResult<TokenPair> {
    open_at(conn, auth, user, (device, user_agent), Aal::Aal1).await
}

/// 403 `account_disabled` when an admin disabled the account.
async fn refuse_disabled(conn: &mut AsyncPgConnection, user: UserId) -> ApiResult<()> {
    if user_store::is_disabled(conn, user).await? {
        return Err(ApiError::Refused {
            code: ProblemCode::AccountDisabled,
            detail: "this account is disabled".into(),
        });
    }
    Ok(())
}

async fn open_at(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: UserId,
    (device, user_agent): (&str, Option<&str>),
    aal: Aal,
) -> ApiResult<TokenPair> {
    // Every session opens here: a disabled account gets none.
    refuse_disabled(conn, user).await?;
    let (refresh_token, hash) = tokens::new_refresh_token();
    let expires_at = Utc::now() + auth.refresh_ttl;
    let session =
        store::open_session(conn, user, (device, user_agent), &hash, expires_at, aal).await?;
    token_pair(auth, (user, session, aal), refresh_token)
}

/// A new token pair for a live session at `aal` (its old refresh tokens count as
/// rotated): what a session gets when its level changes.
pub async fn reissue(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: UserId,
    session: DeviceSessionId,
    aal: Aal,
) -> ApiResult<TokenPair> {
    store::set_session_aal(conn, session, aal).await?;
    store::mark_rotated(conn, session).await?;
    let (refresh_token, hash) = tokens::new_refresh_token();
    store::insert_refresh_token(conn, session, &hash, Utc::now() + auth.refresh_ttl).await?;
    token_pair(auth, (user, session, aal), refresh_token)
}

/// Opens a session for `user`, who proved themselves by `method` on `device`, at `aal`:
/// the sign-in goes to the log, and a device the account has not used before (no
/// earlier session with this name and user agent) gets a notice mailed to a verified
/// address, in the caller's transaction.
pub async fn open_signed_in(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: &user_store::UserRow,
    (device, agent): (&str, Option<&str>),
    client: &Client,
    (method, aal): (SignInMethod, Aal),
) -> ApiResult<TokenPair> {
    let known = store::has_used_device(conn, user.id, device, agent).await?;
    let tokens = open_at(conn, auth, user.id, (device, agent), aal).await?;
    let event = Event::new(SecurityEventKind::SignedIn)
        .session(tokens.session_id)
        .device(device)
        .method(method);
    events::record(conn, user.id, client, event).await?;
    if !known {
        notify_new_device(conn, user, device).await?;
    }
    Ok(tokens)
}

/// How a sign-in that passed its first factor ends.
pub enum SignIn {
    /// The device is signed in.
    Tokens(TokenPair),
    /// The account signs in with a second factor: this challenge awaits it.
    Challenge(MfaChallenge),
}

/// Ends a first factor: a session at `aal1`, or a challenge when the account has
/// two-factor sign-in on (then nothing is signed in until it is answered).
pub async fn after_first_factor(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: &user_store::UserRow,
    device: &str,
    client: &Client,
    method: SignInMethod,
) -> ApiResult<SignIn> {
    let agent = client.agent.as_deref();
    if mfa::enabled(conn, user.id).await? {
        // No challenge for a disabled account (a session would be refused in `open_at`).
        refuse_disabled(conn, user.id).await?;
        let challenge = mfa::challenge(conn, user.id, (method, device, agent), None).await?;
        return Ok(SignIn::Challenge(challenge));
    }
    let how = (method, Aal::Aal1);
    let tokens = open_signed_in(conn, auth, user, (device, agent), client, how).await?;
    Ok(SignIn::Tokens(tokens))
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(
        ProblemCode::InvalidCredentials,
        "the email or password is not right",
    )
}

/// Signs a device in with an email and password. An unknown email and a wrong password
/// are the same 401 `invalid_credentials`, in about the same time (a dummy hash is
/// verified for an unknown email). Then as [`after_first_factor`]. Both a sign-in and a
/// wrong password for an account go to its security log.
pub async fn log_in(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    email: &Email,
    password: String,
    device: &str,
    client: &Client,
) -> ApiResult<(User, SignIn)> {
    let user = {
        let mut conn = db::conn(pool).await?;
        user_store::user_by_email(&mut conn, email).await?
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(password, stored.clone()).await? {
        if let Some(user) = &user {
            note_failed_sign_in(pool, user.id, device, client);
        }
        return Err(invalid_credentials());
    }
    let user = user.ok_or_else(invalid_credentials)?;
    let user_id = user.id;
    let row = &user;
    let mut conn = db::conn(pool).await?;
    let signed = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            // The hash may have changed while it was being verified (a password change
            // or a deletion in between): the session opens only against the hash that
            // was checked, with the user's row held until it is stored.
            if store::lock_password_hash(conn, user_id).await? != stored {
                return Err(invalid_credentials());
            }
            after_first_factor(conn, auth, row, device, client, SignInMethod::Password).await
        })
        .await?;
    mailer.wake();
    Ok((user.to_user(), signed))
}

/// Writes a failed sign-in to the account's log after the answer has gone, so that
/// neither its time nor an error (the account deleted meanwhile) tells a known address
/// from an unknown one; a write that fails is only logged.
fn note_failed_sign_in(pool: &DbPool, user: UserId, device: &str, client: &Client) {
    let (pool, device, client) = (pool.clone(), device.to_owned(), client.clone());
    actix_web::rt::spawn(async move {
        let event = Event::new(SecurityEventKind::SignInFailed).device(&device);
        let written = match db::conn(&pool).await {
            Ok(mut conn) => events::record(&mut conn, user, &client, event)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = written {
            tracing::info!(%error, "a failed sign-in was not written to the security log");
        }
    });
}

/// Mails the notice of a sign-in on a new device, when the address is verified.
async fn notify_new_device(
    conn: &mut AsyncPgConnection,
    user: &user_store::UserRow,
    device: &str,
) -> ApiResult<()> {
    if user.email_verified_at.is_none() {
        return Ok(());
    }
    let time = Utc::now().format("%Y-%m-%d %H:%M").to_string();
    let params = [
        ("name", user.display_name.as_str()),
        ("device", device),
        ("time", &time),
    ];
    recovery::mail_account(conn, user, Template::NewSignIn, &params).await?;
    Ok(())
}

/// What presenting a refresh token led to.
enum Refreshed {
    Pair(TokenPair),
    /// A rotated token came back after the grace period: the session is to be revoked.
    Reused(UserId, DeviceSessionId),
    Invalid(&'static str),
}

/// Exchanges a refresh token for a new pair. Every refresh token works once; one
/// presented again within the grace period still gets a new pair, later it signs the
/// whole device session out (401 `refresh_token_reused`, in the security log). `client`
/// is keyed by the per-account rate limit taken once the token names the account.
pub async fn refresh(
    pool: &DbPool,
    auth: &AuthService,
    client: &Client,
    refresh_token: &str,
) -> ApiResult<TokenPair> {
    let hash = tokens::hash_refresh_token(refresh_token.trim());
    let grace = chrono::Duration::from_std(auth.refresh_grace).map_err(ApiError::internal)?;
    let mut conn = db::conn(pool).await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let Some(token) = store::lock_refresh_token(conn, &hash).await? else {
                return Ok(Refreshed::Invalid("the refresh token is not known"));
            };
            auth.limits
                .check_account(conn, &token.user_id.to_string(), &client.address)
                .await?;
            if token.session_revoked {
                return Ok(Refreshed::Invalid("this session has been signed out"));
            }
            let now = token.now;
            if token.expires_at <= now {
                return Ok(Refreshed::Invalid("the refresh token has expired"));
            }
            match token.rotated_at {
                Some(rotated) if now - rotated > grace => {
                    return Ok(Refreshed::Reused(token.user_id, token.session_id));
                }
                Some(_) => {}
                None => store::mark_rotated(conn, token.session_id).await?,
            }
            let (refresh_token, new_hash) = tokens::new_refresh_token();
            store::insert_refresh_token(conn, token.session_id, &new_hash, now + auth.refresh_ttl)
                .await?;
            store::touch_session(conn, token.session_id).await?;
            let who = (token.user_id, token.session_id, token.aal);
            Ok(Refreshed::Pair(token_pair(auth, who, refresh_token)?))
        })
        .await?;
    match outcome {
        Refreshed::Pair(pair) => Ok(pair),
        Refreshed::Reused(user, session) => {
            // Signed out in a transaction of its own that holds the user's row first,
            // the order an account deletion takes, not behind the token's lock.
            let why = ("refresh_token_reuse", SecurityEventKind::RefreshTokenReused);
            sign_out_device(pool, user, session, why, client).await?;
            auth.readers.forget_user(user);
            Err(ApiError::unauthorized(
                ProblemCode::RefreshTokenReused,
                "this refresh token was already used; the session has been signed out",
            ))
        }
        Refreshed::Invalid(detail) => Err(ApiError::unauthorized(
            ProblemCode::InvalidRefreshToken,
            detail,
        )),
    }
}

/// Signs device session `session` of `user` out for `reason` and writes `kind` to the
/// log, when it was still signed in; whether it was. The user's row is held first (`FOR KEY SHARE`, as the
/// log entry's reference would), so that this queues with a deletion of the account in
/// the order every credential write takes: user, then sessions.
pub async fn sign_out_device(
    pool: &DbPool,
    user: UserId,
    session: DeviceSessionId,
    (reason, kind): (&str, SecurityEventKind),
    client: &Client,
) -> ApiResult<bool> {
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        if !store::hold_user(conn, user).await? {
            return Ok(false);
        }
        let revoked = store::revoke_session(conn, user, session, reason).await?;
        if revoked {
            events::record(conn, user, client, Event::new(kind).session(session)).await?;
        }
        Ok(revoked)
    })
    .await
}

/// Signs out every device session of `user` but the one asking (that one too when
/// `include_current`).
pub async fn sign_out_others(
    pool: &DbPool,
    user: &AuthUser,
    include_current: bool,
    client: &Client,
) -> ApiResult<()> {
    let keep = (!include_current).then_some(user.session_id);
    let mut conn = db::conn(pool).await?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let event = Event::new(SecurityEventKind::SignedOutEverywhere).session(user.session_id);
        events::record(conn, user.user_id, client, event).await?;
        store::revoke_other_sessions(conn, user.user_id, keep, "logout_all").await?;
        Ok(())
    })
    .await
}
