//! The two cursors of history: the session list's keyset position, tied to the
//! filters, and the sync position, tied to the account.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::history::SessionId;
use crate::pagination::{self, NOT_FOR_THIS_QUERY};
use crate::users::UserId;

/// Where a page of the session list ended: the last session's start and id, and the
/// hash of the filters it was listed with.
#[derive(Serialize, Deserialize)]
struct ListCursor {
    t: DateTime<Utc>,
    i: SessionId,
    f: u64,
}

/// The cursor that continues the session list after the session started at `t` with
/// id `i`, for the filters hashed as `filters`.
pub fn encode_list(t: DateTime<Utc>, i: SessionId, filters: u64) -> String {
    pagination::seal(&ListCursor { t, i, f: filters })
}

/// The position a list cursor stands for; no cursor (or an empty one) is the first page,
/// a cursor of another query or not ours is a 400.
pub fn decode_list(
    raw: Option<&str>,
    filters: u64,
) -> ApiResult<Option<(DateTime<Utc>, SessionId)>> {
    let Some(raw) = raw.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    pagination::open::<ListCursor>(raw)
        .filter(|c| c.f == filters)
        .map(|c| Some((c.t, c.i)))
        .ok_or_else(|| pagination::invalid_cursor(NOT_FOR_THIS_QUERY))
}

/// A sync cursor: the user's history version it stands for, and a short fingerprint of
/// the account, so that a cursor kept by an app after switching accounts is refused
/// (400) rather than silently used against another account's counter.
#[derive(Serialize, Deserialize)]
struct SyncCursor {
    v: u8,
    u: String,
    h: i64,
}

const SYNC_CURSOR_FORMAT: u8 = 2;

