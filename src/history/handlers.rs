//! `/v1/me/sessions`, `/v1/me/sync` and `/v1/me/stats`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use diesel_async::AsyncConnection;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::{AuthUser, BearerClaims};
use crate::catalog::query;
use crate::catalog::store::{CatalogStore, Snapshot};
use crate::db::{self, DbPool};
use crate::error::{self, ApiError, ApiResult, FieldError};
use crate::history::model::*;
use crate::history::{rules, stats, store};
use crate::http::Json;
use crate::idempotency::{self, Claim};
use crate::users::store as user_store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_session)
        .service(list_sessions)
        .service(get_session)
        .service(update_session)
        .service(delete_session)
        .service(pull_changes)
        .service(push_changes)
        .service(get_stats);
}

/// The user's time zone.
async fn time_zone(pool: &DbPool, user: &AuthUser) -> ApiResult<chrono_tz::Tz> {
    let mut conn = db::conn(pool).await?;
    Ok(user_store::time_zone_of(&mut conn, user.user_id)
        .await?
        .tz())
}

fn session_exists() -> ApiError {
    ApiError::conflict("session_exists", "a session with this id already exists")
}

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
    tag = "history",
    security(("bearer" = [])),
    params(("idempotency-key" = Option<Uuid>, Header, description = "Makes retries safe")),
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
        (status = 400, response = error::BadRequest),
        (status = 401, response = error::Unauthorized),
        (status = 409, response = error::Conflict),
        (status = 422, response = error::Unprocessable),
        (status = 503, response = error::Unavailable),
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
        let body = store_new(&mut conn, &snapshot, &claims, input).await?;
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
            let body = store_new(conn, &snapshot, &claims, input).await?;
            let recorded = created(&body)?;
            idempotency::complete(conn, user_id, key, &hash, &recorded).await?;
            Ok((recorded, false))
        })
        .await?;
    Ok(response.into_response(replayed))
}

fn location_of(id: Uuid) -> String {
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

/// Validates and stores a new session in one statement that also checks that the
/// device is still signed in, bumps the counter and locks the user's row.
async fn store_new(
    conn: &mut diesel_async::AsyncPgConnection,
    snapshot: &Snapshot,
    claims: &crate::auth::tokens::Claims,
    input: SessionInput,
) -> ApiResult<SessionWithWarnings> {
    let valid = rules::validate(snapshot, input, Utc::now())?;
    match store::insert_new(conn, claims.sub, claims.sid, &valid).await? {
        Some((session, safety)) => Ok(SessionWithWarnings {
            warnings: rules::warnings(snapshot, &safety, &session.steps),
            session,
        }),
        // Rare: tell a signed-out device (or deleted account) from a taken id.
        None => {
            AuthUser::check(conn, claims).await?;
            Err(session_exists())
        }
    }
}

/// Filters of the session list.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SessionsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// From this local date (`2026-11-01`, in the user's time zone) or instant (RFC 3339), inclusive.
    #[param(example = "2026-11-01")]
    pub from: Option<String>,
    /// Up to this local date, inclusive, or instant, exclusive.
    #[param(example = "2026-11-30")]
    pub to: Option<String>,
    /// Condition slug.
    pub condition: Option<String>,
    /// Routine slug.
    pub routine: Option<String>,
    /// Point code in any spelling: sessions that pressed it.
    pub point: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ListCursor {
    t: DateTime<Utc>,
    i: Uuid,
    f: u64,
}

/// A date (local midnight in `tz`; `end` moves to the next midnight) or an instant.
/// Dates a query may name: anything else is refused before it reaches the database.
fn in_supported_range(field: &str, date: NaiveDate) -> ApiResult<NaiveDate> {
    if (1970..=9999).contains(&date.year()) {
        Ok(date)
    } else {
        Err(ApiError::invalid(field, "must be between 1970 and 9999"))
    }
}

fn parse_bound(field: &str, raw: &str, tz: chrono_tz::Tz, end: bool) -> ApiResult<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw.trim()) {
        in_supported_range(field, instant.date_naive())?;
        return Ok(as_stored(instant.with_timezone(&Utc)));
    }
    let date: NaiveDate = raw.trim().parse().map_err(|_| {
        ApiError::bad_param(field, "must be a date (YYYY-MM-DD) or an RFC 3339 instant")
    })?;
    let date = in_supported_range(field, date)?;
    let date = if end {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ApiError::invalid(field, "is not a date in your time zone"))
}

