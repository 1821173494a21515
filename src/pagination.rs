//! What every list shares: the `limit` parameter, catalog-reference filters, the hash
//! that ties a cursor to its query, and opaque cursors (base64url of a small JSON
//! body), with the one `invalid_cursor` problem for any cursor that does not fit.

use std::hash::{DefaultHasher, Hash, Hasher};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError};
use crate::problems::ProblemCode;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// Why a list cursor is refused: it was made for another query, or not by us.
pub const NOT_FOR_THIS_QUERY: &str = "is not a cursor issued by this API for this query";

/// Parses `limit`: a number (400 otherwise) within 1..=100 (422 otherwise).
pub fn parse_limit(raw: Option<&str>) -> Result<usize, ApiError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_LIMIT);
    };
    let value: i64 = raw.trim().parse().map_err(|_| {
        ApiError::bad_param(ProblemCode::BadQuery, "limit", "must be a whole number")
    })?;
    if (1..=MAX_LIMIT as i64).contains(&value) {
        Ok(value as usize)
    } else {
        Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ))
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

/// Fingerprint of the parsed, canonical filters a list was asked with (everything but
/// limit and cursor), so a cursor continues only an equivalent query.
pub fn filter_hash(filters: &impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    filters.hash(&mut hasher);
    hasher.finish()
}

/// The 400 for a cursor we refuse; `message` says why, after the word "cursor".
pub fn invalid_cursor(message: &str) -> ApiError {
    ApiError::BadRequest {
        code: ProblemCode::InvalidCursor,
        detail: format!("cursor {message}"),
        errors: vec![FieldError::new("cursor", message)],
    }
}

/// The opaque form of a cursor body: base64url (no padding) of its JSON.
pub fn seal(body: &impl Serialize) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(body).expect("cursor serializes"))
}

/// The body of an opaque cursor; `None` when it is not one of this shape.
pub fn open<T: DeserializeOwned>(raw: &str) -> Option<T> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Where a page of a list ordered newest first by (time, id) ended.
#[derive(Serialize, Deserialize)]
struct TimeCursor {
    t: chrono::DateTime<chrono::Utc>,
    i: uuid::Uuid,
}

/// The (time, id) a newest-first list continues before; none for the first page (also
/// an empty cursor, as generated clients send), 400 for anything not issued by us.
pub fn open_time_cursor(
    raw: Option<&str>,
) -> Result<Option<(chrono::DateTime<chrono::Utc>, uuid::Uuid)>, ApiError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(raw) => open::<TimeCursor>(raw)
            .map(|c| Some((c.t, c.i)))
            .ok_or_else(|| invalid_cursor(NOT_FOR_THIS_QUERY)),
    }
}

/// Cuts `rows` (read with one more than `limit`) to a page, with the cursor after its
/// last row when more follow; `key` gives a row's (time, id).
pub fn time_page<T>(
    rows: &mut Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> (chrono::DateTime<chrono::Utc>, uuid::Uuid),
) -> Option<String> {
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    let (t, i) = key(rows.last()?);
    Some(seal(&TimeCursor { t, i }))
}

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

pub fn encode_cursor(key: SortKey, filters: u64) -> String {
    seal(&CursorBody {
        v: 1,
        k: key,
        f: filters,
    })
}

