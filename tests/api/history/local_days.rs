//! Local days: streaks and weeks in the user's zone, across summer time and the date
//! line, recomputed when the zone changes.

use serde_json::json;

use super::{local_days, session};
use crate::support::{Account, TestApp};

/// A user in Berlin with one session at each instant.
async fn in_berlin_with<'a>(app: &'a TestApp, instants: &[&str]) -> Account<'a> {
    let berlin = app.register("berlin@example.com").await;
    berlin
        .set_profile(json!({"time_zone": "Europe/Berlin"}))
        .await;
    for at in instants {
        berlin.new_session(session(at)).await;
    }
    berlin
}

#[actix_web::test]
async fn streaks_follow_local_days_across_dst_and_the_date_line() {
    let app = TestApp::new().await;
    // Berlin leaves summer time on 2026-10-25: 23:30 local is 21:30Z before, 22:30Z after.
    let berlin = in_berlin_with(
        &app,
        &[
            "2026-10-24T21:30:00Z",
            "2026-10-25T22:30:00Z",
            "2026-10-26T22:30:00Z",
            "2026-10-27T22:30:00Z",
        ],
    )
    .await;
    let s = berlin.stats("from=2026-10-20&to=2026-10-31").await;
    let days = local_days(&s);
    assert_eq!(
        days,
        ["2026-10-24", "2026-10-25", "2026-10-26", "2026-10-27"]
    );
    assert_eq!(s["streaks"]["longest"], 4);

    // The same two instants are two local days at UTC+14 and one at UTC-11.
    let instants = ["2026-06-01T09:00:00Z", "2026-06-01T10:30:00Z"];
    for (email, zone, expected_days, longest) in [
        (
            "kiritimati@example.com",
            "Pacific/Kiritimati",
            vec!["2026-06-01", "2026-06-02"],
            2,
        ),
        (
            "pago@example.com",
            "Pacific/Pago_Pago",
            vec!["2026-05-31"],
            1,
        ),
    ] {
        let who = app.register(email).await;
        who.set_profile(json!({"time_zone": zone})).await;
        for at in instants {
            who.new_session(session(at)).await;
        }
        let s = who.stats("from=2026-05-30&to=2026-06-03").await;
        let days = local_days(&s);
        assert_eq!(days, expected_days, "{zone}");
        assert_eq!(s["streaks"]["longest"], longest, "{zone}");
        assert_eq!(s["streaks"]["current"], 0, "{zone}: long ago");
    }
}

#[actix_web::test]
async fn local_days_and_weeks_differ_from_utc_ones() {
    let app = TestApp::new().await;
    // Berlin moves to summer time on 2026-03-29: each of these is 00:30 local, on the
    // day after its UTC date; the last is Monday 00:30 local but still Sunday in UTC.
    let berlin = in_berlin_with(
        &app,
        &[
            "2026-03-27T23:30:00Z",
            "2026-03-28T23:30:00Z",
            "2026-03-29T22:30:00Z",
            "2026-03-30T22:30:00Z",
            "2026-04-05T22:30:00Z",
        ],
    )
    .await;
    let s = berlin.stats("from=2026-03-20&to=2026-04-10").await;
    let days = local_days(&s);
    assert_eq!(
        days,
        [
            "2026-03-28",
            "2026-03-29",
            "2026-03-30",
            "2026-03-31",
            "2026-04-06"
        ]
    );
    assert_eq!(
        s["per_week"],
        json!([
            {"start": "2026-03-23", "sessions": 2, "minutes": 10.0},
            {"start": "2026-03-30", "sessions": 2, "minutes": 10.0},
            {"start": "2026-04-06", "sessions": 1, "minutes": 5.0}
        ])
    );
    assert_eq!(s["streaks"]["longest"], 4);
}

#[actix_web::test]
async fn the_current_streak_runs_through_all_history_whatever_the_range() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"time_zone": "Asia/Tokyo"})).await;
    let tokyo: chrono_tz::Tz = "Asia/Tokyo".parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&tokyo).date_naive();
    // noon in Tokyo on each of the last 45 days, today included, and one 50 days ago
    let noon = |days_ago: i64| {
        (today - chrono::Duration::days(days_ago))
            .and_hms_opt(3, 0, 0)
            .unwrap()
            .and_utc()
            .to_rfc3339()
    };
    for days_ago in (0..45).chain([50]) {
        mei.new_session(session(&noon(days_ago))).await;
    }
    let range = |from: i64, to: i64| {
        format!(
            "from={}&to={}",
            today - chrono::Duration::days(from),
            today - chrono::Duration::days(to)
        )
    };
    let s = mei.stats(&range(6, 0)).await;
    assert_eq!(s["streaks"], json!({"current": 45, "longest": 7}));
    let s = mei.stats(&range(60, 20)).await;
    assert_eq!(s["streaks"], json!({"current": 45, "longest": 25}));
    // a session deleted today: the streak now ends yesterday, which still counts
    let latest = mei.list_sessions("?limit=1").await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = mei.delete_session(&latest).await;
    assert_eq!(res.status, 204);
    let s = mei.stats(&range(6, 0)).await;
    assert_eq!(s["streaks"]["current"], 44);
}

#[actix_web::test]
async fn changing_time_zone_recomputes_local_days() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    for at in ["2026-06-01T09:00:00Z", "2026-06-01T10:30:00Z"] {
        mei.new_session(session(at)).await;
    }
    assert_eq!(
        local_days(&mei.stats("from=2026-05-30&to=2026-06-03").await),
        ["2026-06-01"]
    );
    mei.set_profile(json!({"time_zone": "Pacific/Kiritimati"}))
        .await;
    let s = mei.stats("from=2026-05-30&to=2026-06-03").await;
    assert_eq!(local_days(&s), ["2026-06-01", "2026-06-02"]);
    assert_eq!(s["total"]["sessions"], 2);
    // Edits and deletions keep the rollups exact.
    let id = mei.new_session(session("2026-06-02T20:00:00Z")).await;
    mei.edit_session(&id, json!({"started_at": "2026-06-03T20:00:00Z"}))
        .await;
    let s = mei.stats("from=2026-05-30&to=2026-06-05").await;
    assert_eq!(
        local_days(&s),
        ["2026-06-01", "2026-06-02", "2026-06-04"],
        "20:00Z is the next morning at UTC+14"
    );
    mei.delete_session(&id).await;
    let s = mei.stats("from=2026-05-30&to=2026-06-05").await;
    assert_eq!(s["total"]["sessions"], 2);
    assert_eq!(local_days(&s), ["2026-06-01", "2026-06-02"]);
}
