//! Device sessions: log in, refresh, log out here or everywhere.

use actix_web::{HttpRequest, HttpResponse, post, web};

use super::{check_limits, device_of, signed_in};
use crate::auth::events::{Client, SecurityEventKind};
use crate::auth::model::*;
use crate::auth::{AuthService, AuthUser, BearerClaims, sessions};
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::http::{Json, OptionalJson};
use crate::mail::Mailer;
use crate::problems::ProblemCode;
use crate::users::Email;

/// Sign in with email and password.
///
/// Unknown emails and wrong passwords get the same 401 `invalid_credentials`, in about
/// the same time. Repeated attempts per account or per address get 429. A sign-in on a
/// device the account has not used before mails a notice to its verified address. An
/// account with two-factor sign-in on gets a challenge (202) instead of tokens.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCredentials, ProblemCode::AccountDisabled, ProblemCode::RateLimited, ProblemCode::ServerBusy, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = AuthResponse),
        (status = 202, description = "The account asks for a second factor: answer the challenge at POST /v1/auth/mfa", body = MfaChallenge),
    )
)]
#[post("/auth/login")]
pub async fn login(
    req: HttpRequest,
    body: Json<LoginRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    check_limits(&pool, &auth, &req, Some(email.as_str())).await?;
    let client = Client::of(&req);
    let device = device_of(&client, body.device_name.as_deref())?;
    let (user, outcome) = sessions::log_in(
        &pool,
        &auth,
        &mailer,
        &email,
        body.password,
        &device,
        &client,
    )
    .await?;
    Ok(signed_in(user, outcome, false))
}

/// Exchange a refresh token for a new pair.
///
/// Every refresh token works once. A rotated token presented again within a short grace
/// period (a lost response, two refreshes at once) still gets a new pair; presented later,
/// it signs the whole device session out (401) as the token may have been stolen.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidRefreshToken, ProblemCode::RefreshTokenReused, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new token pair", body = TokenPair),
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    req: HttpRequest,
    body: Json<RefreshRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    check_limits(&pool, &auth, &req, None).await?;
    let pair = sessions::refresh(&pool, &auth, &Client::of(&req), &body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(pair))
}

/// Sign this device out.
///
/// Its access and refresh tokens stop working at once. Signing out again is fine (204).
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(
    req: HttpRequest,
    claims: BearerClaims,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let (user, session) = (claims.0.sub, claims.0.sid);
    let why = ("logout", SecurityEventKind::SignedOut);
    sessions::sign_out_device(&pool, user, session, why, &Client::of(&req)).await?;
    auth.readers.forget_user(user);
    Ok(HttpResponse::NoContent().finish())
}

/// Sign out everywhere else (or everywhere).
///
/// Every other device session stops working; this one stays signed in unless
/// `include_current` is true.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::GuestAccount, ProblemCode::PasswordChanged, ProblemCode::RateLimited]))),
    tag = "auth",
    security(("bearer" = [])),
    request_body(content = Option<LogoutAllRequest>, description = "Optional; defaults to keeping this device signed in"),
    responses(
        (status = 204, description = "Other sessions signed out"),
    )
)]
#[post("/auth/logout-all")]
pub async fn logout_all(
    req: HttpRequest,
    user: AuthUser,
    body: OptionalJson<LogoutAllRequest>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let include_current = body.0.is_some_and(|b| b.include_current);
    sessions::sign_out_others(&pool, &user, include_current, &Client::of(&req)).await?;
    auth.readers.forget_user(user.user_id);
    Ok(HttpResponse::NoContent().finish())
}
