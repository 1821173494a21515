//! Logging set-up and the structured request log.

mod client_faults;

use std::time::Instant;

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};
use crate::request_id;
use client_faults::ClientFaultsAsWarnings;

/// Installs the global tracing subscriber (JSON lines or human-readable).
pub fn init(config: &Config) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let output = tracing_subscriber::fmt::layer().with_target(false);
    let registry = tracing_subscriber::registry().with(filter);
    let result = match config.log_format {
        LogFormat::Json => registry
            .with(ClientFaultsAsWarnings(
                output.json().flatten_event(true).with_current_span(false),
            ))
            .try_init(),
        LogFormat::Pretty => registry.with(ClientFaultsAsWarnings(output)).try_init(),
    };
    // A second init (tests, embedded use) keeps the first subscriber.
    drop(result);
}

/// Middleware: request id on every response, errors rendered inside the request's
/// scope (so problems carry the id), and one structured log line per request.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id::for_request(&req);
    let id_for_errors = id.clone();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let result: Result<_, actix_web::Error> = request_id::scope(id.clone(), async move {
        next.call(req)
            .await
            .map(problem_for_plain_error)
            .map_err(|err| {
                // Errors raised by middleware (CORS, ...) become problem+json here,
                // inside the scope, so they carry the request id too.
                let mut res = crate::error::ApiError::from_actix(&err).error_response();
                request_id::insert(res.headers_mut(), &id_for_errors);
                InternalError::from_response(err.to_string(), res).into()
            })
    })
    .await;
    let (status, route) = match &result {
        Ok(res) => (res.status().as_u16(), res.request().match_pattern()),
        Err(err) => (err.as_response_error().status_code().as_u16(), None),
    };
    crate::metrics::global().observe(
        method.as_str(),
        route.as_deref().unwrap_or(crate::metrics::UNMATCHED),
        status,
        started.elapsed(),
    );
    let result = result.map(|mut res| {
        request_id::insert(res.headers_mut(), &id);
        res
    });
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, %path, status, latency_ms, "request");
    } else {
        tracing::info!(request_id = %id, %method, %path, status, latency_ms, "request");
    }
    result
}

/// A framework or middleware error response that is not problem+json yet (a CORS
/// rejection, say) gets a problem body; its other headers are kept. The server's own
/// HTML pages (a mailed link's form) answer their errors as pages, and stay so.
fn problem_for_plain_error<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> ServiceResponse<actix_web::body::BoxBody> {
    let status = res.status();
    let is_problem = res
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes() == crate::error::PROBLEM_JSON.as_bytes()
                || v.as_bytes().starts_with(b"text/html")
        });
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return res.map_into_boxed_body();
    }
    let kept: Vec<_> = res
        .headers()
        .iter()
        .filter(|(name, _)| {
            *name != actix_web::http::header::CONTENT_TYPE
                && *name != actix_web::http::header::CONTENT_LENGTH
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let api_error = if status.is_server_error() {
        crate::error::ApiError::internal(status)
    } else {
        crate::error::ApiError::Http {
            status,
            detail: status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_owned(),
        }
    };
    let mut replacement = api_error.error_response();
    for (name, value) in kept {
        replacement.headers_mut().insert(name, value);
    }
    res.into_response(replacement)
}
