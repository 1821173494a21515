//! Caching: strong ETags per coding and language, 304s, the offline bundle, and the
//! response cache keyed on canonical parameters.

use actix_web::test::TestRequest;
use acupress::catalog::cache::{MAX_ENTRIES, Page, PointFilters, ReadKey};
use acupress::http::Lang;

use crate::support::TestApp;

#[actix_web::test]
async fn revalidation_answers_304_on_every_catalog_read() {
    let app = TestApp::new().await;
    for uri in [
        "/v1/points/LI4",
        "/v1/points?limit=50",
        "/v1/points?q=hegu",
        "/v1/conditions",
        "/v1/conditions/insomnia",
        "/v1/routines",
        "/v1/routines/sleep-wind-down",
        "/v1/safety",
        "/v1/catalog",
        "/v1/catalog/version",
        "/v1/meridians/LI",
    ] {
        let first = app.get(uri).await;
        assert_eq!(first.status, 200, "{uri}");
        let etag = first.header("etag").unwrap().to_owned();
        assert!(
            first
                .header("cache-control")
                .unwrap()
                .starts_with("public, max-age=")
        );
        let again = app.get_with(uri, &[("if-none-match", etag.as_str())]).await;
        assert_eq!(again.status, 304, "{uri}");
        assert!(again.body.is_empty());
    }
}

#[actix_web::test]
async fn preconditions_never_hide_errors() {
    let app = TestApp::new().await;
    for (uri, status) in [
        ("/v1/points/XX99", 404),
        ("/v1/conditions/nope", 404),
        ("/v1/points?kind=bogus", 422),
        ("/v1/points?cursor=zzz", 400),
        ("/v1/points?limit=0", 422),
    ] {
        let res = app.get_with(uri, &[("if-none-match", "*")]).await;
        assert_eq!(res.status, status, "{uri}");
    }
    let res = app
        .get_with("/v1/points/LI4", &[("if-none-match", "*")])
        .await;
    assert_eq!(res.status, 304);
}

#[actix_web::test]
async fn each_content_coding_has_its_own_strong_etag() {
    let app = TestApp::new().await;
    let get = |enc: Option<&'static str>| {
        let mut req = TestRequest::get().uri("/v1/points?limit=50");
        if let Some(enc) = enc {
            req = req.insert_header(("accept-encoding", enc));
        }
        app.send(req)
    };
    let plain = get(None).await;
    let gzip = get(Some("gzip")).await;
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    let (plain_tag, gzip_tag) = (
        plain.header("etag").unwrap().to_owned(),
        gzip.header("etag").unwrap().to_owned(),
    );
    assert_ne!(plain_tag, gzip_tag);
    assert!(gzip_tag.ends_with("-gzip\""), "{gzip_tag}");
    let revalidate = app
        .get_with(
            "/v1/points?limit=50",
            &[
                ("accept-encoding", "gzip"),
                ("if-none-match", gzip_tag.as_str()),
            ],
        )
        .await;
    assert_eq!(revalidate.status, 304);
    assert_eq!(revalidate.header("etag"), Some(gzip_tag.as_str()));
    let bundle = app
        .get_with("/v1/catalog", &[("accept-encoding", "gzip")])
        .await;
    assert!(bundle.header("etag").unwrap().ends_with("-gzip\""));
}

#[actix_web::test]
async fn accept_language_picks_chinese_names() {
    let app = TestApp::new().await;
    let get = async |uri: &str, lang: &str| app.get_with(uri, &[("accept-language", lang)]).await;
    let hans = get("/v1/points/PC6", "zh-CN").await;
    assert_eq!(hans.header("content-language"), Some("zh-Hans"));
    assert_eq!(hans.json()["name"], "内关");
    let hant = get("/v1/points/PC6", "zh-Hant-TW").await;
    assert_eq!(hant.header("content-language"), Some("zh-Hant"));
    assert_eq!(hant.json()["name"], "內關");
    let en = get("/v1/points/PC6", "de-DE").await;
    assert_eq!(en.header("content-language"), Some("en"));
    assert_eq!(en.json()["name"], en.json()["english_name"]);
    let condition = get("/v1/conditions/insomnia", "zh-Hans").await.json();
    assert_ne!(condition["name"], condition["english_name"]);
    let catalog = get("/v1/catalog", "zh-Hant").await.json();
    assert_eq!(catalog["language"], "zh-Hant");
}

