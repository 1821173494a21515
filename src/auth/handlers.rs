//! Register, log in, refresh, log out, guest accounts and their upgrade.

use crate::problems::ProblemCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::auth::model::*;
use crate::auth::store;
use crate::auth::{AuthService, AuthUser, BearerClaims, client_address, password, tokens};
use crate::db::{self, DbPool};
use crate::error::{self, ApiError, ApiResult};
use crate::http::{Json, OptionalJson};
use crate::users::model::User;
use crate::users::store::{self as user_store, NewUser};
use crate::users::{Email, TimeZone};
use crate::validate;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(refresh)
        .service(logout)
        .service(logout_all)
        .service(create_guest)
        .service(upgrade_guest);
}

fn user_agent(req: &HttpRequest) -> Option<String> {
    validate::user_agent(
        req.headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
}

/// A token pair around a refresh token that is already stored.
fn token_pair(
    auth: &AuthService,
    user: Uuid,
    session: Uuid,
    refresh_token: String,
) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access_token: auth.keys.issue(user, session)?,
        token_type: "Bearer".into(),
        expires_in: auth.keys.access_ttl().as_secs(),
        refresh_token,
        refresh_expires_at: Utc::now() + auth.refresh_ttl,
        session_id: session,
    })
}

/// Opens a device session for `user` and returns its first token pair.
async fn sign_in(
    conn: &mut AsyncPgConnection,
    auth: &AuthService,
    user: Uuid,
    device_name: &str,
    user_agent: Option<&str>,
) -> ApiResult<TokenPair> {
    let (refresh_token, hash) = tokens::new_refresh_token();
    let expires_at = Utc::now() + auth.refresh_ttl;
    let session =
        store::open_session(conn, user, device_name, user_agent, &hash, expires_at).await?;
    token_pair(auth, user, session, refresh_token)
}

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

/// The optional language and time zone of a new account, checked, with defaults.
fn locale_and_zone(locale: Option<&str>, time_zone: Option<&str>) -> ApiResult<(String, TimeZone)> {
    Ok((
        locale
            .map(validate::locale)
            .transpose()?
            .unwrap_or_else(|| "en".into()),
        time_zone
            .map(TimeZone::parse)
            .transpose()?
            .unwrap_or(TimeZone::UTC),
    ))
}

/// Creates an account and signs this device in, in one transaction: 201 with both.
async fn open_account(
    pool: &DbPool,
    auth: &AuthService,
    new: NewUser<'_>,
    device: &str,
    agent: Option<&str>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(pool).await?;
    let response = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let user = user_store::insert_user(conn, new)
                .await
                .map_err(email_taken_or)?;
            let tokens = sign_in(conn, auth, user.id, device, agent).await?;
            Ok(AuthResponse {
                user: user.to_user(),
                tokens,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(response))
}

/// Takes one attempt from the client address and, when given, the account (an email):
/// 429 when a limit is spent. Its own connection, given back before any hashing.
pub async fn check_limits(
    pool: &DbPool,
    auth: &AuthService,
    req: &HttpRequest,
    account: Option<&str>,
) -> ApiResult<()> {
    let mut conn = db::conn(pool).await?;
    auth.limits
        .check(&mut conn, &client_address(req), account)
        .await
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized(
        ProblemCode::InvalidCredentials,
        "the email or password is not right",
    )
}

/// Create an account.
///
/// Answers with the account and a token pair for this device. The email is trimmed and
/// case-folded; the password is judged by a strength estimator, not composition rules.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
        (status = 409, response = error::Conflict),
        (status = 429, response = error::TooManyRequests),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    body: Json<RegisterRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    check_limits(&pool, &auth, &req, Some(email.as_str())).await?;
    let display_name = validate::display_name(&body.display_name)?;
    let (locale, time_zone) = locale_and_zone(body.locale.as_deref(), body.time_zone.as_deref())?;
    let agent = user_agent(&req);
    let device = validate::device_name(body.device_name.as_deref(), agent.as_deref())?;
    let hash =
        password::hash_new("password", &body.password, &[email.as_str(), &display_name]).await?;

    let new = NewUser {
        id: Uuid::now_v7(),
        email: Some(&email),
        password_hash: Some(&hash),
        display_name: &display_name,
        locale: &locale,
        time_zone,
        is_guest: false,
    };
    open_account(&pool, &auth, new, &device, agent.as_deref()).await
}

/// Sign in with email and password.
///
/// Unknown emails and wrong passwords get the same 401 `invalid_credentials`, in about
/// the same time. Repeated attempts per account or per address get 429.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 401, response = error::Unauthorized),
        (status = 429, response = error::TooManyRequests),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    body: Json<LoginRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    let mut conn = db::conn(&pool).await?;
    auth.limits
        .check(&mut conn, &client_address(&req), Some(email.as_str()))
        .await?;
    let agent = user_agent(&req);
    let device = validate::device_name(body.device_name.as_deref(), agent.as_deref())?;
    let user = user_store::user_by_email(&mut conn, &email).await?;
    drop(conn);
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !password::verify(body.password, stored.clone()).await? {
        return Err(invalid_credentials());
    }
    let user = user.ok_or_else(invalid_credentials)?;
    let mut conn = db::conn(&pool).await?;
    let user_id = user.id;
    let tokens = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            // The hash may have changed while it was being verified (a password change
            // or a deletion in between): the session opens only against the hash that
            // was checked, with the user's row held until it is stored.
            if store::lock_password_hash(conn, user_id).await? != stored {
                return Err(invalid_credentials());
            }
            sign_in(conn, &auth, user_id, &device, agent.as_deref()).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(AuthResponse {
        user: user.to_user(),
        tokens,
    }))
}

