//! Request bodies: the JSON extractors every handler uses, and the reading of a body
//! within a deadline and a memory budget shared by all requests, so that clients sending
//! slowly, or not at all, cannot hold connections or memory (checklist line 30).

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::dev::{Decompress, Payload};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Config;
use crate::error::{ApiError, FieldError};
use crate::problems::ProblemCode;

/// Reads a body that must be a JSON object. serde would also build a struct from an
/// array of its fields in order (`[]` for one whose fields are all optional), which no
/// client means; here the body is read as a map, so anything else is a 422, and the
/// struct is built from that map as usual (duplicate and unknown fields are refused).
struct ObjectBody<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectBody<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        d.deserialize_map(Object(std::marker::PhantomData))
            .map(Self)
    }
}

/// A JSON object body; anything else is a 400/413/415/422 problem (see [`read_json`]).
/// Every handler reads its body with this (or [`OptionalJson`]).
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload);
        Box::pin(async move {
            match body.await? {
                Some(value) => Ok(Self(value)),
                None => Err(ApiError::bad_request(
                    ProblemCode::MalformedJson,
                    "the request needs a JSON object as its body",
                )
                .into()),
            }
        })
    }
}

/// A JSON body that may be left out: no body (empty or only whitespace, however it is
/// framed, or `null`) gives `None`, but a body that is sent must be valid, with the same
/// 400/413/415/422 problems as [`Json`]. actix's own `Option<Json<T>>` would silently
/// drop a body it cannot read.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = read_json(req, payload);
        Box::pin(async move { Ok(Self(body.await?)) })
    }
}

/// Reads a body as a JSON object: `None` for no body (empty, whitespace or `null`); 413
/// beyond the body limit, 408 when it arrives too slowly, 503 when the bodies in flight
/// hold the whole memory budget (see [`read`]), 415 when it is not sent as JSON,
/// 400 when it is not JSON, 422 naming the field when a value has the wrong type.
fn read_json<T: serde::de::DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<Option<T>, actix_web::Error>> {
    let is_json = matches!(actix_web::HttpMessage::mime_type(req), Ok(Some(m))
        if m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON));
    let body = read(req, payload);
    Box::pin(async move {
        let held = body.await?;
        let body = &held.bytes;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if !is_json {
            return Err(ApiError::UnsupportedMediaType(
                "the body must be JSON, sent with Content-Type: application/json".into(),
            )
            .into());
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        let value: Option<ObjectBody<T>> =
            serde_path_to_error::deserialize(&mut de).map_err(|e| body_error(e, body))?;
        de.end().map_err(|e| {
            ApiError::bad_request(ProblemCode::MalformedJson, format!("malformed JSON: {e}"))
        })?;
        Ok(value.map(|b| b.0))
    })
}

/// A body that could not be read: 422 naming the field for a well-formed body with a
/// wrong value, 400 for broken JSON.
fn body_error(e: serde_path_to_error::Error<serde_json::Error>, body: &[u8]) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    let well_formed = || serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok();
    let message = if inner.is_data() {
        inner.to_string()
    } else if well_formed() {
        // serde_json reports a value of the wrong kind for an enum (null, a number) as a
        // syntax error, although the JSON is fine: it is the value that is refused.
        "must be one of the values the schema lists".to_owned()
    } else {
        return ApiError::bad_request(
            ProblemCode::MalformedJson,
            format!("malformed JSON: {inner}"),
        );
    };
    // serde names a missing or unknown field in its message; a wrong value by position
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|p| message.split_once(p))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    let field = match (path.as_str(), named) {
        ("." | "", Some(name)) => name.to_owned(),
        (parent, Some(name)) if message.starts_with("missing field") => format!("{parent}.{name}"),
        ("." | "", None) => "body".to_owned(),
        (path, _) => path.to_owned(),
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    ApiError::Validation {
        detail: format!("{field}: {message}"),
        errors: vec![FieldError::new(field, message)],
    }
}

/// The limits on request bodies, one set per process (shared by the workers).
pub struct BodyLimits {
    /// Largest body taken, after decompression (413 beyond).
    limit: usize,
    /// Time allowed for a whole body, counted from the end of the headers (408 after it).
    timeout: Duration,
    /// One permit per byte held by bodies being received or parsed, in all requests.
    memory: Arc<Semaphore>,
}

impl BodyLimits {
    pub fn new(config: &Config) -> Self {
        Self {
            limit: config.body_limit,
            timeout: config.serving.body_timeout,
            memory: Arc::new(Semaphore::new(config.serving.body_memory)),
        }
    }
}

/// A body read in full, holding its bytes' share of the memory budget until dropped.
struct Body {
    bytes: Bytes,
    _held: Option<OwnedSemaphorePermit>,
}

/// Starts reading the request's body: 413 at once when its declared length is over the
/// limit, 413 when more arrives, 408 when it is not complete within the deadline, 503
/// `server_busy` when the bodies in flight already hold the whole memory budget.
///
/// The budget is taken as bytes arrive, not by the declared length, so a client that
/// declares a large body and sends nothing holds no memory, only its connection until
/// the deadline.
fn read(
    req: &HttpRequest,
    payload: &mut Payload,
) -> LocalBoxFuture<'static, Result<Body, ApiError>> {
    let limits = req.app_data::<web::Data<BodyLimits>>().cloned();
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let stream = Decompress::from_headers(payload.take(), req.headers());
    let deadline = tokio::time::Instant::now();
    Box::pin(async move {
        let limits = limits.ok_or_else(|| ApiError::internal("body limits are not configured"))?;
        if declared.is_some_and(|n| n > limits.limit) {
            return Err(ApiError::PayloadTooLarge {
                limit: limits.limit,
            });
        }
        let deadline = deadline + limits.timeout;
        let mut stream = stream;
        let mut bytes = BytesMut::new();
        let mut held: Option<OwnedSemaphorePermit> = None;
        loop {
            let chunk = tokio::time::timeout_at(deadline, stream.next())
                .await
                .map_err(|_| ApiError::BodyTimeout {
                    seconds: limits.timeout.as_secs_f64(),
                })?;
            let Some(chunk) = chunk else { break };
            let chunk = chunk.map_err(|e| payload_error(e, limits.limit))?;
            if bytes.len() + chunk.len() > limits.limit {
                return Err(ApiError::PayloadTooLarge {
                    limit: limits.limit,
                });
            }
            let permit = u32::try_from(chunk.len())
                .ok()
                .and_then(|n| limits.memory.clone().try_acquire_many_owned(n).ok())
                .ok_or(ApiError::Busy(
                    "the server is receiving as much request data as it takes on at once; \
                     retry shortly",
                ))?;
            match &mut held {
                Some(held) => held.merge(permit),
                None => held = Some(permit),
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Body {
            bytes: bytes.freeze(),
            _held: held,
        })
    })
}

fn payload_error(e: PayloadError, limit: usize) -> ApiError {
    match e {
        PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
        other => ApiError::bad_request(
            ProblemCode::MalformedBody,
            format!("the body could not be read: {other}"),
        ),
    }
}
