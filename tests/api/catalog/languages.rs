//! Localised content: every text of the catalog in Simplified and Traditional Chinese,
//! English as the fallback field by field, `Content-Language` naming what the body is
//! written in, admins editing each language, and the offline bundle per language.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use super::studio::{ok, patch};
use crate::support::{Response, TestApp};

async fn read(app: &TestApp, uri: &str, lang: &str) -> Response {
    let req = TestRequest::get()
        .uri(uri)
        .insert_header(("accept-language", lang));
    app.send(req).await
}

/// Whether `text` holds a Han character (is written in Chinese).
fn chinese(text: &Value) -> bool {
    text.as_str()
        .is_some_and(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)))
}

#[actix_web::test]
async fn every_text_is_served_in_chinese_and_says_so() {
    let app = TestApp::new().await;
    for lang in ["zh-Hans", "zh-Hant"] {
        // The whole catalog is translated: the bundle is written in one language only.
        let res = app
            .send(TestRequest::get().uri(&format!("/v1/catalog?lang={lang}")))
            .await;
        assert_eq!(res.status, 200);
        assert_eq!(res.header("content-language"), Some(lang));
        let bundle = res.json();
        assert_eq!(bundle["language"], lang);
        for p in bundle["points"].as_array().unwrap() {
            assert!(chinese(&p["location"]), "{lang} {}", p["code"]);
            if let Some(care) = p["selfcare"].as_object() {
                assert!(chinese(&care["technique"]), "{lang} {}", p["code"]);
                for list in ["how_to_find", "cautions", "traditional_uses"] {
                    for text in care[list].as_array().unwrap() {
                        assert!(chinese(text), "{lang} {} {list}", p["code"]);
                    }
                }
            }
        }
        for c in bundle["conditions"].as_array().unwrap() {
            assert!(chinese(&c["description"]), "{lang} {}", c["slug"]);
            for flag in c["see_a_doctor_when"].as_array().unwrap() {
                assert!(chinese(flag), "{lang} {} red flag", c["slug"]);
            }
            for link in c["points"].as_array().unwrap() {
                assert!(
                    chinese(&link["note"]),
                    "{lang} {} {}",
                    c["slug"],
                    link["code"]
                );
            }
        }
        for r in bundle["routines"].as_array().unwrap() {
            assert!(chinese(&r["description"]), "{lang} {}", r["slug"]);
            for step in r["steps"].as_array().unwrap() {
                assert!(chinese(&step["instruction"]), "{lang} {}", r["slug"]);
            }
        }
        let safety = &bundle["safety"];
        assert!(chinese(&safety["disclaimer"]));
        for p in safety["precautions"].as_array().unwrap() {
            assert!(
                chinese(&p["title"]) && chinese(&p["detail"]),
                "{}",
                p["slug"]
            );
        }
    }

    // One item, three ways: the red flags keep their number in every language.
    let en = read(&app, "/v1/conditions/tension-headache", "en").await;
    assert_eq!(en.header("content-language"), Some("en"));
    let hans = read(&app, "/v1/conditions/tension-headache", "zh-CN").await;
    assert_eq!(hans.header("content-language"), Some("zh-Hans"));
    let hant = read(&app, "/v1/conditions/tension-headache", "zh-TW").await;
    assert_eq!(hant.header("content-language"), Some("zh-Hant"));
    let flags = |res: &Response| res.json()["see_a_doctor_when"].as_array().unwrap().len();
    assert_eq!(flags(&en), flags(&hans));
    assert_eq!(flags(&en), flags(&hant));
    assert!(!chinese(&en.json()["description"]));
    assert_ne!(hans.json()["description"], hant.json()["description"]);
    assert_ne!(hans.header("etag"), hant.header("etag"));

    // A routine step on the pregnancy lists speaks of pregnancy in Chinese too.
    let routine = read(&app, "/v1/routines/back-relief", "zh-Hans")
        .await
        .json();
    let flagged: Vec<&Value> = routine["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["pregnancy"] != "not_listed")
        .collect();
    assert!(!flagged.is_empty());
    for step in flagged {
        assert!(
            step["instruction"].as_str().unwrap().contains('孕'),
            "{step}"
        );
    }
}

#[actix_web::test]
async fn the_bundle_is_fetched_per_language() {
    let app = TestApp::new().await;
    let get = |uri: &str, accept: &str| {
        TestRequest::get()
            .uri(uri)
            .insert_header(("accept-language", accept))
    };
    // `lang` wins over Accept-Language, and each language has its own validator.
    let hant = app.send(get("/v1/catalog?lang=zh-Hant", "en")).await;
    assert_eq!(hant.header("content-language"), Some("zh-Hant"));
    assert_eq!(hant.json()["language"], "zh-Hant");
    let negotiated = app.send(get("/v1/catalog", "zh-TW")).await;
    assert_eq!(negotiated.json()["language"], "zh-Hant");
    let english = app.send(get("/v1/catalog?lang=en", "zh-TW")).await;
    assert_eq!(english.header("content-language"), Some("en"));
    assert_ne!(hant.header("etag"), english.header("etag"));
    let again = get("/v1/catalog?lang=zh-Hant", "en")
        .insert_header(("if-none-match", hant.header("etag").unwrap()));
    assert_eq!(app.send(again).await.status, 304);
    for bad in ["fr", "zh-TW", ""] {
        let res = app.get(&format!("/v1/catalog?lang={bad}")).await;
        let problem = res.problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "lang", "{bad}");
    }
}