#[actix_web::test]
async fn offline_bundle_is_complete_and_small() {
    let app = TestApp::new().await;
    let res = app
        .get_with("/v1/catalog", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    assert!(
        res.body.len() < 200 * 1024,
        "{} bytes gzipped",
        res.body.len()
    );
    let catalog = res.gunzip_json();
    let version = app.get("/v1/catalog/version").await.json();
    assert_eq!(catalog["version"], version["version"]);
    assert_eq!(
        catalog["points"].as_array().unwrap().len() as u64,
        version["points"].as_u64().unwrap()
    );
    assert_eq!(catalog["meridians"].as_array().unwrap().len(), 14);
    assert!(catalog["conditions"].as_array().unwrap().len() >= 30);
    assert!(catalog["routines"].as_array().unwrap().len() >= 12);
    assert!(catalog["safety"]["disclaimer"].is_string());
    let plain = app.get("/v1/catalog").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.json(), catalog);
}

#[actix_web::test]
async fn equivalent_urls_share_one_cached_body() {
    let app = local_app!("reads the response cache of the app");
    let cached = || app.state.catalog.get().cached_responses();
    for group in [
        &[
            "/v1/points?q=hegu&limit=0100",
            "/v1/points?limit=100&q=He%20gu",
            "/v1/points?q=H%C3%A9g%C7%94&limit=+100",
        ][..],
        &[
            "/v1/points?meridian=li&limit=5",
            "/v1/points?meridian=LI&limit=05",
            "/v1/points?limit=5&meridian=Li",
        ],
        &["/v1/conditions?limit=3", "/v1/conditions?limit=003"],
        &["/v1/points/li-4", "/v1/points/LI4", "/v1/points/hegu"],
        &["/v1/meridians/SJ", "/v1/meridians/te"],
    ] {
        let before = cached();
        let first = app.get(group[0]).await;
        assert_eq!(first.status, 200, "{}", group[0]);
        for uri in &group[1..] {
            let again = app.get(uri).await;
            assert_eq!(again.status, 200, "{uri}");
            assert_eq!(again.body, first.body, "{uri}");
        }
        assert_eq!(cached(), before + 1, "{group:?}: one entry");
    }
    // A cursor continues every spelling of its query.
    let cursor = app.get("/v1/points?meridian=li&limit=5").await.json()["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = app
        .get(&format!("/v1/points?meridian=LI&limit=5&cursor={cursor}"))
        .await;
    assert_eq!(next.json()["items"][0]["code"], "LI6");
    // Different queries are different entries.
    let before = cached();
    app.get("/v1/points?q=hegu&limit=99").await;
    app.get("/v1/points?q=hegu&limit=100&kind=standard").await;
    assert_eq!(cached(), before + 2);
}

#[actix_web::test]
async fn a_full_cache_evicts_the_least_recently_used_body() {
    let app = local_app!("reads the response cache of the app");
    let get = |n: usize| TestRequest::get().uri(&format!("/v1/points?q=zz{n}&limit=1"));
    let key = |n: usize| {
        let filters = PointFilters {
            q: Some(format!("zz{n}")),
            ..PointFilters::default()
        };
        (
            Lang::En,
            ReadKey::Points(
                filters,
                Page {
                    limit: 1,
                    after: None,
                },
            ),
        )
    };
    for n in 0..MAX_ENTRIES {
        assert_eq!(app.send(get(n)).await.status, 200);
    }
    let snapshot = app.state.catalog.get();
    assert_eq!(snapshot.cached_responses(), MAX_ENTRIES);
    // Reading the oldest makes it the most recent.
    assert_eq!(app.send(get(0)).await.status, 200);
    for n in MAX_ENTRIES..MAX_ENTRIES + 2 {
        assert_eq!(app.send(get(n)).await.status, 200);
    }
    assert_eq!(snapshot.cached_responses(), MAX_ENTRIES);
    assert!(
        snapshot.cached_response(&key(MAX_ENTRIES + 1)).is_some(),
        "new bodies are kept"
    );
    assert!(snapshot.cached_response(&key(0)).is_some(), "recently read");
    assert!(
        snapshot.cached_response(&key(1)).is_none(),
        "least recently used: evicted"
    );
    assert!(
        snapshot.cached_response(&key(2)).is_none(),
        "next least recently used"
    );
    assert!(snapshot.cached_response(&key(3)).is_some());
}