/// List sessions, newest first.
///
/// Keyset pagination on (started_at, id): every page costs the same however long the
/// history is.
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    params(SessionsQuery),
    responses(
        (status = 200, description = "A page of sessions", body = SessionList),
        (status = 400, response = error::BadRequest),
        (status = 401, response = error::Unauthorized),
        (status = 422, response = error::Unprocessable),
        (status = 503, response = error::Unavailable),
    )
)]
#[get("/me/sessions")]
pub async fn list_sessions(
    user: AuthUser,
    params: web::Query<SessionsQuery>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let q = params.into_inner();
    let limit = query::parse_limit(q.limit.as_deref())?;
    // Dates are local days: the time zone is only needed for them.
    let tz = if q.from.is_some() || q.to.is_some() {
        time_zone(&pool, &user).await?
    } else {
        chrono_tz::UTC
    };
    let snapshot = catalog.get();
    let filters = query::filter_hash(&[
        ("from", q.from.as_deref()),
        ("to", q.to.as_deref()),
        ("condition", q.condition.as_deref()),
        ("routine", q.routine.as_deref()),
        ("point", q.point.as_deref()),
    ]);
    let before = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => {
            let cursor: ListCursor = URL_SAFE_NO_PAD
                .decode(raw)
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .filter(|c: &ListCursor| c.f == filters)
                .ok_or_else(|| ApiError::BadRequest {
                    code: "invalid_cursor",
                    detail: "cursor is not a cursor issued by this API for this query".into(),
                    errors: vec![FieldError::new(
                        "cursor",
                        "is not a cursor issued by this API for this query",
                    )],
                })?;
            Some((cursor.t, cursor.i))
        }
    };
    let filter = store::ListFilter {
        from: q
            .from
            .as_deref()
            .map(|r| parse_bound("from", r, tz, false))
            .transpose()?,
        to: q
            .to
            .as_deref()
            .map(|r| parse_bound("to", r, tz, !r.contains('T')))
            .transpose()?,
        condition: query::known("condition", q.condition.as_deref(), |s| {
            snapshot.condition_slug(s)
        })?,
        routine: query::known("routine", q.routine.as_deref(), |s| {
            snapshot.routine_slug(s)
        })?,
        point: query::known("point", q.point.as_deref(), |s| snapshot.point_code(s))?,
        before,
    };
    let mut conn = db::conn(&pool).await?;
    let mut items = store::list(&mut conn, user.user_id, &filter, limit as i64 + 1).await?;
    let next_cursor = (items.len() > limit).then(|| {
        items.truncate(limit);
        let last = items.last().expect("a full page");
        let cursor = ListCursor {
            t: last.started_at,
            i: last.id,
            f: filters,
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("cursor serializes"))
    });
    Ok(HttpResponse::Ok().json(SessionList { items, next_cursor }))
}

