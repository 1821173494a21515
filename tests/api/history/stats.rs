//! Statistics on known data: per day and week, per condition, routine and point, and
//! what works.

use serde_json::json;

use crate::support::TestApp;

#[actix_web::test]
async fn stats_on_known_data() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"time_zone": "Europe/Berlin"})).await;
    let mk = |at: &str,
              minutes: i64,
              condition: Option<&str>,
              routine: Option<&str>,
              points: &[&str],
              pain: Option<(i64, i64)>,
              stress: Option<(i64, i64)>| {
        let mut b = json!({"started_at": at, "duration_seconds": minutes * 60,
            "steps": points.iter().map(|p| json!({"point": p, "side": "both", "seconds": 30, "pressure": "medium"})).collect::<Vec<_>>()});
        if let Some(c) = condition {
            b["condition"] = json!(c);
        }
        if let Some(r) = routine {
            b["routine"] = json!(r);
        }
        if let Some((before, after)) = pain {
            b["pain_before"] = json!(before);
            b["pain_after"] = json!(after);
        }
        if let Some((before, after)) = stress {
            b["stress_before"] = json!(before);
            b["stress_after"] = json!(after);
        }
        b
    };
    // Monday 2026-11-02 .. Sunday 2026-11-08 and Monday 2026-11-09 (Berlin, CET = UTC+1).
    for body in [
        mk(
            "2026-11-02T07:00:00Z",
            5,
            Some("tension-headache"),
            Some("tension-headache-relief"),
            &["GB20", "LI4"],
            Some((6, 3)),
            None,
        ),
        mk(
            "2026-11-02T19:00:00Z",
            10,
            Some("tension-headache"),
            Some("tension-headache-relief"),
            &["GB20"],
            Some((5, 4)),
            Some((6, 3)),
        ),
        mk(
            "2026-11-03T07:00:00Z",
            5,
            Some("tension-headache"),
            Some("tension-headache-relief"),
            &["GB20", "LI4"],
            Some((7, 2)),
            None,
        ),
        mk(
            "2026-11-04T07:00:00Z",
            6,
            Some("tension-headache"),
            None,
            &["LI4"],
            Some((4, 4)),
            None,
        ),
        mk(
            "2026-11-05T22:30:00Z",
            4,
            Some("insomnia"),
            Some("sleep-wind-down"),
            &["HT7"],
            None,
            Some((8, 4)),
        ),
        mk("2026-11-09T07:00:00Z", 3, None, None, &["PC6"], None, None),
    ] {
        mei.new_session(body).await;
    }
    let s = mei.stats("from=2026-11-01&to=2026-11-09").await;
    assert_eq!(s["time_zone"], "Europe/Berlin");
    assert_eq!(
        s["per_day"],
        json!([
            {"start": "2026-11-02", "sessions": 2, "minutes": 15.0},
            {"start": "2026-11-03", "sessions": 1, "minutes": 5.0},
            {"start": "2026-11-04", "sessions": 1, "minutes": 6.0},
            {"start": "2026-11-05", "sessions": 1, "minutes": 4.0},
            {"start": "2026-11-09", "sessions": 1, "minutes": 3.0}
        ]),
        "22:30Z on the 5th is 23:30 in Berlin: still the 5th"
    );
    assert_eq!(
        s["per_week"],
        json!([
            {"start": "2026-11-02", "sessions": 5, "minutes": 30.0},
            {"start": "2026-11-09", "sessions": 1, "minutes": 3.0}
        ])
    );
    // Pain: -3, -1, -5, 0 → -2.25 over 4; stress: -3, -4 → -3.5 over 2.
    assert_eq!(
        s["total"],
        json!({"sessions": 6, "pain_change": -2.25, "pain_sessions": 4, "stress_change": -3.5, "stress_sessions": 2})
    );
    let per = |kind: &str, key: &str| {
        s[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == key)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        per("per_condition", "tension-headache"),
        json!({"key": "tension-headache", "sessions": 4,
        "pain_change": -2.25, "pain_sessions": 4, "stress_change": -3.0, "stress_sessions": 1})
    );
    assert_eq!(
        per("per_routine", "tension-headache-relief")["pain_change"],
        -3.0
    );
    assert_eq!(
        per("per_point", "LI4"),
        json!({"key": "LI4", "sessions": 3, "pain_change": -2.67, "pain_sessions": 3,
        "stress_change": null, "stress_sessions": 0})
    );
    assert_eq!(
        s["most_used_points"][0],
        json!({"point": "GB20", "times": 3, "seconds": 90})
    );
    assert_eq!(
        s["most_used_points"][1],
        json!({"point": "LI4", "times": 3, "seconds": 90})
    );
    // What works: the routine (3 sessions: 3, 1, 5 → 3.0) and GB20 (3.0) qualify; LI4 (3, 5, 0
    // → 2.67) too; insomnia has a single session, so nothing is shown for it.
    let works = s["what_works"].as_array().unwrap();
    let headache = works
        .iter()
        .find(|w| w["condition"] == "tension-headache")
        .unwrap();
    assert_eq!(
        headache["routines"],
        json!([{"key": "tension-headache-relief", "average_improvement": 3.0, "sessions": 3}])
    );
    assert_eq!(
        headache["points"],
        json!([
            {"key": "GB20", "average_improvement": 3.0, "sessions": 3},
            {"key": "LI4", "average_improvement": 2.67, "sessions": 3}
        ])
    );
    let insomnia = works.iter().find(|w| w["condition"] == "insomnia").unwrap();
    assert!(
        insomnia["routines"].as_array().unwrap().is_empty()
            && insomnia["points"].as_array().unwrap().is_empty()
    );
    assert_eq!(s["streaks"]["longest"], 4);

    for (query, status, code) in [
        ("?from=2026-12-01&to=2026-11-01", 422, "validation_failed"),
        ("?from=2020-01-01&to=2026-11-01", 422, "validation_failed"),
        ("?from=last-week", 400, "bad_query"),
    ] {
        mei.get(&format!("/v1/me/stats{query}"))
            .await
            .problem(status, code);
    }
}

