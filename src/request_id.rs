//! Request ids: the id of the request a task is serving, taken from a client's
//! `x-request-id` when it is acceptable and made otherwise, so that a problem, the
//! response header and the log line of one request all carry the same id.

use std::future::Future;

use actix_web::dev::ServiceRequest;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT_REQUEST_ID: String;
}

/// The id of the request being served by this task, if any.
pub fn current() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `fut` as the serving of the request `id`: [`current`] gives `id` inside it.
pub fn scope<F: Future>(id: String, fut: F) -> impl Future<Output = F::Output> {
    CURRENT_REQUEST_ID.scope(id, fut)
}

/// A client-sent id is kept when it is short and printable; otherwise a UUIDv7 is made.
pub fn for_request(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 128
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// Sets the `x-request-id` response header.
pub fn insert(headers: &mut HeaderMap, id: &str) {
    if let Ok(value) = HeaderValue::from_str(id) {
        headers.insert(REQUEST_ID, value);
    }
}
