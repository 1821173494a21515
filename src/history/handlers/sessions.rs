//! `/v1/me/sessions`: record, list, read, change and delete sessions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use diesel_async::AsyncConnection;

use crate::auth::{AuthUser, BearerClaims};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::history::SessionId;
use crate::history::model::*;
use crate::history::{list, session};
use crate::http::Json;
use crate::idempotency::{self, Claim};
use crate::problems::ProblemCode;

/// Record a session.
///
/// The app may send its own `id` (ids are per account: another account's session with
/// the same id is a different record). Send an `Idempotency-Key` (a UUID) so that a
/// retry after a lost response stores it once: the same key and body replay the first
/// response byte for byte, another body is 422, a retry while the first is still
/// running is 409. A first request that failed (even with a 503) stored nothing and
/// leaves the key free: its retry runs at once. Points, routine and condition are
/// checked against the catalog. Points that are not advised for this user's safety
/// profile are accepted, with `warnings`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::SessionExists, ProblemCode::IdempotencyKeyReused, ProblemCode::IdempotencyKeyInFlight]))),
    tag = "history",
    security(("bearer" = [])),
    params(("idempotency-key" = Option<String>, Header,
        pattern = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        description = "A UUID that makes retries safe: a retry with the same key and body gets \
            the first answer again (kept 48 hours)")),
    request_body = SessionInput,
    responses(
        (status = 201, description = "Stored (or, with `Idempotency-Replayed`, stored before)",
            body = SessionWithWarnings,
            headers(
                ("location" = String, description = "The session's URL"),
                ("idempotency-replayed" = String,
                    description = "`true` when this is the first response to the same \
                        Idempotency-Key and body, sent again; absent on a first response"),
            )),
    )
)]
#[post("/me/sessions")]
pub async fn create_session(
    req: HttpRequest,
    claims: BearerClaims,
    body: Json<SessionInput>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let input = body.into_inner();
    let key = idempotency::key_of(&req)?;
    let claims = claims.0;
    let snapshot = catalog.get();
    let mut conn = db::conn(&pool).await?;
    let Some(key) = key else {
        // Without a key, the statement that stores the session also checks that the
        // device is still signed in (one round trip).
        let body = session::create(&mut conn, &snapshot, &claims, input).await?;
        return Ok(created(&body)?.into_response(false));
    };
    AuthUser::check(&mut conn, &claims).await?;
    let user_id = claims.sub;
    let hash = idempotency::fingerprint(&input);
    // The claim, the work and the recorded response commit together, or none of them
    // does: a failure (even a cut connection) leaves the key free for the retry.
    let (response, replayed) = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            if let Claim::Replay(recorded) = idempotency::claim(conn, user_id, key, &hash).await? {
                return Ok((recorded, true));
            }
            let body = session::create(conn, &snapshot, &claims, input).await?;
            let recorded = created(&body)?;
            idempotency::complete(conn, user_id, key, &hash, &recorded).await?;
            Ok((recorded, false))
        })
        .await?;
    Ok(response.into_response(replayed))
}

fn location_of(id: SessionId) -> String {
    format!("/v1/me/sessions/{id}")
}

/// The 201 of a stored session, serialised once (a replay sends these bytes).
fn created(body: &SessionWithWarnings) -> ApiResult<idempotency::Recorded> {
    idempotency::Recorded::json(
        StatusCode::CREATED,
        Some(location_of(body.session.id)),
        body,
    )
}

/// List sessions, newest first.
///
/// Keyset pagination on (started_at, id): every page costs the same however long the
/// history is.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::ValidationFailed]))),
    tag = "history",
    security(("bearer" = [])),
    params(SessionsQuery),
    responses(
        (status = 200, description = "A page of sessions", body = SessionList),
    )
)]
#[get("/me/sessions")]
pub async fn list_sessions(
    user: AuthUser,
    params: web::Query<SessionsQuery>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let page = list::page(&mut conn, &catalog.get(), user.user_id, &params).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// One session. Another user's session is 404, as if it did not exist.
///
/// The session as stored. The warnings for it come with the answers that write it (create
/// and PATCH); an app that shows a stored session again can PATCH nothing (`{}`) to get them.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = Session),
    )
)]
#[get("/me/sessions/{id}")]
pub async fn get_session(
    user: AuthUser,
    id: web::Path<SessionId>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let session = session::find(&mut conn, user.user_id, *id).await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Change a session. Absent fields stay; `null` clears an optional one.
///
/// A JSON merge patch: absent fields stay as they are; `null` clears routine, condition,
/// the ratings, mood or notes, and is a 422 for `started_at`, `duration_seconds` and
/// `steps`, which cannot be empty. The answer is the whole session with its warnings.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    request_body = SessionPatch,
    responses(
        (status = 200, description = "The changed session", body = SessionWithWarnings),
    )
)]
#[patch("/me/sessions/{id}")]
pub async fn update_session(
    user: AuthUser,
    id: web::Path<SessionId>,
    body: Json<SessionPatch>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let snapshot = catalog.get();
    let mut conn = db::conn(&pool).await?;
    let body = session::update(&mut conn, &snapshot, user.user_id, *id, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Delete a session (it becomes a tombstone that sync pulls report for 90 days).
///
/// The content is erased at once. A tombstone with the id and times stays for 90 days so
/// that other devices learn of the deletion when they sync; deleting twice is 404 the
/// second time.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Deleted"),
    )
)]
#[delete("/me/sessions/{id}")]
pub async fn delete_session(
    user: AuthUser,
    id: web::Path<SessionId>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    session::delete(&mut conn, user.user_id, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}
