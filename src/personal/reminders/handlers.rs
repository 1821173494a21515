//! `/v1/me/reminders`: create, list, read, change and delete the account's reminders.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use super::model::{Reminder, ReminderInput, ReminderList, ReminderPatch};
use crate::auth::AuthUser;
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::ApiResult;
use crate::http::Json;
use crate::problems::ProblemCode;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_reminder)
        .service(list_reminders)
        .service(get_reminder)
        .service(update_reminder)
        .service(delete_reminder);
}

/// Create a reminder.
///
/// Weekdays and a local time, in the account's time zone (it follows a change of it) or
/// in a zone of its own; optionally for a curated routine. At most 20 per account. The
/// answer says when it fires next, in UTC.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ReminderExists]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = ReminderInput,
    responses(
        (status = 201, description = "Stored", body = Reminder,
            headers(("location" = String, description = "The reminder's URL"))),
    )
)]
#[post("/me/reminders")]
pub async fn create_reminder(
    user: AuthUser,
    body: Json<ReminderInput>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let reminder =
        super::create(&mut conn, &catalog.get(), user.user_id, body.into_inner()).await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/v1/me/reminders/{}", reminder.id)))
        .json(reminder))
}

/// List the account's reminders, oldest first.
///
/// Every reminder of the account (there are at most 20, so there are no pages), each
/// with when it fires next; what a second device reads to schedule the same notifications.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every reminder (at most 20)", body = ReminderList),
    )
)]
#[get("/me/reminders")]
pub async fn list_reminders(user: AuthUser, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let items = super::list(&mut conn, user.user_id).await?;
    Ok(HttpResponse::Ok().json(ReminderList { items }))
}

/// Get one reminder.
///
/// The reminder and when it fires next; 404 for an id this account does not have.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Reminder id")),
    responses(
        (status = 200, description = "The reminder", body = Reminder),
    )
)]
#[get("/me/reminders/{id}")]
pub async fn get_reminder(
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    Ok(HttpResponse::Ok().json(super::get(&mut conn, user.user_id, *id).await?))
}

/// Change a reminder (JSON merge patch).
///
/// `null` clears `time_zone` (it then follows the account's), `routine` and `label`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Reminder id")),
    request_body = ReminderPatch,
    responses(
        (status = 200, description = "The reminder as changed", body = Reminder),
    )
)]
#[patch("/me/reminders/{id}")]
pub async fn update_reminder(
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<ReminderPatch>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let reminder = super::update(
        &mut conn,
        &catalog.get(),
        user.user_id,
        *id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(reminder))
}

/// Delete a reminder.
///
/// It stops firing on every device that reads the list again; 404 for an id this account
/// does not have (also when it was deleted already).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Reminder id")),
    responses(
        (status = 204, description = "Deleted"),
    )
)]
#[delete("/me/reminders/{id}")]
pub async fn delete_reminder(
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    super::delete(&mut conn, user.user_id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
