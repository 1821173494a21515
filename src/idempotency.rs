//! `Idempotency-Key` on POST: a retry with the same key and body replays the first
//! response byte for byte, the same key with another body is 422, and a key whose first
//! request is still running is 409. Keys are kept per user for at least 24 hours.
//!
//! Everything happens in the transaction that does the work: the claim is a
//! transaction-scoped advisory lock, and the key's row is written with the response just
//! before the commit. A request that fails, times out or loses its connection rolls
//! back: its lock ends with it and nothing is stored, so a retry runs at once.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::schema::idempotency_keys;
use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;
use crate::users::UserId;

pub const HEADER: &str = "idempotency-key";
/// Sent with `true` on a replayed response.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotency-replayed");
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
            .ok_or_else(|| {
                ApiError::bad_param(ProblemCode::BadRequest, "Idempotency-Key", "must be a UUID")
            }),
    }
}

/// Fingerprint of a request body (its canonical JSON).
pub fn fingerprint<T: Serialize>(body: &T) -> Vec<u8> {
    Sha256::digest(serde_json::to_vec(body).unwrap_or_default()).to_vec()
}

/// The advisory lock that marks `key` of `user_id` as in flight (64 bits of a hash of
/// both; a collision only makes an unrelated request wait for a 409's retry).
pub fn lock_id(user_id: UserId, key: Uuid) -> i64 {
    let digest = Sha256::new()
        .chain_update(Uuid::from(user_id).as_bytes())
        .chain_update(key.as_bytes())
        .finalize();
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// A response as it is sent and recorded: status, `Location` and the exact body bytes.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

impl Recorded {
    /// A JSON response, serialised once: these bytes are sent now and on every replay.
    pub fn json<T: Serialize>(
        status: StatusCode,
        location: Option<String>,
        body: &T,
    ) -> ApiResult<Self> {
        Ok(Self {
            status,
            location,
            body: serde_json::to_vec(body).map_err(ApiError::internal)?,
        })
    }

    /// The HTTP response; `replayed` adds `Idempotency-Replayed: true`.
    pub fn into_response(self, replayed: bool) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if replayed {
            res.insert_header((REPLAYED, "true"));
        }
        if let Some(location) = self.location {
            res.insert_header((header::LOCATION, location));
        }
        if self.body.is_empty() {
            return res.finish();
        }
        res.insert_header(header::ContentType::json())
            .body(self.body)
    }
}

/// What to do with a keyed request.
pub enum Claim {
    /// First time: do the work, then [`complete`] in the same transaction.
    Fresh,
    /// Done before: send this again.
    Replay(Recorded),
}

/// Claims `key` for this request. Call it inside the transaction that does the work:
/// the claim lasts exactly as long as that transaction.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    key: Uuid,
    hash: &[u8],
) -> ApiResult<Claim> {
    let locked: bool = diesel::select(
        diesel::dsl::sql::<Bool>("pg_try_advisory_xact_lock(")
            .bind::<BigInt, _>(lock_id(user_id, key))
            .sql(")"),
    )
    .get_result(conn)
    .await?;
    if !locked {
        return Err(ApiError::conflict(
            ProblemCode::IdempotencyKeyInFlight,
            "a request with this Idempotency-Key is still being processed; retry shortly",
        ));
    }
    type Row = (Vec<u8>, i16, Option<Vec<u8>>, Option<String>);
    let stored: Option<Row> = idempotency_keys::table
        .find((user_id, key))
        .select((
            idempotency_keys::request_hash,
            idempotency_keys::response_status,
            idempotency_keys::response_bytes,
            idempotency_keys::response_location,
        ))
        .first(conn)
        .await
        .optional()?;
    let Some((stored_hash, status, body, location)) = stored else {
        return Ok(Claim::Fresh);
    };
    if stored_hash != hash {
        return Err(ApiError::Unprocessable {
            code: ProblemCode::IdempotencyKeyReused,
            detail: "this Idempotency-Key was used with a different request body".into(),
            errors: Vec::new(),
        });
    }
    Ok(Claim::Replay(Recorded {
        status: u16::try_from(status)
            .ok()
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::OK),
        location,
        body: body.unwrap_or_default(),
    }))
}

/// Records the response, in the transaction that did the work (after [`claim`]).
pub async fn complete(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    key: Uuid,
    hash: &[u8],
    response: &Recorded,
) -> ApiResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::key.eq(key),
            idempotency_keys::request_hash.eq(hash),
            idempotency_keys::response_status.eq(response.status.as_u16() as i16),
            idempotency_keys::response_bytes.eq(&response.body),
            idempotency_keys::response_location.eq(response.location.as_deref()),
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recorded_response_is_sent_with_its_exact_bytes() {
        let body = br#"{"z":1,"a":2.50}"#.to_vec();
        let recorded = Recorded {
            status: StatusCode::CREATED,
            location: Some("/v1/me/sessions/x".into()),
            body: body.clone(),
        };
        let res = recorded.clone().into_response(true);
        assert_eq!(res.status(), StatusCode::CREATED);
        assert_eq!(res.headers().get(REPLAYED).unwrap(), "true");
        assert_eq!(
            res.headers().get(header::LOCATION).unwrap(),
            "/v1/me/sessions/x"
        );
        let bytes = actix_web::body::to_bytes(res.into_body());
        let bytes = futures_util::FutureExt::now_or_never(bytes)
            .unwrap()
            .unwrap();
        assert_eq!(bytes.as_ref(), body.as_slice());
        assert!(
            recorded
                .into_response(false)
                .headers()
                .get(REPLAYED)
                .is_none()
        );
    }

    #[test]
    fn lock_ids_differ_by_user_and_key() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let user = UserId::from;
        assert_eq!(lock_id(user(a), b), lock_id(user(a), b));
        assert_ne!(lock_id(user(a), b), lock_id(user(b), a));
        assert_ne!(lock_id(user(a), b), lock_id(user(a), a));
    }
}