#[actix_web::test]
async fn admins_edit_each_language_and_a_missing_text_falls_back_to_english() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("translator@example.com").await;
    let uri = "/v1/admin/points/PC6";
    let item = ok(boss.get(uri).await);
    let english = item["content"]["location"].as_str().unwrap().to_owned();
    assert!(chinese(
        &item["content"]["translations"]["zh-Hans"]["location"]
    ));

    // Without its Simplified Chinese location, the point is served with the English
    // one, and says that the body holds English too; the other language is untouched.
    let gone = json!({"translations": {"zh-Hans": {"location": null}}});
    let edited = ok(patch(&boss, uri, Some("\"1\""), gone).await);
    assert!(edited["content"]["translations"]["zh-Hans"]["location"].is_null());
    assert!(chinese(
        &edited["content"]["translations"]["zh-Hans"]["technique"]
    ));
    let hans = read(&app, "/v1/points/PC6", "zh-Hans").await;
    assert_eq!(hans.header("content-language"), Some("zh-Hans, en"));
    assert_eq!(hans.json()["location"], english.as_str());
    assert!(
        chinese(&hans.json()["selfcare"]["technique"]),
        "the rest stays"
    );
    let hant = read(&app, "/v1/points/PC6", "zh-Hant").await;
    assert_eq!(hant.header("content-language"), Some("zh-Hant"));
    let bundle = app.get("/v1/catalog?lang=zh-Hans").await;
    assert_eq!(bundle.header("content-language"), Some("zh-Hans, en"));

    // A new text in one language is served at once.
    let text = "前臂掌侧，腕横纹上 2 寸，两条肌腱之间（编辑后）。";
    let new = json!({"translations": {"zh-Hans": {"location": text}}});
    ok(patch(&boss, uri, Some("\"2\""), new).await);
    let hans = read(&app, "/v1/points/PC6", "zh-Hans").await;
    assert_eq!(hans.json()["location"], text);
    assert_eq!(hans.header("content-language"), Some("zh-Hans"));

    // The loader's rules hold for every language: a caution left out, English in the
    // Chinese slot, a language acupress does not write.
    for bad in [
        json!({"translations": {"zh-Hant": {"cautions": []}}}),
        json!({"translations": {"zh-Hant": {"cautions": ["一", "二", "三", "四", "五"]}}}),
        json!({"translations": {"zh-Hans": {"technique": "Press between the tendons."}}}),
    ] {
        patch(&boss, uri, Some("\"3\""), bad)
            .await
            .problem(422, "content_invalid");
    }
    let problem = patch(
        &boss,
        uri,
        Some("\"3\""),
        json!({"translations": {"fr": {"location": "Sur le poignet."}}}),
    )
    .await
    .problem(422, "validation_failed");
    assert!(problem.to_string().contains("fr"), "{problem}");

    // A precaution's title, edited in Traditional Chinese, reaches GET /v1/safety.
    let title = "開放性傷口（已編輯）";
    let precaution = json!({"translations": {"zh-Hant": {"title": title}}});
    ok(patch(
        &boss,
        "/v1/admin/precautions/open-wounds",
        Some("*"),
        precaution,
    )
    .await);
    let safety = read(&app, "/v1/safety", "zh-Hant").await.json();
    let open = safety["precautions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "open-wounds")
        .unwrap()
        .clone();
    assert_eq!(open["title"], title);
    assert!(
        open.get("translations").is_none(),
        "the public shape is one language"
    );

    // A routine step on the pregnancy lists may not lose its word about pregnancy in
    // a translation.
    let routine = ok(boss.get("/v1/admin/routines/back-relief").await);
    let mut steps = routine["content"]["steps"].as_array().unwrap().clone();
    let flagged = steps
        .iter()
        .position(|s| {
            s["translations"]["zh-Hans"]["instruction"]
                .as_str()
                .is_some_and(|t| t.contains('孕'))
        })
        .expect("a flagged step");
    steps[flagged]["translations"]["zh-Hans"]["instruction"] = json!("用拇指慢慢按压。");
    patch(
        &boss,
        "/v1/admin/routines/back-relief",
        Some("*"),
        json!({ "steps": steps }),
    )
    .await
    .problem(422, "content_invalid");
}
