//! The session list: newest first, filters, local dates, pages to the end.

use std::collections::HashSet;

use serde_json::json;

use super::session;
use crate::support::TestApp;

#[actix_web::test]
async fn listing_filters_and_pages_newest_first() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"time_zone": "Europe/Berlin"})).await;
    for day in 1..=25 {
        let mut body = session(&format!("2026-10-{day:02}T18:00:00Z"));
        if day % 5 == 0 {
            body["condition"] = json!("insomnia");
            body["routine"] = json!("sleep-wind-down");
            body["steps"] =
                json!([{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}]);
        }
        mei.new_session(body).await;
    }
    let (mut seen, mut query) = (Vec::new(), "?limit=7".to_owned());
    loop {
        let page = mei.list_sessions(&query).await.json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["started_at"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => query = format!("?limit=7&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25, "no repeats");

    let items = async |query: &str| {
        mei.list_sessions(query).await.json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(items("?condition=insomnia&limit=100").await, 5);
    assert_eq!(items("?routine=sleep-wind-down").await, 5);
    assert_eq!(items("?point=ht-7").await, 5);
    assert_eq!(items("?point=PC6&limit=100").await, 20);
    // Local dates in the user's zone: 18:00Z is 20:00 in Berlin (CEST), same day.
    assert_eq!(items("?from=2026-10-10&to=2026-10-12").await, 3);
    assert_eq!(
        items("?from=2026-10-10T00:00:00Z&to=2026-10-12T00:00:00Z").await,
        2
    );
    for (query, status, code) in [
        ("?point=XX99", 422, "validation_failed"),
        ("?condition=nope", 422, "validation_failed"),
        ("?from=yesterday", 400, "bad_query"),
        ("?cursor=forged", 400, "invalid_cursor"),
        ("?limit=1000", 422, "validation_failed"),
    ] {
        mei.list_sessions(query).await.problem(status, code);
    }
}

#[actix_web::test]
async fn dates_outside_the_supported_range_are_422_not_500() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    for uri in [
        "/v1/me/stats?to=-262143-01-01",
        "/v1/me/stats?from=-5000-01-01&to=-4999-01-01",
        "/v1/me/sessions?from=-5000-01-01",
        "/v1/me/sessions?to=99999-01-01",
        "/v1/me/sessions?from=1900-01-01T00:00:00Z",
    ] {
        let res = mei.get(uri).await;
        assert!(
            res.status == 400 || res.status == 422,
            "{uri}: {}",
            res.status
        );
        assert_eq!(
            res.header("content-type"),
            Some("application/problem+json"),
            "{uri}"
        );
    }
}