/// One session. Another user's session is 404, as if it did not exist.
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 400, response = error::BadRequest),
        (status = 401, response = error::Unauthorized),
        (status = 404, response = error::NotFound),
        (status = 503, response = error::Unavailable),
    )
)]
#[get("/me/sessions/{id}")]
pub async fn get_session(
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let session = store::find(&mut conn, user.user_id, *id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no session {id}")))?;
    Ok(HttpResponse::Ok().json(session))
}

/// Change a session. Absent fields stay; `null` clears an optional one.
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    request_body = SessionPatch,
    responses(
        (status = 200, description = "The changed session", body = SessionWithWarnings),
        (status = 401, response = error::Unauthorized),
        (status = 404, response = error::NotFound),
        (status = 503, response = error::Unavailable),
    )
)]
#[patch("/me/sessions/{id}")]
pub async fn update_session(
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<SessionPatch>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let snapshot = catalog.get();
    let patch = body.into_inner();
    let user_id = user.user_id;
    let mut conn = db::conn(&pool).await?;
    let body = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let lock = store::lock_history(conn, user_id).await?;
            let current = store::find(conn, user_id, id)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no session {id}")))?;
            let valid = rules::validate(&snapshot, rules::patched(current, patch), Utc::now())?;
            let session = store::upsert(conn, user_id, &valid, lock.version + 1).await?;
            store::set_history_version(conn, user_id, lock.version + 1).await?;
            Ok(SessionWithWarnings {
                warnings: rules::warnings(&snapshot, &lock.safety, &session.steps),
                session,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

/// Delete a session (it becomes a tombstone that sync pulls report for 90 days).
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = error::BadRequest),
        (status = 401, response = error::Unauthorized),
        (status = 404, response = error::NotFound),
        (status = 503, response = error::Unavailable),
    )
)]
#[delete("/me/sessions/{id}")]
pub async fn delete_session(
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let (id, user_id) = (id.into_inner(), user.user_id);
    let mut conn = db::conn(&pool).await?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = store::lock_history(conn, user_id).await?;
        if !store::tombstone(conn, user_id, id, lock.version + 1).await? {
            return Err(ApiError::not_found(format!("no session {id}")));
        }
        store::set_history_version(conn, user_id, lock.version + 1).await?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A sync cursor: the user's history version it stands for, and a short fingerprint of
/// the account, so that a cursor kept by an app after switching accounts is refused
/// (400) rather than silently used against another account's counter.
#[derive(Serialize, Deserialize)]
struct SyncCursor {
    v: u8,
    u: String,
    h: i64,
}

const SYNC_CURSOR_FORMAT: u8 = 2;

fn account_fingerprint(user_id: Uuid) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(user_id.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

fn encode_sync_cursor(user_id: Uuid, version: i64) -> String {
    let cursor = SyncCursor {
        v: SYNC_CURSOR_FORMAT,
        u: account_fingerprint(user_id),
        h: version,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).expect("cursor serializes"))
}

/// The version a cursor stands for, checked against the account, the user's counter and
/// horizon. No cursor means everything (a full download is never too old).
fn decode_sync_cursor(
    user_id: Uuid,
    raw: Option<&str>,
    current: i64,
    purged: i64,
) -> ApiResult<i64> {
    let version = match raw.filter(|r| !r.is_empty()) {
        None => return Ok(0),
        Some(raw) => URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|b| serde_json::from_slice::<SyncCursor>(&b).ok())
            .filter(|c| {
                c.v == SYNC_CURSOR_FORMAT
                    && c.u == account_fingerprint(user_id)
                    && (0..=current).contains(&c.h)
            })
            .map(|c| c.h)
            .ok_or_else(|| ApiError::BadRequest {
                code: "invalid_cursor",
                detail: "cursor is not a sync cursor issued to this account".into(),
                errors: vec![FieldError::new(
                    "cursor",
                    "is not a sync cursor issued to this account",
                )],
            })?,
    };
    if version < purged {
        return Err(ApiError::Gone(
            "this cursor is older than the deletions kept (90 days); pull without a cursor".into(),
        ));
    }
    Ok(version)
}