#[actix_web::test]
async fn what_works_needs_three_sessions_and_a_real_improvement() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let mk = |at: &str, routine: &str, point: &str, pain: (i64, i64)| {
        json!({"started_at": at, "duration_seconds": 300, "condition": "tension-headache",
            "routine": routine, "pain_before": pain.0, "pain_after": pain.1,
            "steps": [{"point": point, "side": "both", "seconds": 60, "pressure": "medium"}]})
    };
    for (at, routine, point, pain) in [
        // three sessions that helped (2, 2, 2): shown
        (
            "2026-11-02T08:00:00Z",
            "tension-headache-relief",
            "GB20",
            (6, 4),
        ),
        (
            "2026-11-03T08:00:00Z",
            "tension-headache-relief",
            "GB20",
            (6, 4),
        ),
        (
            "2026-11-04T08:00:00Z",
            "tension-headache-relief",
            "GB20",
            (6, 4),
        ),
        // three sessions that made it worse on average (-1, -1, 1): never shown
        ("2026-11-05T08:00:00Z", "neck-and-shoulders", "LI4", (4, 5)),
        ("2026-11-06T08:00:00Z", "neck-and-shoulders", "LI4", (4, 5)),
        ("2026-11-07T08:00:00Z", "neck-and-shoulders", "LI4", (5, 4)),
        // two sessions that helped a lot: too few to show
        ("2026-11-08T08:00:00Z", "stress-reset", "EX-HN5", (9, 1)),
        ("2026-11-09T08:00:00Z", "stress-reset", "EX-HN5", (9, 1)),
    ] {
        mei.new_session(mk(at, routine, point, pain)).await;
    }
    let s = mei.stats("from=2026-11-01&to=2026-11-10").await;
    let works = &s["what_works"][0];
    assert_eq!(works["condition"], "tension-headache");
    assert_eq!(
        works["routines"],
        json!([{"key": "tension-headache-relief", "average_improvement": 2.0, "sessions": 3}])
    );
    assert_eq!(
        works["points"],
        json!([{"key": "GB20", "average_improvement": 2.0, "sessions": 3}])
    );
    // a third stress-reset session brings it over the threshold, best first
    mei.new_session(mk("2026-11-10T08:00:00Z", "stress-reset", "EX-HN5", (9, 2)))
        .await;
    let s = mei.stats("from=2026-11-01&to=2026-11-10").await;
    let keys: Vec<&str> = s["what_works"][0]["routines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["stress-reset", "tension-headache-relief"]);
}