/// Decodes a cursor issued for the same filters; anything else is a 400.
pub fn decode_cursor(raw: Option<&str>, filters: u64) -> Result<Option<SortKey>, ApiError> {
    // An empty cursor (as generated clients send for "none") means the first page.
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    match open::<CursorBody>(raw.trim()) {
        Some(body) if body.v == 1 && body.f == filters => Ok(Some(body.k)),
        _ => Err(invalid_cursor(NOT_FOR_THIS_QUERY)),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn is_bad_query(r: Result<usize, ApiError>) -> bool {
        matches!(
            r,
            Err(ApiError::BadRequest {
                code: ProblemCode::BadQuery,
                ..
            })
        )
    }

    fn is_unprocessable(r: Result<usize, ApiError>) -> bool {
        matches!(r, Err(ApiError::Validation { .. }))
    }

    #[test]
    fn limit_defaults_and_accepts_its_bounds() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(parse_limit(Some("1")).unwrap(), 1);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        assert_eq!(parse_limit(Some(" 42 ")).unwrap(), 42);
    }

    #[test]
    fn limit_outside_its_bounds_is_422() {
        for raw in ["0", "101", "-1", "99999999999"] {
            assert!(is_unprocessable(parse_limit(Some(raw))), "{raw}");
        }
    }

    #[test]
    fn limit_with_leading_zeros_is_the_same_number() {
        assert_eq!(parse_limit(Some("0100")).unwrap(), 100);
        assert_eq!(parse_limit(Some("007")).unwrap(), 7);
        assert!(is_unprocessable(parse_limit(Some("000"))));
    }

    #[test]
    fn limit_that_is_not_a_whole_number_is_400() {
        for raw in [
            "",
            " ",
            "ten",
            "1.5",
            "1e2",
            "0x10",
            "١٠",
            "99999999999999999999",
        ] {
            assert!(is_bad_query(parse_limit(Some(raw))), "{raw:?}");
        }
    }

    #[test]
    fn known_resolves_or_names_the_field() {
        let resolve = |s: &str| (s == "neck-pain").then_some("neck-pain");
        assert_eq!(known("condition", None, resolve).unwrap(), None);
        assert_eq!(
            known("condition", Some("neck-pain"), resolve)
                .unwrap()
                .as_deref(),
            Some("neck-pain")
        );
        let Err(ApiError::Validation { errors, .. }) = known("condition", Some("x"), resolve)
        else {
            panic!("an unknown slug is 422");
        };
        assert_eq!(errors[0].field, "condition");
    }

    #[test]
    fn filter_hash_is_equal_for_equal_filters_only() {
        assert_eq!(filter_hash(&("a", Some(1))), filter_hash(&("a", Some(1))));
        assert_ne!(
            filter_hash(&("a", Some(1))),
            filter_hash(&("a", None::<i32>))
        );
    }

    #[test]
    fn envelope_round_trips_and_refuses_other_shapes() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Body {
            n: i64,
        }
        let sealed = seal(&Body { n: -7 });
        assert!(
            sealed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "url-safe, no padding: {sealed}"
        );
        assert_eq!(open::<Body>(&sealed), Some(Body { n: -7 }));
        assert_eq!(open::<Body>("not-base64!"), None);
        assert_eq!(open::<Body>(&URL_SAFE_NO_PAD.encode(b"{\"m\":1}")), None);
        assert_eq!(open::<Body>(&URL_SAFE_NO_PAD.encode(b"not json")), None);
    }

    #[test]
    fn invalid_cursor_is_a_400_naming_the_cursor() {
        let ApiError::BadRequest {
            code,
            detail,
            errors,
        } = invalid_cursor(NOT_FOR_THIS_QUERY)
        else {
            panic!("400");
        };
        assert_eq!(code, ProblemCode::InvalidCursor);
        assert_eq!(
            detail,
            "cursor is not a cursor issued by this API for this query"
        );
        assert_eq!(errors[0].field, "cursor");
        assert_eq!(errors[0].message, NOT_FOR_THIS_QUERY);
    }

    #[test]
    fn cursors_round_trip_and_reject_forgery() {
        let f = filter_hash(&[("q", Some("hegu"))]);
        let c = encode_cursor([1, -2, 3], f);
        assert_eq!(decode_cursor(Some(&c), f).unwrap(), Some([1, -2, 3]));
        assert_eq!(
            decode_cursor(Some(&format!(" {c} ")), f).unwrap(),
            Some([1, -2, 3])
        );
        assert_eq!(decode_cursor(None, f).unwrap(), None);
        assert_eq!(
            decode_cursor(Some(" "), f).unwrap(),
            None,
            "empty is the first page"
        );
        assert!(decode_cursor(Some(&c), f + 1).is_err(), "other query");
        assert!(decode_cursor(Some("not-base64!"), f).is_err());
        assert!(decode_cursor(Some(&URL_SAFE_NO_PAD.encode(b"{\"x\":1}")), f).is_err());
        let other_version = seal(&CursorBody {
            v: 2,
            k: [1, -2, 3],
            f,
        });
        assert!(
            decode_cursor(Some(&other_version), f).is_err(),
            "format version"
        );
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

    fn walk(items: &[(SortKey, usize)], limit: usize) -> Vec<Vec<usize>> {
        let (mut pages, mut cursor) = (Vec::new(), None);
        loop {
            let (page, next) = paginate(items.to_vec(), cursor, limit, 7);
            pages.push(page);
            match next {
                Some(c) => cursor = decode_cursor(Some(&c), 7).unwrap(),
                None => return pages,
            }
        }
    }

    #[test]
    fn an_exact_last_page_has_no_next_cursor() {
        let items: Vec<(SortKey, usize)> = (0..6).map(|i| ([i, 0, 0], i as usize)).collect();
        assert_eq!(walk(&items, 3), [vec![0, 1, 2], vec![3, 4, 5]]);
        assert_eq!(walk(&items, 6), [vec![0, 1, 2, 3, 4, 5]]);
        assert_eq!(walk(&items, 100), [vec![0, 1, 2, 3, 4, 5]]);
        assert_eq!(walk(&items, 1).len(), 6, "one item a page");
        assert_eq!(
            walk(&[], 20),
            [Vec::<usize>::new()],
            "an empty list is one empty page"
        );
    }

    #[test]
    fn a_page_starts_strictly_after_its_cursor() {
        let items: Vec<(SortKey, usize)> = (0..5).map(|i| ([1, i, 0], i as usize)).collect();
        let (page, _) = paginate(items.clone(), Some([1, 2, 0]), 10, 7);
        assert_eq!(page, [3, 4]);
        // The item the cursor stood on is gone (deleted meanwhile): the page goes on after
        // where it stood, without repeating or skipping.
        let (page, _) = paginate(items.clone(), Some([1, 2, -1]), 10, 7);
        assert_eq!(page, [2, 3, 4]);
        let (page, next) = paginate(items, Some([9, 0, 0]), 10, 7);
        assert!(page.is_empty() && next.is_none(), "past the end");
    }

    #[test]
    fn cursors_keep_the_extreme_keys() {
        let key = [i64::MIN, i64::MAX, 0];
        let f = filter_hash(&"extremes");
        let c = encode_cursor(key, f);
        assert_eq!(decode_cursor(Some(&c), f).unwrap(), Some(key));
        let with_u64_max = encode_cursor(key, u64::MAX);
        assert_eq!(
            decode_cursor(Some(&with_u64_max), u64::MAX).unwrap(),
            Some(key)
        );
    }

    #[test]
    fn a_cursor_altered_in_transit_or_of_another_list_is_refused() {
        let f = filter_hash(&("meridian", "LI"));
        let c = encode_cursor([1, 2, 3], f);
        let refused = |raw: &str| {
            matches!(
                decode_cursor(Some(raw), f),
                Err(ApiError::BadRequest {
                    code: ProblemCode::InvalidCursor,
                    ..
                })
            )
        };
        // padding, a character that is not base64url, a cut, another filter hash
        for raw in [
            format!("{c}="),
            format!("{c}+"),
            c[..c.len() - 2].to_owned(),
            format!("f{}", &c[1..]),
            seal(&serde_json::json!({"v": 1, "k": [1, 2, 3], "f": f.wrapping_add(1)})),
        ] {
            assert!(refused(&raw), "{raw}");
        }
        // bodies of another shape: a key of two numbers, numbers as strings, no version
        for body in [
            serde_json::json!({"v": 1, "k": [1, 2], "f": f}),
            serde_json::json!({"v": 1, "k": ["1", "2", "3"], "f": f}),
            serde_json::json!({"k": [1, 2, 3], "f": f}),
        ] {
            assert!(refused(&seal(&body)), "{body}");
        }
    }

    #[test]
    fn limit_accepts_a_sign_and_refuses_separators() {
        assert_eq!(parse_limit(Some("+5")).unwrap(), 5);
        for raw in ["1_0", "1,0", "5 5", "\u{0}5"] {
            assert!(is_bad_query(parse_limit(Some(raw))), "{raw:?}");
        }
        assert!(is_unprocessable(parse_limit(Some("-0"))), "zero, signed");
    }
}