/// Most changes in one pull response; `has_more` says when to pull again.
const PULL_PAGE: usize = 500;
/// Most changes in one push.
const PUSH_LIMIT: usize = 500;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The cursor of the previous pull or push; absent for everything.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// Pull every change since a cursor.
///
/// Sessions created or changed, and deletions as tombstones, in the order they were
/// committed; each appears once, with its latest state. The cursor is a server-side
/// counter, not a clock, so a change committed while another was being read is never
/// skipped. A cursor older than the 90 days of tombstones kept gets 410.
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    params(PullQuery),
    responses(
        (status = 200, description = "Changes since the cursor", body = SyncPull),
        (status = 400, response = error::BadRequest),
        (status = 401, response = error::Unauthorized),
        (status = 410, response = error::Gone),
        (status = 503, response = error::Unavailable),
    )
)]
#[get("/me/sync")]
pub async fn pull_changes(
    user: AuthUser,
    params: web::Query<PullQuery>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let (current, purged) = store::history_marks(&mut conn, user.user_id).await?;
    let since = decode_sync_cursor(user.user_id, params.cursor.as_deref(), current, purged)?;
    let mut rows =
        store::changes_since(&mut conn, user.user_id, since, PULL_PAGE as i64 + 1).await?;
    // Tombstones purged between the two reads would be missing: the cursor is too old.
    if params.cursor.as_deref().is_some_and(|c| !c.is_empty()) {
        let (_, purged_now) = store::history_marks(&mut conn, user.user_id).await?;
        decode_sync_cursor(user.user_id, params.cursor.as_deref(), i64::MAX, purged_now)?;
    }
    let has_more = rows.len() > PULL_PAGE;
    rows.truncate(PULL_PAGE);
    let cursor = encode_sync_cursor(user.user_id, rows.last().map_or(since, |r| r.version));
    let (live, gone): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.deleted_at.is_none());
    let mut order: Vec<(i64, PulledChange)> = gone
        .into_iter()
        .map(|r| {
            (
                r.version,
                PulledChange::Delete {
                    id: r.id,
                    deleted_at: r.deleted_at.unwrap_or(r.updated_at),
                },
            )
        })
        .collect();
    order.extend(live.into_iter().map(|r| {
        (
            r.version,
            PulledChange::Upsert {
                session: r.into_session(),
            },
        )
    }));
    order.sort_by_key(|(v, _)| *v);
    Ok(HttpResponse::Ok().json(SyncPull {
        changes: order.into_iter().map(|(_, c)| c).collect(),
        cursor,
        has_more,
    }))
}

