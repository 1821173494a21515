//! Device sessions: signing a device in (a session and its first token pair), signing in
//! with a password, and refresh-token rotation with reuse detection.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::events::{self, Client, Event, SecurityEventKind};
use crate::auth::model::{AuthResponse, TokenPair, TokenType};
use crate::auth::recovery;
use crate::auth::{AuthService, AuthUser, DeviceSessionId, password, store, tokens};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::mail::{Mailer, Template};
use crate::problems::ProblemCode;
use crate::users::store as user_store;
use crate::users::{Email, UserId};

/// A token pair around a refresh token that is already stored.
fn token_pair(
    auth: &AuthService,
    user: UserId,
    session: DeviceSessionId,
    refresh_token: String,
) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access_token: auth.keys.issue(user, session)?,
        token_type: TokenType::Bearer,
        expires_in: auth.keys.access_ttl().as_secs(),
        refresh_token,
        refresh_expires_at: Utc::now() + auth.refresh_ttl,
        session_id: session,
    })
}

/// Opens a device session for `user` and returns its first token pair.
pub async fn sign_in(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: UserId,
    device: &str,
    user_agent: Option<&str>,
) -> ApiResult<TokenPair> {
    let (refresh_token, hash) = tokens::new_refresh_token();
    let expires_at = Utc::now() + auth.refresh_ttl;
    let session = store::open_session(conn, user, device, user_agent, &hash, expires_at).await?;
    token_pair(auth, user, session, refresh_token)
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(
        ProblemCode::InvalidCredentials,
        "the email or password is not right",
    )
}

/// Signs a device in with an email and password. An unknown email and a wrong password
/// are the same 401 `invalid_credentials`, in about the same time (a dummy hash is
/// verified for an unknown email). A sign-in on a device the account has not used
/// before (no earlier session with this device name and user agent) mails a notice to a
/// verified address, in the same transaction. Both a sign-in and a wrong password for
/// an account go to its security log.
pub async fn log_in(
    pool: &DbPool,
    auth: &AuthService,
    mailer: &Mailer,
    email: &Email,
    password: String,
    device: &str,
    client: &Client,
) -> ApiResult<AuthResponse> {
    let user_agent = client.agent.as_deref();
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
    let tokens = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            // The hash may have changed while it was being verified (a password change
            // or a deletion in between): the session opens only against the hash that
            // was checked, with the user's row held until it is stored.
            if store::lock_password_hash(conn, user_id).await? != stored {
                return Err(invalid_credentials());
            }
            let known = store::has_used_device(conn, user_id, device, user_agent).await?;
            let tokens = sign_in(conn, auth, user_id, device, user_agent).await?;
            let event = Event::new(SecurityEventKind::SignedIn)
                .session(tokens.session_id)
                .device(device);
            events::record(conn, user_id, client, event).await?;
            if !known {
                notify_new_device(conn, row, device).await?;
            }
            Ok(tokens)
        })
        .await?;
    mailer.wake();
    Ok(AuthResponse {
        user: user.to_user(),
        tokens,
    })
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
            Ok(Refreshed::Pair(token_pair(
                auth,
                token.user_id,
                token.session_id,
                refresh_token,
            )?))
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
