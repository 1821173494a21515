//! Field readers shared by the request types: instants kept as PostgreSQL stores them.

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Deserializer};

/// An instant as PostgreSQL stores it, so that what a client sends compares equal to
/// what it gets back: truncated to the microsecond (digits beyond are dropped, as the
/// database would), and a leap second (second 60, which the database would roll into
/// the next minute) pinned to the last microsecond of its minute, keeping its order.
pub fn as_stored(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.nanosecond();
    let nanos = if nanos >= 1_000_000_000 {
        999_999_000
    } else {
        nanos - nanos % 1_000
    };
    t.with_nanosecond(nanos)
        .expect("a nanosecond below one second")
}

/// An RFC 3339 instant, [`as_stored`].
pub(super) fn stored_instant<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    DateTime::<Utc>::deserialize(d).map(as_stored)
}

/// An optional instant that must not be `null` when present, [`as_stored`].
pub(super) fn stored_instant_not_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    stored_instant(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::model::{SessionInput, SessionPatch};

    fn input(started_at: &str) -> SessionInput {
        serde_json::from_value(serde_json::json!({
            "started_at": started_at, "duration_seconds": 60
        }))
        .unwrap()
    }

    fn instant(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn instants_are_kept_to_the_microsecond() {
        for (sent, kept) in [
            (
                "2026-11-21T07:45:00.123456789Z",
                "2026-11-21T07:45:00.123456Z",
            ),
            (
                "2026-11-21T07:45:00.1234564Z",
                "2026-11-21T07:45:00.123456Z",
            ),
            ("2026-11-21T07:45:00.5Z", "2026-11-21T07:45:00.500Z"),
            ("2026-11-21T07:45:00Z", "2026-11-21T07:45:00Z"),
            (
                "2026-11-21T08:45:00.000000999+01:00",
                "2026-11-21T07:45:00Z",
            ),
        ] {
            assert_eq!(input(sent).started_at, instant(kept), "{sent}");
        }
    }

    #[test]
    fn a_leap_second_stays_in_its_minute() {
        for (sent, kept) in [
            ("2016-12-31T23:59:60Z", "2016-12-31T23:59:59.999999Z"),
            ("2016-12-31T23:59:60.5Z", "2016-12-31T23:59:59.999999Z"),
            // A second 60 that no leap second ever had is treated the same way.
            ("2026-11-21T07:45:60Z", "2026-11-21T07:45:59.999999Z"),
            ("2026-11-21T08:45:60+01:00", "2026-11-21T07:45:59.999999Z"),
        ] {
            let kept = instant(kept);
            assert_eq!(input(sent).started_at, kept, "{sent}");
            assert_eq!(as_stored(kept), kept, "normalising twice changes nothing");
        }
    }

    #[test]
    fn a_patched_start_is_normalised_too() {
        let patch: SessionPatch = serde_json::from_value(
            serde_json::json!({"started_at": "2026-11-21T07:45:00.999999999Z"}),
        )
        .unwrap();
        assert_eq!(
            patch.started_at,
            Some(instant("2026-11-21T07:45:00.999999Z"))
        );
        assert!(
            serde_json::from_value::<SessionPatch>(serde_json::json!({"started_at": null}))
                .is_err()
        );
    }
}