/// Push offline changes, all or nothing.
///
/// Creates or replaces sessions by their client UUID (a retry updates, never
/// duplicates) and deletes by id (deleting what is gone is fine). If any record changed
/// on the server after the client's cursor, nothing is applied: 409 listing them; pull,
/// merge and push again.
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    request_body = SyncPush,
    responses(
        (status = 200, description = "All changes applied", body = SyncPushResult),
        (status = 401, response = error::Unauthorized),
        (status = 409, response = error::Conflict),
        (status = 410, response = error::Gone),
        (status = 503, response = error::Unavailable),
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
    if push.changes.len() > PUSH_LIMIT {
        return Err(ApiError::invalid(
            "changes",
            format!("must hold at most {PUSH_LIMIT} changes"),
        ));
    }
    let snapshot = catalog.get();
    let now = Utc::now();
    let mut problems: Vec<FieldError> = Vec::new();
    let mut planned: Vec<Result<rules::ValidSession, Uuid>> =
        Vec::with_capacity(push.changes.len());
    for (i, change) in push.changes.into_iter().enumerate() {
        match change {
            PushedChange::Upsert { session } if session.id.is_none() => {
                problems.push(FieldError::new(
                    format!("changes[{i}].session.id"),
                    "is required in a sync push",
                ));
            }
            PushedChange::Upsert { session } => match rules::validate(&snapshot, session, now) {
                Ok(valid) => planned.push(Ok(valid)),
                Err(ApiError::Validation { errors, .. }) => {
                    problems.extend(errors.into_iter().map(|e| {
                        FieldError::new(format!("changes[{i}].session.{}", e.field), e.message)
                    }))
                }
                Err(other) => return Err(other),
            },
            PushedChange::Delete { id } => planned.push(Err(id)),
        }
    }
    if !problems.is_empty() {
        return Err(ApiError::Validation {
            detail: format!(
                "{} change(s) are invalid; nothing was applied",
                problems.len()
            ),
            errors: problems,
        });
    }
    let user_id = user.user_id;
    let mut conn = db::conn(&pool).await?;
    let result = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let lock = store::lock_history(conn, user_id).await?;
            let before = lock.version;
            let since = decode_sync_cursor(user_id, push.cursor.as_deref(), before, lock.purged)?;
            let ids: Vec<Uuid> = planned
                .iter()
                .map(|p| p.as_ref().map_or_else(|id| *id, |s| s.id))
                .collect();
            let mut conflicts: Vec<FieldError> = Vec::new();
            // Only this account's records: ids are per account.
            for (id, version, deleted) in store::versions(conn, user_id, &ids).await? {
                if version <= since {
                    continue;
                }
                // A retried push (its response was lost) is not a conflict: deleting what
                // is gone, or sending exactly what the server already holds.
                let retried = match planned
                    .iter()
                    .rev()
                    .find(|p| p.as_ref().map_or_else(|d| *d, |s| s.id) == id)
                {
                    Some(Err(_)) => deleted,
                    Some(Ok(valid)) => store::find(conn, user_id, id)
                        .await?
                        .is_some_and(|current| rules::unchanged(valid, &current)),
                    None => false,
                };
                if !retried {
                    conflicts.push(FieldError::new(
                        id.to_string(),
                        "changed on the server after your cursor",
                    ));
                }
            }
            if !conflicts.is_empty() {
                return Err(ApiError::Conflict {
                    code: "sync_conflict",
                    detail:
                        "some records changed on the server after your cursor; nothing was applied"
                            .into(),
                    errors: conflicts,
                });
            }
            let mut version = before;
            let mut warnings = Vec::new();
            for change in &planned {
                match change {
                    Ok(valid) => {
                        version += 1;
                        let session = store::upsert(conn, user_id, valid, version).await?;
                        let found = rules::warnings(&snapshot, &lock.safety, &session.steps);
                        if !found.is_empty() {
                            warnings.push(SessionWarnings {
                                id: session.id,
                                warnings: found,
                            });
                        }
                    }
                    Err(id) => {
                        if store::tombstone(conn, user_id, *id, version + 1).await? {
                            version += 1;
                        }
                    }
                }
            }
            store::set_history_version(conn, user_id, version).await?;
            // A client that was up to date stays up to date; otherwise it pulls next.
            let cursor = encode_sync_cursor(user_id, if since == before { version } else { since });
            Ok(SyncPushResult {
                applied: planned.len(),
                cursor,
                warnings,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(result))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First local date (default: 29 days before `to`).
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub from: Option<String>,
    /// Last local date, inclusive (default: today in the user's time zone).
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<String>,
}

/// Longest range one stats request may cover.
const MAX_STATS_DAYS: i64 = 3 * 366;

/// Personal statistics in the user's time zone.
///
/// Sessions and minutes per local day and week, streaks (local days, correct across
/// daylight-saving changes), average pain and stress change overall and per condition,
/// routine and point, the most used points, and what works: for each condition logged,
/// the routines and points with the largest average improvement, each with the number
/// of sessions behind it, none on fewer than 3.
#[utoipa::path(
    tag = "history",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Statistics", body = Stats),
        (status = 400, response = error::BadRequest),
        (status = 401, response = error::Unauthorized),
        (status = 422, response = error::Unprocessable),
        (status = 503, response = error::Unavailable),
    )
)]
#[get("/me/stats")]
pub async fn get_stats(
    user: AuthUser,
    params: web::Query<StatsQuery>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let tz = time_zone(&pool, &user).await?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let date = |field: &str, raw: &Option<String>| -> ApiResult<Option<NaiveDate>> {
        raw.as_deref()
            .map(|r| {
                let date = r
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::bad_param(field, "must be a date (YYYY-MM-DD)"))?;
                in_supported_range(field, date)
            })
            .transpose()
    };
    let to = date("to", &params.to)?.unwrap_or(today);
    let from = date("from", &params.from)?
        .unwrap_or_else(|| to.checked_sub_signed(Duration::days(29)).unwrap_or(to));
    if from > to {
        return Err(ApiError::invalid("from", "must not be after `to`"));
    }
    if (to - from).num_days() >= MAX_STATS_DAYS {
        return Err(ApiError::invalid(
            "from",
            format!("the range must be shorter than {MAX_STATS_DAYS} days"),
        ));
    }
    let mut conn = db::conn(&pool).await?;
    let body = stats::compute(&mut conn, user.user_id, tz.name(), from, to, today).await?;
    Ok(HttpResponse::Ok().json(body))
}
