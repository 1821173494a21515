//! Register, guest accounts and their upgrade.

use actix_web::{HttpRequest, HttpResponse, post, web};

use super::{check_limits, device_of};
use crate::auth::events::Client;
use crate::auth::model::*;
use crate::auth::{AuthService, AuthUser, accounts, password};
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::http::{Json, OptionalJson};
use crate::mail::Mailer;
use crate::problems::ProblemCode;
use crate::users::Email;
use crate::users::model::User;
use crate::users::store::NewUser;
use crate::validate;

/// Create an account.
///
/// Answers with the account and a token pair for this device. The email is trimmed and
/// case-folded; the password is judged by a strength estimator, not composition rules.
/// A 6-digit code and a link are mailed to the address to verify it
/// (`POST /v1/auth/verify-email`); until then `email_verified_at` is null.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::EmailTaken, ProblemCode::WeakPassword, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created and signed in", body = AuthResponse),
    )
)]
#[post("/auth/register")]
pub async fn register(
    req: HttpRequest,
    body: Json<RegisterRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    check_limits(&pool, &auth, &req, Some(email.as_str())).await?;
    let display_name = validate::display_name(&body.display_name)?;
    let (locale, time_zone) = accounts::locale_and_zone(body.locale, body.time_zone.as_deref())?;
    let client = Client::of(&req);
    let device = device_of(&client, body.device_name.as_deref())?;
    let hash =
        password::hash_new("password", &body.password, &[email.as_str(), &display_name]).await?;
    let new = NewUser::with_password(&email, &hash, &display_name, locale, time_zone);
    let opened = accounts::open(&pool, &auth, &mailer, new, &device, &client).await?;
    Ok(HttpResponse::Created().json(opened))
}

/// Start without an account.
///
/// Creates an anonymous account with a token pair; everything it stores is kept when it
/// is later upgraded with an email and password.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body(content = Option<GuestRequest>, description = "Optional device name, language and time zone"),
    responses(
        (status = 201, description = "Guest account created", body = AuthResponse),
    )
)]
#[post("/auth/guest")]
pub async fn create_guest(
    req: HttpRequest,
    body: OptionalJson<GuestRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    check_limits(&pool, &auth, &req, None).await?;
    let body = body.0.unwrap_or_default();
    let (locale, time_zone) = accounts::locale_and_zone(body.locale, body.time_zone.as_deref())?;
    let client = Client::of(&req);
    let device = device_of(&client, body.device_name.as_deref())?;
    let new = NewUser::guest(locale, time_zone);
    let opened = accounts::open(&pool, &auth, &mailer, new, &device, &client).await?;
    Ok(HttpResponse::Created().json(opened))
}

/// Turn a guest account into a full one.
///
/// Attaches an email and password; the account keeps its id, sessions and everything it
/// owns. 409 `not_a_guest` for an account that already has an email.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::EmailTaken, ProblemCode::WeakPassword, ProblemCode::NotAGuest, ProblemCode::RateLimited]))),
    tag = "auth",
    security(("bearer" = [])),
    request_body = UpgradeRequest,
    responses(
        (status = 200, description = "The upgraded account", body = User),
    )
)]
#[post("/auth/upgrade")]
pub async fn upgrade_guest(
    req: HttpRequest,
    user: AuthUser,
    body: Json<UpgradeRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
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
    let upgrade = accounts::Upgrade {
        email: &email,
        password_hash: &hash,
        display_name: display_name.as_deref(),
    };
    let upgraded = accounts::upgrade(
        &pool,
        &auth,
        &mailer,
        user.user_id,
        upgrade,
        &Client::of(&req),
    )
    .await?;
    Ok(HttpResponse::Ok().json(upgraded))
}
