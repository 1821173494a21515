//! Reading request bodies within a deadline and a memory budget shared by all requests,
//! so that clients sending slowly, or not at all, cannot hold connections or memory
//! (checklist line 30).

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
use crate::error::ApiError;

/// The limits on request bodies, one set per process (shared by the workers).
pub struct BodyLimits {
    /// Largest body taken, after decompression (413 beyond).
    limit: usize,
    /// Time allowed for a whole body, counted from the end of the headers (408 after it).
    timeout: Duration,
    /// One permit per byte held by bodies being received or parsed, in all requests.
    memory: Arc<Semaphore>,
}

/// A body read in full, holding its bytes' share of the memory budget until dropped.
pub struct Body {
    pub bytes: Bytes,
    _held: Option<OwnedSemaphorePermit>,
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

/// Starts reading the request's body: 413 at once when its declared length is over the
/// limit, 413 when more arrives, 408 when it is not complete within the deadline, 503
/// `server_busy` when the bodies in flight already hold the whole memory budget.
///
/// The budget is taken as bytes arrive, not by the declared length, so a client that
/// declares a large body and sends nothing holds no memory, only its connection until
/// the deadline.
pub fn read(
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
            "malformed_body",
            format!("the body could not be read: {other}"),
        ),
    }
}
