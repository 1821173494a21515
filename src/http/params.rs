//! Path and query parameters: actix's extractors answer a malformed one with
//! problem+json instead of plain text.

use actix_web::error::{PathError, QueryPayloadError};
use actix_web::web;

use crate::error::ApiError;
use crate::problems::ProblemCode;

/// Extractor settings whose errors are problem+json instead of actix's plain text.
pub fn extractor_configs() -> (web::PathConfig, web::QueryConfig) {
    let path = web::PathConfig::default().error_handler(|err: PathError, req| {
        // Every path takes one parameter: the error names it, in the words of the spec.
        let field = req.match_info().iter().map(|(name, _)| name).next();
        let message = if err.to_string().contains("UUID") {
            "is not a UUID"
        } else {
            "has the wrong form"
        };
        ApiError::bad_param(ProblemCode::BadRequest, field.unwrap_or("path"), message).into()
    });
    let query = web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        let message = match &err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::bad_request(ProblemCode::BadQuery, format!("query string: {message}")).into()
    });
    (path, query)
}
