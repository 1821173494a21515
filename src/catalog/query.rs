//! List parameters and opaque keyset cursors.

use std::hash::{DefaultHasher, Hash, Hasher};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError};

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
const MAX_QUERY_CHARS: usize = 100;

/// A position in a sorted list: items are ordered by this key, ascending.
pub type SortKey = [i64; 3];

#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// Format version.
    v: u8,
    /// The sort key of the last item served.
    k: SortKey,
    /// Hash of the filters: a cursor only continues the query that issued it.
    f: u64,
}

/// Parses `limit`: a number (400 otherwise) within 1..=100 (422 otherwise).
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    let value: i64 = raw
        .trim()
        .parse()
        .map_err(|_| ApiError::bad_param("limit", "must be a whole number"))?;
    if (1..=MAX_LIMIT as i64).contains(&value) {
        Ok(value as usize)
    } else {
        Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ))
    }
}

/// Fingerprint of the parsed, canonical filters a list was asked with (everything but
/// limit and cursor), so a cursor continues only an equivalent query.
pub fn filter_hash(filters: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    filters.hash(&mut hasher);
    hasher.finish()
}

pub fn encode_cursor(key: SortKey, filters: u64) -> String {
    let body = serde_json::to_vec(&CursorBody {
        v: 1,
        k: key,
        f: filters,
    })
    .expect("cursor serializes");
    URL_SAFE_NO_PAD.encode(body)
}

/// Decodes a cursor issued for the same filters; anything else is a 400.
pub fn decode_cursor(raw: Option<&str>, filters: u64) -> Result<Option<SortKey>, ApiError> {
    // An empty cursor (as generated clients send for "none") means the first page.
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::BadRequest {
        code: "invalid_cursor",
        detail: "cursor is not a cursor issued by this API for this query".into(),
        errors: vec![FieldError::new(
            "cursor",
            "is not a cursor issued by this API for this query",
        )],
    };
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
    let body: CursorBody = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if body.v != 1 || body.f != filters {
        return Err(bad());
    }
    Ok(Some(body.k))
}

/// One page of `items` (already sorted by key) after `cursor`.
pub fn paginate<T>(
    items: Vec<(SortKey, T)>,
    cursor: Option<SortKey>,
    limit: usize,
    filters: u64,
) -> (Vec<T>, Option<String>) {
    let mut rest = items
        .into_iter()
        .filter(|(key, _)| cursor.is_none_or(|c| *key > c));
    let page: Vec<(SortKey, T)> = rest.by_ref().take(limit).collect();
    let next = match (page.last(), rest.next()) {
        (Some((key, _)), Some(_)) => Some(encode_cursor(*key, filters)),
        _ => None,
    };
    (page.into_iter().map(|(_, item)| item).collect(), next)
}

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

/// Checks a value against a fixed list (422 naming the allowed values otherwise).
pub fn parse_choice<'a>(
    field: &str,
    raw: Option<&'a str>,
    allowed: &[&str],
) -> Result<Option<&'a str>, ApiError> {
    match raw {
        None => Ok(None),
        Some(value) if allowed.contains(&value) => Ok(Some(value)),
        Some(value) => Err(ApiError::invalid(
            field,
            format!("`{value}` is not one of: {}", allowed.join(", ")),
        )),
    }
}

/// Resolves an optional catalog reference (`condition`, `routine`, `point`) to its
/// canonical form; an unknown one is a 422 naming the field.
pub fn known<'a>(
    field: &str,
    raw: Option<&str>,
    resolve: impl Fn(&str) -> Option<&'a str>,
) -> Result<Option<String>, ApiError> {
    raw.map(|value| {
        resolve(value)
            .map(str::to_owned)
            .ok_or_else(|| ApiError::invalid(field, format!("unknown {field} `{value}`")))
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgery() {
        let f = filter_hash(&[("q", Some("hegu"))]);
        let c = encode_cursor([1, -2, 3], f);
        assert_eq!(decode_cursor(Some(&c), f).unwrap(), Some([1, -2, 3]));
        assert!(decode_cursor(Some(&c), f + 1).is_err(), "other query");
        assert!(decode_cursor(Some("not-base64!"), f).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode(b"{\"x\":1}")), f).is_err());
    }

    #[test]
    fn pagination_walks_to_the_end() {
        let items: Vec<(SortKey, usize)> = (0..45).map(|i| ([0, 0, i as i64], i)).collect();
        let (mut seen, mut cursor) = (Vec::new(), None);
        loop {
            let (page, next) = paginate(items.clone(), cursor, 20, 7);
            seen.extend(page);
            match next {
                Some(c) => cursor = decode_cursor(Some(&c), 7).unwrap(),
                None => break,
            }
        }
        assert_eq!(seen, (0..45).collect::<Vec<_>>());
    }

    #[test]
    fn limits() {
        assert_eq!(parse_limit(None).unwrap(), 20);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        assert!(matches!(
            parse_limit(Some("0")),
            Err(ApiError::Validation { .. })
        ));
        assert!(matches!(
            parse_limit(Some("101")),
            Err(ApiError::Validation { .. })
        ));
        assert!(matches!(
            parse_limit(Some("-1")),
            Err(ApiError::Validation { .. })
        ));
        assert!(matches!(
            parse_limit(Some("ten")),
            Err(ApiError::BadRequest { .. })
        ));
    }
}
