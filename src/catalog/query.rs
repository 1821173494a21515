//! Catalog list parameters: free-text search and fixed choices (the parameters every
//! list shares are in [`crate::pagination`]).

use std::str::FromStr;

use crate::error::ApiError;

const MAX_QUERY_CHARS: usize = 100;

/// Checks free text typed by a user: bounded length, no control characters.
pub fn parse_text(field: &str, raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// Parses a value of a closed set (422 naming the allowed values otherwise).
pub fn parse_choice<T: FromStr<Err = String>>(
    field: &str,
    raw: Option<&str>,
) -> Result<Option<T>, ApiError> {
    raw.map(|value| {
        value
            .parse()
            .map_err(|e: String| ApiError::invalid(field, e))
    })
    .transpose()
}
