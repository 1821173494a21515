//! `/v1/me`: the profile with its safety answers, password, devices, deletion, export.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};

use crate::auth::events::{
    self, Client, SecurityEventKind, SecurityEventList, SecurityEventsQuery,
};
use crate::auth::model::{CodeSent, VerifyEmailRequest};
use crate::auth::recovery::{self, CODE_MINUTES};
use crate::auth::store as auth_store;
use crate::auth::{AuthService, AuthUser, DeviceSessionId, client_address, email_change, sessions};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::mail::Mailer;
use crate::me::account;
use crate::me::model::*;
use crate::me::store::{self, ProfileChanges};
use crate::problems::ProblemCode;
use crate::users::Email;
use crate::users::TimeZone;
use crate::users::model::User;
use crate::validate;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(change_password)
        .service(change_email)
        .service(confirm_email_change)
        .service(security_events)
        .service(delete_me)
        .service(export_me)
        .service(list_devices)
        .service(revoke_device);
}

/// The signed-in user's profile.
///
/// The account as its owner sees it, with the safety profile that the warnings on sessions
/// are computed from.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = User),
    )
)]
#[get("/me")]
pub async fn get_me(user: AuthUser, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let row = account::current(&pool, user.user_id).await?;
    Ok(HttpResponse::Ok().json(row.to_user()))
}

/// Change the display name, language, time zone or safety profile.
///
/// Absent fields stay as they are. Server-owned fields (`id`, `email`, `role`,
/// `created_at`, ...) and unknown fields are refused with 422 and nothing changes.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The updated profile", body = User),
    )
)]
#[patch("/me")]
pub async fn update_me(
    user: AuthUser,
    body: Json<ProfilePatch>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner();
    let changes = ProfileChanges {
        display_name: patch
            .display_name
            .as_deref()
            .map(validate::display_name)
            .transpose()?,
        locale: patch.locale,
        time_zone: patch
            .time_zone
            .as_deref()
            .map(TimeZone::parse)
            .transpose()?,
        ..ProfileChanges::default()
    }
    .with_safety(&patch);
    let mut conn = db::conn(&pool).await?;
    let row = store::update_profile(&mut conn, user.user_id, changes).await?;
    // Personal reads on this instance warn for the new profile at once.
    auth.readers.forget_user(user.user_id);
    Ok(HttpResponse::Ok().json(row.to_user()))
}

/// Change the password.
///
/// Needs the current password (403 when it is wrong). Every other device is signed out;
/// this one stays signed in. Checked again when it is written: 401 when this device was
/// signed out meanwhile, 409 `password_changed` when another change came first.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::GuestAccount, ProblemCode::PasswordChanged, ProblemCode::WeakPassword, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Password changed; other sessions signed out"),
    )
)]
#[put("/me/password")]
pub async fn change_password(
    req: HttpRequest,
    auth: web::Data<AuthService>,
    user: AuthUser,
    body: Json<PasswordChange>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    account::change_password(
        &pool,
        &auth,
        &Client::of(&req),
        user,
        body.current_password,
        &body.new_password,
    )
    .await?;
    auth.readers.forget_user(user.user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Move the account to a new email address.
///
/// Needs the current password (403 when it is wrong). A 6-digit code goes to the new
/// address (confirm it with `POST /v1/me/email/confirm`) and a notice to the current
/// one, whose link undoes the change for 7 days. The address stays as it is until the
/// code comes back. 409 `email_taken` when another account has the new address (told
/// only after the password is checked); at most 3 codes at once, then one per 5
/// minutes (429).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::Forbidden, ProblemCode::GuestAccount, ProblemCode::EmailTaken, ProblemCode::PasswordChanged, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = EmailChangeRequest,
    responses(
        (status = 202, description = "A code is on its way to the new address", body = CodeSent),
    )
)]
#[put("/me/email")]
pub async fn change_email(
    req: HttpRequest,
    user: AuthUser,
    body: Json<EmailChangeRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let new_email = Email::parse_field("new_email", &body.new_email)?;
    let client = Client::of(&req);
    account::change_email(
        &pool,
        &auth,
        &mailer,
        &client,
        user,
        &new_email,
        body.password,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(CodeSent {
        sent_to: new_email.as_str().to_owned(),
        expires_in: CODE_MINUTES as u64 * 60,
    }))
}

