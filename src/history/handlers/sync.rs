//! `/v1/me/sync`: pull and push offline changes.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;

use crate::auth::{AuthUser, SignedReader};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::ApiResult;
use crate::history::model::*;
use crate::history::sync;
use crate::http::{Json, Lang};
use crate::problems::ProblemCode;

/// Pull every change since a cursor.
///
/// Sessions created or changed, and deletions as tombstones, in the order they were
/// committed; each appears once, with its latest state. Own routines and reminders come
/// the same way (`routines`, `reminders`), and the favorites list whole when it changed. The cursor is a server-side
/// counter, not a clock, so a change committed while another was being read is never
/// skipped. A cursor older than the 90 days of tombstones kept gets 410.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::SyncCursorExpired, ProblemCode::ValidationFailed]))),
    tag = "history",
    security(("bearer" = [])),
    params(PullQuery),
    responses(
        (status = 200, description = "Changes since the cursor", body = SyncPull),
    )
)]
#[get("/me/sync")]
pub async fn pull_changes(
    req: HttpRequest,
    reader: SignedReader,
    params: web::Query<PullQuery>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let pull = sync::pull(
        &mut conn,
        &catalog.get(),
        Lang::negotiate(&req),
        &reader,
        params.cursor.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(pull))
}

/// Push offline changes, all or nothing.
///
/// Creates or replaces sessions by their client UUID (a retry updates, never
/// duplicates) and deletes by id (deleting what is gone is fine); own routines and
/// reminders likewise, and `favorites` replaces the list. If any record changed
/// on the server after the client's cursor, nothing is applied: 409 listing them; pull,
/// merge and push again.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::SyncConflict, ProblemCode::SyncCursorExpired, ProblemCode::WarningsNotAcknowledged]))),
    tag = "history",
    security(("bearer" = [])),
    request_body = SyncPush,
    responses(
        (status = 200, description = "All changes applied", body = SyncPushResult),
    )
)]
#[post("/me/sync")]
pub async fn push_changes(
    user: AuthUser,
    body: Json<SyncPush>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let push = body.into_inner();
    let snapshot = catalog.get();
    let cursor = push.cursor.clone();
    let mut conn = db::conn(&pool).await?;
    let planned = sync::plan(&mut conn, &snapshot, user.user_id, push, Utc::now()).await?;
    let result = sync::push(
        &mut conn,
        &snapshot,
        user.user_id,
        cursor.as_deref(),
        planned,
    )
    .await?;
    Ok(HttpResponse::Ok().json(result))
}