fn account_fingerprint(user_id: UserId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(Uuid::from(user_id).as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn encode_sync(user_id: UserId, version: i64) -> String {
    pagination::seal(&SyncCursor {
        v: SYNC_CURSOR_FORMAT,
        u: account_fingerprint(user_id),
        h: version,
    })
}

/// The version a cursor stands for, checked against the account, the user's counter and
/// horizon. No cursor means everything (a full download is never too old).
pub fn decode_sync(
    user_id: UserId,
    raw: Option<&str>,
    current: i64,
    purged: i64,
) -> ApiResult<i64> {
    let version = match raw.filter(|r| !r.is_empty()) {
        None => return Ok(0),
        Some(raw) => pagination::open::<SyncCursor>(raw)
            .filter(|c| {
                c.v == SYNC_CURSOR_FORMAT
                    && c.u == account_fingerprint(user_id)
                    && (0..=current).contains(&c.h)
            })
            .map(|c| c.h)
            .ok_or_else(|| {
                pagination::invalid_cursor("is not a sync cursor issued to this account")
            })?,
    };
    if version < purged {
        return Err(ApiError::Gone(
            "this cursor is older than the deletions kept (90 days); pull without a cursor".into(),
        ));
    }
    Ok(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::ProblemCode;

    fn user() -> UserId {
        UserId::from(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001))
    }

    fn session() -> SessionId {
        SessionId::from(Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002))
    }

    fn invalid<T>(r: &ApiResult<T>) -> bool {
        matches!(
            r,
            Err(ApiError::BadRequest {
                code: ProblemCode::InvalidCursor,
                ..
            })
        )
    }

    /// The cursor with the value under `key` changed.
    fn tampered(cursor: &str, key: &str) -> String {
        let mut body: serde_json::Value = pagination::open(cursor).unwrap();
        body[key] = serde_json::json!(body[key].as_i64().unwrap() + 1);
        pagination::seal(&body)
    }

    #[test]
    fn list_cursor_round_trips() {
        let t = "2026-11-20T08:30:00Z".parse().unwrap();
        let c = encode_list(t, session(), 42);
        assert_eq!(decode_list(Some(&c), 42).unwrap(), Some((t, session())));
        assert_eq!(decode_list(None, 42).unwrap(), None);
        assert_eq!(decode_list(Some(""), 42).unwrap(), None);
    }

    #[test]
    fn list_cursor_of_other_filters_is_refused() {
        let c = encode_list(Utc::now(), session(), 42);
        assert!(invalid(&decode_list(Some(&c), 43)));
        assert!(
            invalid(&decode_list(Some(&tampered(&c, "f")), 42)),
            "filters hash"
        );
    }

    #[test]
    fn list_cursor_that_is_not_ours_is_refused() {
        for raw in ["not-base64!", "e30", " ", "eyJ0IjoxfQ"] {
            assert!(invalid(&decode_list(Some(raw), 42)), "{raw:?}");
        }
    }

    #[test]
    fn sync_cursor_round_trips() {
        let c = encode_sync(user(), 17);
        assert_eq!(decode_sync(user(), Some(&c), 17, 0).unwrap(), 17);
        assert_eq!(decode_sync(user(), Some(&c), 99, 17).unwrap(), 17);
        assert_eq!(decode_sync(user(), None, 99, 50).unwrap(), 0, "no cursor");
        assert_eq!(decode_sync(user(), Some(""), 99, 50).unwrap(), 0, "empty");
    }

    #[test]
    fn sync_cursor_of_another_account_is_refused() {
        let other = UserId::from(Uuid::from_u128(2));
        let c = encode_sync(other, 3);
        assert!(invalid(&decode_sync(user(), Some(&c), 10, 0)));
        assert_eq!(decode_sync(other, Some(&c), 10, 0).unwrap(), 3);
    }

    #[test]
    fn tampered_sync_cursor_is_refused() {
        let c = encode_sync(user(), 3);
        // The version moved past the counter: a cursor from the future.
        assert!(invalid(&decode_sync(
            user(),
            Some(&tampered(&c, "h")),
            3,
            0
        )));
        assert!(
            invalid(&decode_sync(user(), Some(&c), 2, 0)),
            "beyond counter"
        );
        for raw in ["not-base64!", "e30", &c[1..]] {
            assert!(invalid(&decode_sync(user(), Some(raw), 10, 0)), "{raw:?}");
        }
        let old_format = pagination::seal(&SyncCursor {
            v: 1,
            u: account_fingerprint(user()),
            h: 3,
        });
        assert!(invalid(&decode_sync(user(), Some(&old_format), 10, 0)));
        let negative = pagination::seal(&SyncCursor {
            v: SYNC_CURSOR_FORMAT,
            u: account_fingerprint(user()),
            h: -1,
        });
        assert!(invalid(&decode_sync(user(), Some(&negative), 10, 0)));
    }

    #[test]
    fn sync_cursor_older_than_the_horizon_is_gone() {
        let c = encode_sync(user(), 3);
        assert!(matches!(
            decode_sync(user(), Some(&c), 10, 4),
            Err(ApiError::Gone(_))
        ));
    }

    #[test]
    fn list_cursor_keeps_microseconds_and_the_id() {
        let t: DateTime<Utc> = "2026-11-20T08:30:00.123456Z".parse().unwrap();
        let id = SessionId::from(Uuid::max());
        let c = encode_list(t, id, u64::MAX);
        assert_eq!(decode_list(Some(&c), u64::MAX).unwrap(), Some((t, id)));
    }

    #[test]
    fn a_cursor_of_the_other_kind_is_refused() {
        let list = encode_list(Utc::now(), SessionId::from(Uuid::from_u128(7)), 42);
        let sync = encode_sync(user(), 3);
        assert!(
            invalid(&decode_sync(user(), Some(&list), 10, 0)),
            "list as sync"
        );
        assert!(invalid(&decode_list(Some(&sync), 42)), "sync as list");
        // a catalog list's cursor, even with the same filter hash
        let catalog = pagination::encode_cursor([1, 2, 3], 42);
        assert!(invalid(&decode_list(Some(&catalog), 42)));
        assert!(invalid(&decode_sync(user(), Some(&catalog), 10, 0)));
    }

    #[test]
    fn list_cursor_with_a_malformed_position_is_refused() {
        for body in [
            serde_json::json!({"t": "yesterday", "i": user(), "f": 42}),
            serde_json::json!({"t": "2026-11-20T08:30:00Z", "i": "not-a-uuid", "f": 42}),
            serde_json::json!({"t": "2026-11-20T08:30:00Z", "f": 42}),
            serde_json::json!({"t": "2026-11-20T08:30:00Z", "i": user(), "f": -1}),
        ] {
            assert!(
                invalid(&decode_list(Some(&pagination::seal(&body)), 42)),
                "{body}"
            );
        }
    }

    #[test]
    fn sync_cursor_bounds_are_inclusive() {
        // the first version and the user's current one; at the horizon itself
        let zero = encode_sync(user(), 0);
        assert_eq!(decode_sync(user(), Some(&zero), 0, 0).unwrap(), 0);
        let c = encode_sync(user(), 9);
        assert_eq!(decode_sync(user(), Some(&c), 9, 9).unwrap(), 9);
        assert!(matches!(
            decode_sync(user(), Some(&c), 9, 10),
            Err(ApiError::Gone(_))
        ));
        // Gone is decided after the cursor is found to be ours: a foreign cursor is 400
        // even when everything is older than the horizon.
        let foreign = encode_sync(UserId::from(Uuid::from_u128(2)), 1);
        assert!(invalid(&decode_sync(user(), Some(&foreign), 9, 5)));
    }

    #[test]
    fn sync_cursor_with_a_wrong_fingerprint_or_field_is_refused() {
        let c = encode_sync(user(), 3);
        let mut body: serde_json::Value = pagination::open(&c).unwrap();
        body["u"] = serde_json::json!(account_fingerprint(user()).to_uppercase());
        assert!(
            invalid(&decode_sync(user(), Some(&pagination::seal(&body)), 10, 0)),
            "the fingerprint is compared exactly"
        );
        for body in [
            serde_json::json!({"v": SYNC_CURSOR_FORMAT, "u": account_fingerprint(user()), "h": "3"}),
            serde_json::json!({"v": SYNC_CURSOR_FORMAT, "h": 3}),
        ] {
            assert!(
                invalid(&decode_sync(user(), Some(&pagination::seal(&body)), 10, 0)),
                "{body}"
            );
        }
        assert!(
            invalid(&decode_sync(user(), Some(" "), 10, 0)),
            "spaces are no cursor"
        );
    }
}
