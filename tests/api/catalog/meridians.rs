use actix_web::test::TestRequest;

use crate::support::TestApp;

#[actix_web::test]
async fn lists_the_14_meridians_in_who_order() {
    let app = TestApp::new().await;
    let res = app.get("/v1/meridians").await;
    assert_eq!(res.status, 200);
    let body = res.json();
    let codes: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "LU", "LI", "ST", "SP", "HT", "SI", "BL", "KI", "PC", "TE", "GB", "LR", "GV", "CV"
        ]
    );
    assert!(body["next_cursor"].is_null());
    let total: i64 = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["point_count"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 361);
    let te = &body["items"][9];
    assert_eq!(te["english_name"], "Triple Energizer Meridian");
    assert_eq!(te["hanzi"], "手少阳三焦经");
    assert_eq!(te["aliases"], serde_json::json!(["SJ", "TW", "TB"]));
}

#[actix_web::test]
async fn codes_are_case_insensitive_and_aliases_resolve() {
    let app = TestApp::new().await;
    for (asked, canonical) in [
        ("LI", "LI"),
        ("li", "LI"),
        ("SJ", "TE"),
        ("sj", "TE"),
        ("LV", "LR"),
        ("DU", "GV"),
        ("REN", "CV"),
        ("Ren", "CV"),
        ("UB", "BL"),
        ("P", "PC"),
    ] {
        let res = app.get(&format!("/v1/meridians/{asked}")).await;
        assert_eq!(res.status, 200, "{asked}");
        assert_eq!(res.json()["code"], canonical, "{asked}");
    }
}

#[actix_web::test]
async fn unknown_meridian_is_a_404_problem() {
    let app = TestApp::new().await;
    let body = app.get("/v1/meridians/XX").await.problem(404, "not_found");
    assert!(body["detail"].as_str().unwrap().contains("XX"));
}

#[actix_web::test]
async fn names_follow_accept_language() {
    let app = TestApp::new().await;
    for (accept, lang, name) in [
        (None, "en", "Governor Vessel"),
        (Some("zh-CN,zh;q=0.9"), "zh-Hans", "督脉"),
        (Some("zh-TW"), "zh-Hant", "督脈"),
        (Some("fr-FR"), "en", "Governor Vessel"),
    ] {
        let mut req = TestRequest::get().uri("/v1/meridians/GV");
        if let Some(accept) = accept {
            req = req.insert_header(("accept-language", accept));
        }
        let res = app.send(req).await;
        assert_eq!(res.header("content-language"), Some(lang));
        assert_eq!(res.json()["name"], name);
        assert_eq!(res.json()["english_name"], "Governor Vessel");
    }
}

#[actix_web::test]
async fn etag_revalidation_answers_304() {
    let app = TestApp::new().await;
    let first = app.get("/v1/meridians").await;
    let etag = first.header("etag").expect("etag").to_owned();
    assert!(
        etag.starts_with('"') && etag.ends_with('"'),
        "strong etag: {etag}"
    );
    assert!(first.header("cache-control").unwrap().contains("max-age"));
    let again = app
        .get_with("/v1/meridians", &[("if-none-match", etag.as_str())])
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let other_lang = app
        .get_with(
            "/v1/meridians",
            &[
                ("if-none-match", etag.as_str()),
                ("accept-language", "zh-Hans"),
            ],
        )
        .await;
    assert_eq!(
        other_lang.status, 200,
        "another language is another representation"
    );
    let stale = app
        .get_with("/v1/meridians", &[("if-none-match", "\"old\"")])
        .await;
    assert_eq!(stale.status, 200);
}
