//! `/v1/me/routines`: create, list, read, change and delete the account's own routines.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use uuid::Uuid;

use super::model::{
    OwnRoutine, OwnRoutineInput, OwnRoutineList, OwnRoutinePatch, OwnRoutinesQuery,
};
use crate::auth::{AuthUser, SignedReader};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::ApiResult;
use crate::http::{Json, Lang};
use crate::problems::ProblemCode;
use crate::users::answers::{self, Answers};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_own_routine)
        .service(list_own_routines)
        .service(get_own_routine)
        .service(update_own_routine)
        .service(delete_own_routine);
}

/// Create an own routine.
///
/// From scratch (`name` and `steps`), or as a copy of a curated routine (`from`), which
/// fills every field not sent and is kept as `origin`. At most 30 steps and 60 minutes in
/// all, 100 routines per account. A step on a point contraindicated for the account's
/// safety profile needs `acknowledge_warnings: true`; without it the answer is a 409
/// listing those steps, and nothing is stored. The answer carries the warnings.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::RoutineExists, ProblemCode::WarningsNotAcknowledged]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = OwnRoutineInput,
    responses(
        (status = 201, description = "Stored", body = OwnRoutine,
            headers(("location" = String, description = "The routine's URL"))),
    )
)]
#[post("/me/routines")]
pub async fn create_own_routine(
    req: HttpRequest,
    user: AuthUser,
    body: Json<OwnRoutineInput>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let lang = Lang::negotiate(&req);
    let routine = super::create(
        &mut conn,
        &catalog.get(),
        lang,
        user.user_id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Created()
        .insert_header(("location", format!("/v1/me/routines/{}", routine.id)))
        .json(routine))
}

/// List the account's own routines, newest first.
///
/// Keyset pages; each routine with its steps and the warnings of the account's safety
/// profile.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::ValidationFailed]))),
    tag = "me",
    security(("bearer" = [])),
    params(OwnRoutinesQuery),
    responses(
        (status = 200, description = "A page of own routines", body = OwnRoutineList),
    )
)]
#[get("/me/routines")]
pub async fn list_own_routines(
    req: HttpRequest,
    reader: SignedReader,
    query: web::Query<OwnRoutinesQuery>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
    answers: web::Data<Answers>,
) -> ApiResult<HttpResponse> {
    let snapshot = catalog.get();
    let lang = Lang::negotiate(&req);
    let key = answers::key(
        &snapshot.version,
        lang,
        &reader.profile,
        &req.uri().to_string(),
    );
    answers
        .answer(&pool, reader.user_id, key, async |conn| {
            super::list(
                conn,
                &snapshot,
                lang,
                reader.user_id,
                &reader.profile,
                &query,
            )
            .await
        })
        .await
}

/// Get one own routine.
///
/// With the point names in the language asked for and the warnings of the account's
/// safety profile; 404 for an id this account does not have.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Routine id")),
    responses(
        (status = 200, description = "The routine", body = OwnRoutine),
    )
)]
#[get("/me/routines/{id}")]
pub async fn get_own_routine(
    req: HttpRequest,
    reader: SignedReader,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let routine = super::get(
        &mut conn,
        &catalog.get(),
        Lang::negotiate(&req),
        reader.user_id,
        &reader.profile,
        *id,
    )
    .await?;
    Ok(HttpResponse::Ok().json(routine))
}

/// Change an own routine (JSON merge patch).
///
/// `null` clears `description`; `steps` and `conditions` are replaced whole. The result
/// is checked as a new routine is, contraindicated points included.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound, ProblemCode::WarningsNotAcknowledged]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Routine id")),
    request_body = OwnRoutinePatch,
    responses(
        (status = 200, description = "The routine as changed", body = OwnRoutine),
    )
)]
#[patch("/me/routines/{id}")]
pub async fn update_own_routine(
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<OwnRoutinePatch>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let routine = super::update(
        &mut conn,
        &catalog.get(),
        Lang::negotiate(&req),
        user.user_id,
        *id,
        body.into_inner(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(routine))
}

/// Delete an own routine.
///
/// Sessions that named it keep its id; sync pulls see it deleted. 404 for an id this
/// account does not have (also when it was deleted already).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Routine id")),
    responses(
        (status = 204, description = "Deleted"),
    )
)]
#[delete("/me/routines/{id}")]
pub async fn delete_own_routine(
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    super::delete(&mut conn, user.user_id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
