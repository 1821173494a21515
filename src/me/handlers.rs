//! `/v1/me`: the profile with its safety answers, password, devices, deletion, export.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, put, web};
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::auth::handlers::check_limits;
use crate::auth::store as auth_store;
use crate::auth::{AuthService, AuthUser, password, session_revoked};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::me::model::*;
use crate::me::store::{self, ProfileChanges, UserLock};
use crate::problems::ProblemCode;
use crate::users::TimeZone;
use crate::users::model::User;
use crate::users::store::{self as user_store, UserRow};
use crate::validate;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_me)
        .service(update_me)
        .service(change_password)
        .service(delete_me)
        .service(export_me)
        .service(list_devices)
        .service(revoke_device);
}

async fn current_row(pool: &DbPool, user: &AuthUser) -> ApiResult<UserRow> {
    let mut conn = db::conn(pool).await?;
    user_row(&mut conn, user.user_id).await
}

/// The signed-in user's row; an account deleted meanwhile signs the token out.
async fn user_row(conn: &mut AsyncPgConnection, user_id: Uuid) -> ApiResult<UserRow> {
    user_store::user_by_id(conn, user_id).await?.ok_or_else(|| {
        ApiError::unauthorized(ProblemCode::SessionRevoked, "this account no longer exists")
    })
}

fn wrong_password() -> ApiError {
    ApiError::Forbidden("the current password is not right".into())
}

/// Checks the account's password (guests have none and pass). Attempts take from the
/// same budget as logins: the client address, and the account by its email, so a
/// stolen access token gets no guesses of its own.
async fn confirm_password(
    req: &HttpRequest,
    auth: &AuthService,
    pool: &DbPool,
    row: &UserRow,
    given: Option<String>,
) -> ApiResult<()> {
    let Some(stored) = row.password_hash.clone() else {
        return Ok(());
    };
    let account = row.email.clone().unwrap_or_else(|| row.id.to_string());
    check_limits(pool, auth, req, Some(&account)).await?;
    let given = given.ok_or_else(|| ApiError::invalid("password", "is required to confirm"))?;
    if !password::verify(given, Some(stored)).await? {
        return Err(wrong_password());
    }
    Ok(())
}

/// In the writing transaction of a password change or deletion: locks the user's row,
/// then checks that this device is still signed in (else 401 `session_revoked`) and
/// that the password is still the one verified before (else 409 `password_changed`).
/// Either way the caller writes nothing.
async fn recheck_under_lock(
    conn: &mut AsyncPgConnection,
    user: &AuthUser,
    verified: Option<&str>,
    lock: UserLock,
) -> ApiResult<()> {
    let stored = store::lock_for_credentials(conn, user.user_id, user.session_id, lock)
        .await?
        .ok_or_else(session_revoked)?;
    if stored.as_deref() != verified {
        return Err(ApiError::conflict(
            ProblemCode::PasswordChanged,
            "the password was changed while this request was handled; nothing was written",
        ));
    }
    Ok(())
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
    Ok(HttpResponse::Ok().json(current_row(&pool, &user).await?.to_user()))
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
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner();
    let changes = ProfileChanges {
        display_name: patch
            .display_name
            .as_deref()
            .map(validate::display_name)
            .transpose()?,
        locale: patch.locale.as_deref().map(validate::locale).transpose()?,
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
    let row = current_row(&pool, &user).await?;
    if row.password_hash.is_none() {
        return Err(ApiError::conflict(
            ProblemCode::GuestAccount,
            "a guest account has no password; upgrade it first",
        ));
    }
    confirm_password(&req, &auth, &pool, &row, Some(body.current_password)).await?;
    let email = row.email.clone().unwrap_or_default();
    let hash = password::hash_new(
        "new_password",
        &body.new_password,
        &[&email, &row.display_name],
    )
    .await?;
    let mut conn = db::conn(&pool).await?;
    let verified = row.password_hash;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        recheck_under_lock(conn, &user, verified.as_deref(), UserLock::ForChange).await?;
        store::set_password(conn, user.user_id, &hash).await?;
        auth_store::revoke_other_sessions(
            conn,
            user.user_id,
            Some(user.session_id),
            "password_changed",
        )
        .await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
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
    let row = current_row(&pool, &user).await?;
    confirm_password(&req, &auth, &pool, &row, body.into_inner().password).await?;
    let mut conn = db::conn(&pool).await?;
    let verified = row.password_hash;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        recheck_under_lock(conn, &user, verified.as_deref(), UserLock::ForDelete).await?;
        store::delete_user(conn, user.user_id).await?;
        Ok(())
    })
    .await?;
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
pub async fn export_me(user: AuthUser, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let user_id = user.user_id;
    // One snapshot: a write that lands meanwhile is wholly in the export or not at all.
    let (row, devices, sessions) = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run::<_, ApiError, _>(async move |conn| {
            let row = user_row(conn, user_id).await?;
            let devices = store::all_sessions(conn, user_id).await?;
            let sessions = crate::history::store::all_live(conn, user_id).await?;
            Ok((row, devices, sessions))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            "content-disposition",
            "attachment; filename=\"acupress-export.json\"",
        ))
        .insert_header(("cache-control", "no-store"))
        .json(Export {
            exported_at: Utc::now(),
            user: row.to_user(),
            devices,
            sessions,
        }))
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
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    if auth_store::revoke_session(&mut conn, user.user_id, *id, "device_revoked").await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!("no signed-in device {id}")))
    }
}
