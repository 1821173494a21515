//! `Idempotency-Key` on POST: a retry with the same key and body replays the first
//! response, the same key with another body is 422, and a key whose first request is
//! still running is 409. Keys are kept per user for at least 24 hours.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::schema::idempotency_keys;
use crate::error::{ApiError, ApiResult};

pub const HEADER: &str = "idempotency-key";

/// How long a first request may run before its key is considered abandoned (far beyond
/// the pool and statement timeouts that bound a request's database work).
const IN_FLIGHT_LIMIT_SECS: i32 = 60;
/// Keys are forgotten after this (the conventions ask for at least 24 hours).
pub const KEEP_HOURS: i64 = 48;

/// The key sent with a request, if any (400 when it is not a UUID).
pub fn key_of(req: &HttpRequest) -> ApiResult<Option<Uuid>> {
    match req.headers().get(HEADER) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| Uuid::parse_str(s.trim()).ok())
            .map(Some)
            .ok_or_else(|| ApiError::bad_param("Idempotency-Key", "must be a UUID")),
    }
}

/// Fingerprint of a request body (its canonical JSON).
pub fn fingerprint<T: Serialize>(body: &T) -> Vec<u8> {
    Sha256::digest(serde_json::to_vec(body).unwrap_or_default()).to_vec()
}

/// What to do with a keyed request.
pub enum Claim {
    /// First time: do the work, then `complete` in the same transaction.
    Fresh,
    /// Done before: send this again.
    Replay(HttpResponse),
}

/// Claims `key` for this request in a short transaction of its own, so a concurrent
/// retry sees it as in flight.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    key: Uuid,
    hash: &[u8],
) -> ApiResult<Claim> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    type Row = (
        Vec<u8>,
        bool,
        Option<i16>,
        Option<serde_json::Value>,
        Option<String>,
    );
    let (stored_hash, completed, status, body, location): Row = idempotency_keys::table
        .find((user_id, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::completed,
            idempotency_keys::response_status,
            idempotency_keys::response_body,
            idempotency_keys::response_location,
        ))
        .first(conn)
        .await?;
    if !completed {
        // Taken over only when the first request was abandoned (its process died). The
        // age is judged by the database's clock, the one that stamped `created_at`.
        let taken = diesel::update(
            idempotency_keys::table
                .find((user_id, key))
                .filter(idempotency_keys::completed.eq(false))
                .filter(idempotency_keys::created_at.lt(diesel::dsl::sql::<
                    diesel::sql_types::Timestamptz,
                >(&format!(
                    "now() - interval '{IN_FLIGHT_LIMIT_SECS} seconds'"
                )))),
        )
        .set((
            idempotency_keys::created_at.eq(diesel::dsl::now),
            idempotency_keys::request_hash.eq(hash),
        ))
        .execute(conn)
        .await?;
        if taken == 1 {
            return Ok(Claim::Fresh);
        }
        return Err(ApiError::conflict(
            "idempotency_key_in_flight",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        ));
    }
    if stored_hash != hash {
        return Err(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            detail: "this Idempotency-Key was used with a different request body".into(),
            errors: Vec::new(),
        });
    }
    let status = status
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::OK);
    let mut res = HttpResponse::build(status);
    res.insert_header(("idempotency-replayed", "true"));
    if let Some(location) = location {
        res.insert_header(("location", location));
    }
    Ok(Claim::Replay(match body {
        Some(body) => res.json(body),
        None => res.finish(),
    }))
}
/// Records the response (in the transaction that did the work).
pub async fn complete<T: Serialize>(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    key: Uuid,
    status: StatusCode,
    location: Option<&str>,
    body: &T,
) -> ApiResult<()> {
    let body = serde_json::to_value(body).map_err(ApiError::internal)?;
    diesel::update(idempotency_keys::table.find((user_id, key)))
        .set((
            idempotency_keys::completed.eq(true),
            idempotency_keys::response_status.eq(status.as_u16() as i16),
            idempotency_keys::response_body.eq(body),
            idempotency_keys::response_location.eq(location),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Frees a key whose request failed, so that a retry runs again.
pub async fn release(conn: &mut AsyncPgConnection, user_id: Uuid, key: Uuid) -> ApiResult<()> {
    diesel::delete(idempotency_keys::table.find((user_id, key)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets keys older than [`KEEP_HOURS`].
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.lt(Utc::now() - Duration::hours(KEEP_HOURS))),
    )
    .execute(conn)
    .await
}
