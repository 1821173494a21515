//! When a reminder fires next: the next of its weekdays at its local time in its zone,
//! as a UTC instant, correct across daylight-saving changes.
//!
//! A local time that a spring-forward skips fires at the first valid instant after it
//! (the moment the clocks jump); a local time that a fall-back repeats fires once, at
//! its first occurrence.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

/// The weekdays of a reminder, one bit each (Monday is bit 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Days(pub u8);

impl Days {
    pub fn has(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }
}

/// The first instant at or after local `at` in `zone` that exists there: `at` itself,
/// the first of its two instants in a fall-back, the end of a spring-forward gap.
fn first_valid(zone: Tz, at: NaiveDateTime) -> Option<DateTime<Utc>> {
    // Gaps last an hour or two at most; a day of minutes bounds the search.
    (0..=24 * 60).find_map(|minute| {
        zone.from_local_datetime(&(at + Duration::minutes(minute)))
            .earliest()
            .map(|local| local.with_timezone(&Utc))
    })
}

/// The next firing strictly after `now`, or `None` when no day is chosen.
pub fn next_fire(
    days: Days,
    time: NaiveTime,
    zone: Tz,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&zone).date_naive();
    // A week and a day covers every weekday even when today's time has passed.
    (0..=8).find_map(|ahead| {
        let date = today + Duration::days(ahead);
        if !days.has(date.weekday()) {
            return None;
        }
        first_valid(zone, date.and_time(time)).filter(|at| *at > now)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_DAY: Days = Days(0b111_1111);

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn at(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn next(zone: Tz, time: NaiveTime, now: &str) -> String {
        next_fire(EVERY_DAY, time, zone, utc(now))
            .unwrap()
            .to_rfc3339()
    }

    #[test]
    fn berlin_spring_forward_and_fall_back() {
        let zone = chrono_tz::Europe::Berlin;
        // 2027-03-28: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist.
        assert_eq!(
            next(zone, at(2, 30), "2027-03-27T23:00:00Z"),
            "2027-03-28T01:00:00+00:00"
        );
        // The day after, 02:30 CEST again.
        assert_eq!(
            next(zone, at(2, 30), "2027-03-28T02:00:00Z"),
            "2027-03-29T00:30:00+00:00"
        );
        // 2027-10-31: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice: once.
        assert_eq!(
            next(zone, at(2, 30), "2027-10-30T23:00:00Z"),
            "2027-10-31T00:30:00+00:00"
        );
        assert_eq!(
            next(zone, at(2, 30), "2027-10-31T00:30:00Z"),
            "2027-11-01T01:30:00+00:00"
        );
    }

    #[test]
    fn new_york_spring_forward_and_fall_back() {
        let zone = chrono_tz::America::New_York;
        // 2027-03-14: 02:00 EST jumps to 03:00 EDT.
        assert_eq!(
            next(zone, at(2, 15), "2027-03-14T05:00:00Z"),
            "2027-03-14T07:00:00+00:00"
        );
        // 2027-11-07: 02:00 EDT falls back to 01:00 EST; 01:30 fires at its first pass.
        assert_eq!(
            next(zone, at(1, 30), "2027-11-07T04:00:00Z"),
            "2027-11-07T05:30:00+00:00"
        );
        assert_eq!(
            next(zone, at(1, 30), "2027-11-07T05:30:00Z"),
            "2027-11-08T06:30:00+00:00"
        );
    }

    #[test]
    fn sydney_in_the_southern_hemisphere() {
        let zone = chrono_tz::Australia::Sydney;
        // 2027-10-03: 02:00 AEST jumps to 03:00 AEDT (spring in October).
        assert_eq!(
            next(zone, at(2, 30), "2027-10-02T14:00:00Z"),
            "2027-10-02T16:00:00+00:00"
        );
        // 2027-04-04: 03:00 AEDT falls back to 02:00 AEST; 02:30 once, at AEDT.
        assert_eq!(
            next(zone, at(2, 30), "2027-04-03T14:00:00Z"),
            "2027-04-03T15:30:00+00:00"
        );
        assert_eq!(
            next(zone, at(2, 30), "2027-04-03T15:30:00Z"),
            "2027-04-04T16:30:00+00:00"
        );
    }

    #[test]
    fn only_the_chosen_weekdays_and_never_now_itself() {
        let zone = chrono_tz::Asia::Tokyo;
        let weekends = Days(0b110_0000);
        // Wednesday 2026-12-02 10:00 in Tokyo: the next weekend day is Saturday the 5th.
        let now = utc("2026-12-02T01:00:00Z");
        assert_eq!(
            next_fire(weekends, at(8, 0), zone, now)
                .unwrap()
                .to_rfc3339(),
            "2026-12-04T23:00:00+00:00"
        );
        // Exactly at the time: the next one, a week on.
        let saturday = utc("2026-12-04T23:00:00Z");
        assert_eq!(
            next_fire(Days(0b010_0000), at(8, 0), zone, saturday)
                .unwrap()
                .to_rfc3339(),
            "2026-12-11T23:00:00+00:00"
        );
        assert_eq!(next_fire(Days(0), at(8, 0), zone, now), None);
    }
}
