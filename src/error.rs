//! One error type for the whole API, rendered as RFC 9457 problem+json.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::problems::ProblemCode;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client should wait before retrying when the database is unavailable.
const DB_RETRY_AFTER_SECS: u64 = 2;

/// One invalid field in a request.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[schema(example = json!({"field": "limit", "message": "must be between 1 and 100"}))]
pub struct FieldError {
    /// The field, query parameter or path segment at fault.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document. `code` is stable and meant for programs.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation-failed",
    "title": "Request is invalid",
    "status": 422,
    "detail": "limit must be between 1 and 100",
    "code": "validation_failed",
    "errors": [{"field": "limit", "message": "must be between 1 and 100"}],
    "request_id": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f"
}))]
pub struct Problem {
    /// A relative URI naming the problem type: `/problems/{code with dashes}`.
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ProblemCode,
    /// The fields at fault (empty when the problem is not about fields).
    pub errors: Vec<FieldError>,
    /// The request id, also in the `x-request-id` header and the server log (`null` only
    /// outside a request).
    #[schema(required = true)]
    pub request_id: Option<String>,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{detail}")]
    BadRequest {
        code: ProblemCode,
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{detail}")]
    Validation {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 422 with a specific code, e.g. `weak_password`.
    #[error("{detail}")]
    Unprocessable {
        code: ProblemCode,
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 401: missing or invalid credentials; always with `WWW-Authenticate: Bearer`.
    #[error("{detail}")]
    Unauthorized { code: ProblemCode, detail: String },
    #[error("{0}")]
    Forbidden(String),
    /// 403 with a specific code, e.g. `account_disabled`.
    #[error("{detail}")]
    Refused { code: ProblemCode, detail: String },
    #[error("{detail}")]
    Conflict {
        code: ProblemCode,
        detail: String,
        errors: Vec<FieldError>,
    },
    /// 410: a sync cursor older than the tombstones kept.
    #[error("{0}")]
    Gone(String),
    #[error("too many attempts; retry in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("{0}")]
    NotFound(String),
    /// A code whose status says it all (412 `revision_mismatch`, 428 `revision_required`).
    #[error("{detail}")]
    Status { code: ProblemCode, detail: String },
    /// 404 with a specific code, e.g. `provider_not_enabled`.
    #[error("{detail}")]
    Missing { code: ProblemCode, detail: String },
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// More work queued than the server takes on (password hashing): 503, retry soon.
    #[error("{0}")]
    Busy(&'static str),
    /// 503: an identity provider's keys cannot be fetched (down or too slow).
    #[error("{detail}")]
    ProviderUnavailable { retry_after: u64, detail: String },
    /// 408: the body did not arrive within `ACUPRESS_BODY_TIMEOUT_MS`.
    #[error("the request body did not arrive within {seconds} s")]
    BodyTimeout { seconds: f64 },
    /// 503 from `/readyz` once SIGTERM arrived: this instance is draining.
    #[error("this instance is shutting down")]
    ShuttingDown,
    #[error("internal error: {0}")]
    Internal(String),
    /// Any other HTTP error raised by the framework or a middleware.
    #[error("{detail}")]
    Http { status: StatusCode, detail: String },
}

impl ApiError {
    pub fn bad_request(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A 400 for one malformed parameter: `BadQuery` for the query string, `BadRequest` for
    /// a path segment or a header.
    pub fn bad_param(code: ProblemCode, field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::BadRequest {
            code,
            detail: format!("{field} {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// A 422 for one invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::Validation {
            detail: format!("{field} {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// `value` when `errors` is empty, else one 422 that lists every field error.
    pub fn unless_invalid<T>(errors: Vec<FieldError>, value: T) -> Result<T, Self> {
        if errors.is_empty() {
            return Ok(value);
        }
        Err(Self::Validation {
            detail: errors
                .iter()
                .map(|e| format!("{} {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            errors,
        })
    }

    /// A 401 that names what was wrong with the credentials.
    pub fn unauthorized(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::Unauthorized {
            code,
            detail: detail.into(),
        }
    }

    /// The signed-in account or device session is gone (deleted or signed out, perhaps
    /// while the request ran): 401 `session_revoked`, never a 500.
    pub fn account_gone() -> Self {
        Self::unauthorized(
            ProblemCode::SessionRevoked,
            "this session has been signed out or the account no longer exists",
        )
    }

    pub fn conflict(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound(what.into())
    }

    /// Converts an error raised outside the handlers (a middleware's) into a problem.
    pub fn from_actix(err: &actix_web::Error) -> Self {
        let status = err.as_response_error().status_code();
        if status.is_server_error() {
            Self::Internal(err.to_string())
        } else {
            Self::Http {
                status,
                detail: err.to_string(),
            }
        }
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        Self::Internal(error.to_string())
    }

    /// The problem code this error is answered with.
    pub fn code(&self) -> ProblemCode {
        match self {
            Self::BadRequest { code, .. }
            | Self::Unprocessable { code, .. }
            | Self::Unauthorized { code, .. }
            | Self::Conflict { code, .. }
            | Self::Missing { code, .. }
            | Self::Status { code, .. }
            | Self::Refused { code, .. } => *code,
            Self::Validation { .. } => ProblemCode::ValidationFailed,
            Self::Forbidden(_) => ProblemCode::Forbidden,
            Self::Gone(_) => ProblemCode::SyncCursorExpired,
            Self::TooManyRequests { .. } => ProblemCode::RateLimited,
            Self::NotFound(_) => ProblemCode::NotFound,
            Self::MethodNotAllowed { .. } => ProblemCode::MethodNotAllowed,
            Self::PayloadTooLarge { .. } => ProblemCode::PayloadTooLarge,
            Self::UnsupportedMediaType(_) => ProblemCode::UnsupportedMediaType,
            Self::Unavailable(_) => ProblemCode::ServiceUnavailable,
            Self::Busy(_) => ProblemCode::ServerBusy,
            Self::ProviderUnavailable { .. } => ProblemCode::ProviderUnavailable,
            Self::BodyTimeout { .. } => ProblemCode::BodyTimeout,
            Self::ShuttingDown => ProblemCode::ShuttingDown,
            Self::Internal(_) => ProblemCode::InternalError,
            Self::Http { status, .. } if *status == StatusCode::FORBIDDEN => ProblemCode::Forbidden,
            Self::Http { status, .. } if *status == StatusCode::NOT_ACCEPTABLE => {
                ProblemCode::NotAcceptable
            }
            Self::Http { .. } => ProblemCode::BadRequest,
        }
    }

    /// The text shown to the client; internals never leak.
    fn public_detail(&self) -> String {
        match self {
            Self::Unavailable(_) => {
                "The database is not reachable right now; retry shortly.".to_owned()
            }
            Self::Internal(_) => {
                "internal error; quote the request id when reporting it".to_owned()
            }
            other => other.to_string(),
        }
    }

    pub fn problem(&self) -> Problem {
        let code = self.code();
        let errors = match self {
            Self::BadRequest { errors, .. }
            | Self::Validation { errors, .. }
            | Self::Unprocessable { errors, .. }
            | Self::Conflict { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            type_: code.type_uri(),
            title: code.title().to_owned(),
            status: self.status_code().as_u16(),
            detail: self.public_detail(),
            code,
            errors,
            request_id: crate::request_id::current(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Validation { .. } | Self::Unprocessable { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Self::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::Refused { .. } => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound(_) | Self::Missing { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unavailable(_)
            | Self::Busy(_)
            | Self::ShuttingDown
            | Self::ProviderUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Http { status, .. } => *status,
            Self::Status { code, .. } => {
                StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            // The request id ties the log line to the answer the client quotes.
            Self::Internal(e) => tracing::error!(
                request_id = crate::request_id::current().unwrap_or_default(),
                error = %e,
                "internal error"
            ),
            Self::Unavailable(e) => tracing::warn!(
                request_id = crate::request_id::current().unwrap_or_default(),
                error = %e,
                "database unavailable"
            ),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        if matches!(
            self,
            Self::PayloadTooLarge { .. } | Self::BodyTimeout { .. } | Self::Busy(_)
        ) {
            // The body may be left unread: the connection cannot carry another request,
            // and the client must be told so rather than find it closed.
            res.force_close();
        }
        res.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        res.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            Self::MethodNotAllowed { allow } => {
                if let Ok(v) = HeaderValue::from_str(allow) {
                    res.insert_header((header::ALLOW, v));
                }
            }
            Self::Unavailable(_) | Self::Busy(_) | Self::ShuttingDown => {
                res.insert_header((
                    HeaderName::from_static("retry-after"),
                    DB_RETRY_AFTER_SECS.to_string(),
                ));
            }
            Self::TooManyRequests { retry_after }
            | Self::ProviderUnavailable { retry_after, .. } => {
                res.insert_header((
                    HeaderName::from_static("retry-after"),
                    retry_after.to_string(),
                ));
            }
            Self::Unauthorized { code, .. } => {
                // RFC 6750: `invalid_token` when a token was sent but is not acceptable.
                let value = if *code == ProblemCode::MissingToken {
                    "Bearer realm=\"acupress\"".to_owned()
                } else {
                    "Bearer realm=\"acupress\", error=\"invalid_token\"".to_owned()
                };
                res.insert_header((header::WWW_AUTHENTICATE, value));
            }
            _ => {}
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<crate::db::DbError> for ApiError {
    fn from(e: crate::db::DbError) -> Self {
        match e {
            crate::db::DbError::Unavailable(msg) => Self::Unavailable(msg),
            crate::db::DbError::AccountGone => Self::account_gone(),
            crate::db::DbError::Query(err) => Self::Internal(err.to_string()),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> Self {
        crate::db::DbError::from(e).into()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
