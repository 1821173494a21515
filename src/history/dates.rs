//! Dates in history queries: the years a query may name, and local dates of the user's
//! time zone turned into instants (a day starts at local midnight).

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone as _, Utc};

use crate::error::{ApiError, ApiResult};
use crate::history::model::as_stored;
use crate::problems::ProblemCode;
use crate::users::TimeZone;

/// Dates a query may name: anything else is refused before it reaches the database.
pub fn in_supported_range(field: &str, date: NaiveDate) -> ApiResult<NaiveDate> {
    if (1970..=9999).contains(&date.year()) {
        Ok(date)
    } else {
        Err(ApiError::invalid(field, "must be between 1970 and 9999"))
    }
}

/// An optional date parameter (`YYYY-MM-DD`) in the supported range.
pub fn date(field: &str, raw: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    raw.map(|r| {
        let date = r.trim().parse().map_err(|_| {
            ApiError::bad_param(ProblemCode::BadQuery, field, "must be a date (YYYY-MM-DD)")
        })?;
        in_supported_range(field, date)
    })
    .transpose()
}

/// A bound of a range: an RFC 3339 instant as it is, or a local date in `zone`, which
/// starts at its midnight (`end`: at the next day's midnight, so the date is included).
pub fn bound(field: &str, raw: &str, zone: TimeZone, end: bool) -> ApiResult<DateTime<Utc>> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw.trim()) {
        in_supported_range(field, instant.date_naive())?;
        return Ok(as_stored(instant.with_timezone(&Utc)));
    }
    let date: NaiveDate = raw.trim().parse().map_err(|_| {
        ApiError::bad_param(
            ProblemCode::BadQuery,
            field,
            "must be a date (YYYY-MM-DD) or an RFC 3339 instant",
        )
    })?;
    let date = in_supported_range(field, date)?;
    let date = if end {
        date.succ_opt().unwrap_or(date)
    } else {
        date
    };
    let tz = zone.tz();
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    // A midnight skipped by a clock change starts the day an hour later.
    tz.from_local_datetime(&midnight)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| ApiError::invalid(field, "is not a date in your time zone"))
}
