//! Catalog lists: filters that combine, pages to the end, and every bad filter, cursor
//! or parameter a problem.

use std::collections::HashSet;

use serde_json::Value;

use super::{codes, walk};
use crate::support::TestApp;

#[actix_web::test]
async fn filters_combine() {
    let app = TestApp::new().await;
    let li = walk(&app, "/v1/points?meridian=li&limit=100").await;
    assert_eq!(li.len(), 20);
    let te = walk(&app, "/v1/points?meridian=SJ").await;
    assert_eq!(te.len(), 23);
    assert!(te.iter().all(|p| p["meridian"] == "TE"));
    let hand = walk(&app, "/v1/points?region=hand&limit=100").await;
    assert!(!hand.is_empty() && hand.iter().all(|p| p["body_region"] == "hand"));
    let both = walk(&app, "/v1/points?meridian=LI&region=hand").await;
    assert!(
        both.iter()
            .all(|p| p["meridian"] == "LI" && p["body_region"] == "hand")
    );
    assert!(both.iter().any(|p| p["code"] == "LI4"));
    let safe_hand = walk(&app, "/v1/points?region=hand&pregnancy=not_listed").await;
    assert!(!safe_hand.iter().any(|p| p["code"] == "LI4"));

    let multi = app
        .get("/v1/points?condition=insomnia,stress&limit=100")
        .await
        .json();
    let items = multi["items"].as_array().unwrap();
    let served = |p: &Value| p["matches"].as_array().unwrap().len();
    assert_eq!(served(&items[0]), 2, "points serving both conditions first");
    assert!(items.windows(2).all(|w| served(&w[0]) >= served(&w[1])));
    let single = walk(&app, "/v1/points?condition=insomnia").await;
    assert!(single.iter().any(|p| p["code"] == "HT7"));
    let search_and_filter = codes(&app.get("/v1/points?q=gu&meridian=LI").await);
    assert!(
        search_and_filter.iter().all(|c| c.starts_with("LI")),
        "{search_and_filter:?}"
    );
}

#[actix_web::test]
async fn pagination_reaches_the_end_without_repeats() {
    let app = TestApp::new().await;
    let version = app.get("/v1/catalog/version").await.json();
    for (uri, expected) in [
        (
            "/v1/points?limit=50",
            version["points"].as_u64().unwrap() as usize,
        ),
        ("/v1/points?limit=7&q=gu", 0),
        ("/v1/points?limit=3&condition=insomnia,stress,anxiety", 0),
    ] {
        let items = walk(&app, uri).await;
        let unique: HashSet<String> = items
            .iter()
            .map(|p| p["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(unique.len(), items.len(), "{uri}: no repeats");
        if expected > 0 {
            assert_eq!(items.len(), expected, "{uri}");
        } else {
            assert!(items.len() > 3, "{uri}: several pages");
        }
    }
    let first = app.get("/v1/points?limit=2").await.json();
    assert!(first["next_cursor"].is_string());
    let last = app.get("/v1/points?meridian=HT&limit=9").await.json();
    assert!(
        last["next_cursor"].is_null(),
        "an exact last page has no cursor"
    );
}

#[actix_web::test]
async fn bad_filters_and_cursors_are_problems() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points?limit=0",
        "/v1/points?limit=101",
        "/v1/points?limit=-5",
    ] {
        app.get(uri).await.problem(422, "validation_failed");
    }
    app.get("/v1/points?limit=ten")
        .await
        .problem(400, "bad_query");
    app.get("/v1/points?cursor=forged")
        .await
        .problem(400, "invalid_cursor");
    let other = app.get("/v1/points?limit=2&meridian=LI").await.json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/v1/points?limit=2&meridian=ST&cursor={other}"))
        .await
        .problem(400, "invalid_cursor");
    for (uri, field) in [
        ("/v1/points?meridian=XX", "meridian"),
        ("/v1/points?region=elbow", "region"),
        ("/v1/points?pregnancy=maybe", "pregnancy"),
        ("/v1/points?kind=other", "kind"),
        ("/v1/points?condition=insomnia,nothing", "condition"),
        ("/v1/points?condition=", "condition"),
        ("/v1/points?q=%01abc", "q"),
        ("/v1/conditions?category=magic", "category"),
    ] {
        let body = app.get(uri).await.problem(422, "validation_failed");
        assert_eq!(body["errors"][0]["field"], field, "{uri}");
    }
    let long = "a".repeat(101);
    app.get(&format!("/v1/points?q={long}"))
        .await
        .problem(422, "validation_failed");
    app.get("/v1/points?colour=red")
        .await
        .problem(400, "bad_query");
}

#[actix_web::test]
async fn unknown_codes_and_slugs_are_404() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points/LI99",
        "/v1/points/nothing",
        "/v1/conditions/nothing",
        "/v1/routines/nothing",
    ] {
        app.get(uri).await.problem(404, "not_found");
    }
}

#[actix_web::test]
async fn unknown_query_parameters_are_refused_everywhere_and_empty_cursor_is_the_first_page() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points/LI4?x=1",
        "/v1/meridians?x=1",
        "/v1/catalog?x=1",
        "/v1/safety?x=1",
        "/v1/routines/sleep-wind-down?x=1",
    ] {
        app.get(uri).await.problem(400, "bad_query");
    }
    let first = app.get("/v1/points?cursor=&limit=3").await;
    assert_eq!(first.status, 200);
    assert_eq!(codes(&first), ["LU1", "LU2", "LU3"]);
}