/// What presenting a refresh token led to.
enum Refreshed {
    Pair(TokenPair),
    /// A rotated token came back after the grace period: the session was revoked.
    Reused,
    Invalid(&'static str),
}

/// Exchange a refresh token for a new pair.
///
/// Every refresh token works once. A rotated token presented again within a short grace
/// period (a lost response, two refreshes at once) still gets a new pair; presented later,
/// it signs the whole device session out (401) as the token may have been stolen.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
        (status = 401, response = error::Unauthorized),
        (status = 429, response = error::TooManyRequests),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    body: Json<RefreshRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let address = client_address(&req);
    let hash = tokens::hash_refresh_token(body.refresh_token.trim());
    let grace = chrono::Duration::from_std(auth.refresh_grace).map_err(ApiError::internal)?;
    let mut conn = db::conn(&pool).await?;
    auth.limits.check_address(&mut conn, &address).await?;
    let outcome = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let Some(token) = store::lock_refresh_token(conn, &hash).await? else {
                return Ok(Refreshed::Invalid("the refresh token is not known"));
            };
            auth.limits
                .check_account(conn, &token.user_id.to_string(), &address)
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
                    store::revoke_session(
                        conn,
                        token.user_id,
                        token.session_id,
                        "refresh_token_reuse",
                    )
                    .await?;
                    return Ok(Refreshed::Reused);
                }
                Some(_) => {}
                None => store::mark_rotated(conn, token.session_id).await?,
            }
            let (refresh_token, new_hash) = tokens::new_refresh_token();
            store::insert_refresh_token(conn, token.session_id, &new_hash, now + auth.refresh_ttl)
                .await?;
            store::touch_session(conn, token.session_id).await?;
            Ok(Refreshed::Pair(token_pair(
                &auth,
                token.user_id,
                token.session_id,
                refresh_token,
            )?))
        })
        .await?;
    match outcome {
        Refreshed::Pair(pair) => Ok(HttpResponse::Ok().json(pair)),
        Refreshed::Reused => Err(ApiError::unauthorized(
            ProblemCode::RefreshTokenReused,
            "this refresh token was already used; the session has been signed out",
        )),
        Refreshed::Invalid(detail) => Err(ApiError::unauthorized(
            ProblemCode::InvalidRefreshToken,
            detail,
        )),
    }
}

/// Sign this device out.
///
/// Its access and refresh tokens stop working at once. Signing out again is fine (204).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, response = error::Unauthorized),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/logout")]
pub async fn logout(claims: BearerClaims, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    store::revoke_session(&mut conn, claims.0.sub, claims.0.sid, "logout").await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere else (or everywhere).
///
/// Every other device session stops working; this one stays signed in unless
/// `include_current` is true.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body(content = Option<LogoutAllRequest>, description = "Optional; defaults to keeping this device signed in"),
    responses(
        (status = 204, description = "Other sessions signed out"),
        (status = 401, response = error::Unauthorized),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/logout-all")]
pub async fn logout_all(
    user: AuthUser,
    body: OptionalJson<LogoutAllRequest>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let include_current = body.0.is_some_and(|b| b.include_current);
    let keep = (!include_current).then_some(user.session_id);
    let mut conn = db::conn(&pool).await?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        store::revoke_other_sessions(conn, user.user_id, keep, "logout_all").await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Start without an account.
///
/// Creates an anonymous account with a token pair; everything it stores is kept when it
/// is later upgraded with an email and password.
#[utoipa::path(
    tag = "auth",
    request_body(content = Option<GuestRequest>, description = "Optional device name, language and time zone"),
    responses(
        (status = 201, description = "Guest account created", body = AuthResponse),
        (status = 429, response = error::TooManyRequests),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/guest")]
pub async fn create_guest(
    req: HttpRequest,
    body: OptionalJson<GuestRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    check_limits(&pool, &auth, &req, None).await?;
    let body = body.0.unwrap_or_default();
    let (locale, time_zone) = locale_and_zone(body.locale.as_deref(), body.time_zone.as_deref())?;
    let agent = user_agent(&req);
    let device = validate::device_name(body.device_name.as_deref(), agent.as_deref())?;
    let new = NewUser {
        id: Uuid::now_v7(),
        email: None,
        password_hash: None,
        display_name: "Guest",
        locale: &locale,
        time_zone,
        is_guest: true,
    };
    open_account(&pool, &auth, new, &device, agent.as_deref()).await
}

/// Turn a guest account into a full one.
///
/// Attaches an email and password; the account keeps its id, sessions and everything it
/// owns. 409 `not_a_guest` for an account that already has an email.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = UpgradeRequest,
    responses(
        (status = 200, description = "The upgraded account", body = User),
        (status = 401, response = error::Unauthorized),
        (status = 409, response = error::Conflict),
        (status = 429, response = error::TooManyRequests),
        (status = 503, response = error::Unavailable),
    )
)]
#[post("/auth/upgrade")]
pub async fn upgrade_guest(
    req: HttpRequest,
    user: AuthUser,
    body: Json<UpgradeRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    check_limits(&pool, &auth, &req, Some(email.as_str())).await?;
    let display_name = body
        .display_name
        .as_deref()
        .map(validate::display_name)
        .transpose()?;
    let hash = password::hash_new("password", &body.password, &[email.as_str()]).await?;
    let mut conn = db::conn(&pool).await?;
    let row = user_store::upgrade_guest(
        &mut conn,
        user.user_id,
        &email,
        &hash,
        display_name.as_deref(),
    )
    .await
    .map_err(email_taken_or)?
    .ok_or_else(|| {
        ApiError::conflict(
            ProblemCode::NotAGuest,
            "this account already has an email and password",
        )
    })?;
    Ok(HttpResponse::Ok().json(row.to_user()))
}