/// Confirm the new email address with the code mailed to it.
///
/// The account's address becomes the new one, verified. Any code that does not work
/// (mistyped, expired, used, replaced, dead after 5 wrong tries, or none asked for) is
/// the same 422 `code_invalid`; an address another account took meanwhile 409
/// `email_taken`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::CodeInvalid, ProblemCode::EmailTaken]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The account, at its new address", body = User),
    )
)]
#[post("/me/email/confirm")]
pub async fn confirm_email_change(
    req: HttpRequest,
    user: AuthUser,
    body: Json<VerifyEmailRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let code = recovery::typed_code(&body.code)?;
    let client = Client::of(&req);
    let moved = email_change::confirm(&pool, &auth, &client, user.user_id, code).await?;
    Ok(HttpResponse::Ok().json(moved))
}

/// The account's security log.
///
/// Sign-ups, sign-ins (with device, address and user agent), failed sign-ins, sign-outs,
/// refresh-token reuse, password and email changes and verification, newest first, in
/// keyset pages. Kept 90 days.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery, ProblemCode::ValidationFailed, ProblemCode::InvalidCursor]))),
    tag = "me",
    security(("bearer" = [])),
    params(SecurityEventsQuery),
    responses(
        (status = 200, description = "A page of events", body = SecurityEventList),
    )
)]
#[get("/me/security-events")]
pub async fn security_events(
    user: AuthUser,
    query: web::Query<SecurityEventsQuery>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let page = events::page(&mut conn, user.user_id, &query).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Delete the account and everything it owns.
///
/// Needs the password (guests send `{}`). Profile, sessions, history and everything
/// else go in one transaction; the account's tokens stop working. Nothing is deleted
/// when this device was signed out meanwhile (401) or the password changed (409).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::PasswordChanged, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = PasswordConfirmation,
    responses(
        (status = 204, description = "The account is gone"),
    )
)]
#[delete("/me")]
pub async fn delete_me(
    req: HttpRequest,
    auth: web::Data<AuthService>,
    user: AuthUser,
    body: Json<PasswordConfirmation>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let password = body.into_inner().password;
    account::delete(&pool, &auth, &client_address(&req), user, password).await?;
    auth.readers.forget_user(user.user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Download everything stored about the signed-in user, as JSON.
///
/// The account, every device session ever opened and every session logged, in one JSON
/// document sent as an attachment (data portability).
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user's data", body = Export,
            headers(
                ("content-disposition" = String,
                    description = "`attachment; filename=\"acupress-export.json\"`: browsers save the file instead of showing it"),
                ("cache-control" = String, description = "`no-store`: personal data is kept in no cache"),
            )),
    )
)]
#[get("/me/export")]
pub async fn export_me(
    user: AuthUser,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let export = account::export(&pool, &catalog.get(), user.user_id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            "attachment; filename=\"acupress-export.json\"",
        ))
        .insert_header(("cache-control", "no-store"))
        .json(export))
}

/// The devices signed in to this account.
///
/// Every device session that is still signed in, most recently used first, with the one
/// making the request marked `current`.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed-in devices", body = DeviceList),
    )
)]
#[get("/me/devices")]
pub async fn list_devices(user: AuthUser, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let items = auth_store::live_devices(&mut conn, user.user_id, user.session_id).await?;
    Ok(HttpResponse::Ok().json(DeviceList { items }))
}

/// Sign one device out.
///
/// 404 for an id that is not one of this account's signed-in devices.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Device (session) id")),
    responses(
        (status = 204, description = "The device is signed out"),
    )
)]
#[delete("/me/devices/{id}")]
pub async fn revoke_device(
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<DeviceSessionId>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let why = ("device_revoked", SecurityEventKind::DeviceRevoked);
    if sessions::sign_out_device(&pool, user.user_id, *id, why, &Client::of(&req)).await? {
        auth.readers.forget_user(user.user_id);
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!("no signed-in device {id}")))
    }
}
