//! Safety data: precautions and pregnancy levels.

use serde_json::json;

use super::{codes, walk};
use crate::support::TestApp;

#[actix_web::test]
async fn safety_data_and_pregnancy_levels() {
    let app = TestApp::new().await;
    let safety = app.get("/v1/safety").await.json();
    let disclaimer = safety["disclaimer"].as_str().unwrap().to_lowercase();
    assert!(disclaimer.contains("not replace") || disclaimer.contains("does not replace"));
    let slugs: Vec<&str> = safety["precautions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    for slug in [
        "open-wounds",
        "varicose-veins",
        "tumours",
        "fractures",
        "recent-surgery",
        "inflamed-skin",
        "bleeding-risk",
        "after-meals",
        "children",
        "frail-elderly-osteoporosis",
        // Asked for by the outside content review.
        "front-of-neck",
        "armpit",
        "aneurysm-or-hernia",
        "lymphoedema",
        "while-driving",
        "recent-eye-surgery",
    ] {
        assert!(slugs.contains(&slug), "{slug}");
    }
    let mut contraindicated: Vec<&str> = safety["pregnancy"]["contraindicated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    contraindicated.sort();
    // Baxie (EX-UE9) takes LI4's level: one of its webs is the one LI4 is pinched in.
    // Zigong (EX-CA1), over the womb itself, is made stricter than its neighbours.
    assert_eq!(
        contraindicated,
        [
            "BL31", "BL32", "BL60", "BL67", "EX-CA1", "EX-UE9", "GB21", "LI4", "SP6"
        ]
    );
    // 60 standard points from the teaching lists, and 3 extra points that lie level
    // with flagged ones on the lower back
    let caution: Vec<&str> = safety["pregnancy"]["caution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(caution.len(), 63);
    for code in ["EX-B2", "EX-B7", "EX-B8"] {
        assert!(caution.contains(&code), "{code}");
    }
    let zigong = app.get("/v1/points/EX-CA1").await.json();
    assert_eq!(zigong["pregnancy"], "contraindicated");
    assert_eq!(
        zigong["pregnancy_listed"], "caution",
        "the lists' level, for the record"
    );
    assert_eq!(zigong["pregnancy_sources"], json!(["CV3", "ST29"]));
    let safe = codes(
        &app.get("/v1/points?pregnancy=not_listed&region=abdomen&limit=100")
            .await,
    );
    assert!(!safe.contains(&"EX-CA1".to_owned()));
    let listed = walk(&app, "/v1/points?pregnancy=contraindicated").await;
    assert_eq!(listed.len(), 9);
    assert_eq!(
        app.get("/v1/points/CV4").await.json()["pregnancy"],
        "caution"
    );
    assert_eq!(
        app.get("/v1/points/ST36").await.json()["pregnancy"],
        "not_listed"
    );
}

fn warned(body: &serde_json::Value) -> Vec<(String, Option<String>)> {
    body["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_owned(),
                w["point"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

const NOTHING: serde_json::Value = serde_json::Value::Bool(false);

fn profile(facts: &[&str]) -> serde_json::Value {
    let mut profile = json!({"pregnant": NOTHING, "bleeding_risk": NOTHING,
        "varicose_veins": NOTHING, "recent_surgery_or_fracture": NOTHING,
        "skin_condition": NOTHING});
    for fact in facts {
        profile[*fact] = json!(true);
    }
    profile
}

#[actix_web::test]
async fn a_check_without_an_account_uses_the_profile_sent() {
    let app = TestApp::new().await;
    let res = app
        .post(
            "/v1/safety/check",
            json!({"points": ["li-4", "PC6", "SP6"], "profile": profile(&["pregnant"])}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["profile_source"], "request");
    assert_eq!(
        warned(&body),
        [
            ("pregnancy_contraindicated".into(), Some("LI4".into())),
            ("pregnancy_contraindicated".into(), Some("SP6".into())),
        ]
    );
    // Why: the teaching lists that flag the point, as the point itself lists them.
    let li4 = app.get_json("/v1/points/LI4").await;
    assert_eq!(body["warnings"][0]["sources"], li4["pregnancy_sources"]);
    assert_eq!(body["warnings"][0]["precaution"], serde_json::Value::Null);

    // A routine is judged with its steps' pressures; varicose veins warn on leg points.
    let routine = app.get_json("/v1/routines/knee-ease").await;
    let legs = app
        .post(
            "/v1/safety/check",
            json!({"routine": routine["slug"], "profile": profile(&["varicose_veins"])}),
        )
        .await
        .json();
    let leg_warnings = warned(&legs);
    assert!(!leg_warnings.is_empty(), "{legs}");
    for (code, point) in &leg_warnings {
        assert_eq!(code, "varicose_veins_leg");
        assert!(point.is_some());
    }
    assert_eq!(legs["warnings"][0]["precaution"], "varicose-veins");

    // A healthy profile: nothing to warn about.
    let calm = app
        .post(
            "/v1/safety/check",
            json!({"points": ["LI4"], "profile": profile(&[])}),
        )
        .await
        .json();
    assert!(warned(&calm).is_empty(), "{calm}");
}

#[actix_web::test]
async fn signed_in_the_accounts_own_profile_is_used() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    mei.set_profile(json!({"safety_profile": {"pregnant": true, "skin_condition": true}}))
        .await;
    let res = mei
        .post("/v1/safety/check", json!({"points": ["LI4", "ST36"]}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["profile_source"], "account");
    assert_eq!(body["profile"]["pregnant"], true);
    assert_eq!(
        warned(&body),
        [
            ("pregnancy_contraindicated".into(), Some("LI4".into())),
            ("skin_condition".into(), None),
        ]
    );
    // Signed in, a profile in the body is refused rather than silently ignored.
    let both = mei
        .post(
            "/v1/safety/check",
            json!({"points": ["LI4"], "profile": profile(&[])}),
        )
        .await
        .problem(422, "validation_failed");
    assert_eq!(both["errors"][0]["field"], "profile");
    // A token that is sent must be good: a bad one is not taken for "signed out".
    app.send(crate::support::bearer(
        actix_web::test::TestRequest::post()
            .uri("/v1/safety/check")
            .set_json(json!({"points": ["LI4"], "profile": profile(&[])})),
        "not-a-token",
    ))
    .await
    .problem(401, "invalid_token");
}

#[actix_web::test]
async fn a_check_names_what_it_cannot_judge() {
    let app = TestApp::new().await;
    let check = |body: serde_json::Value| app.post("/v1/safety/check", body);
    let refused = check(
        json!({"points": ["LI4", "XX99"], "routine": "no-such-routine",
        "profile": profile(&[])}),
    )
    .await
    .problem(422, "validation_failed");
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["points[1]", "routine"]);
    for (body, field) in [
        (json!({"points": ["LI4"]}), "profile"),
        (json!({"profile": profile(&[])}), "points"),
        (
            json!({"points": vec!["LI4"; 101], "profile": profile(&[])}),
            "points",
        ),
        (
            json!({"points": ["LI4"], "profile": {"pregnant": true}}),
            "profile",
        ),
        (
            json!({"points": ["LI4"], "profile": profile(&[]), "extra": 1}),
            "extra",
        ),
    ] {
        let problem = check(body.clone()).await.problem(422, "validation_failed");
        assert!(
            problem["errors"][0]["field"]
                .as_str()
                .unwrap()
                .starts_with(field),
            "{body}: {problem}"
        );
    }
}

#[actix_web::test]
async fn signed_in_reads_carry_the_readers_warnings_privately() {
    let app = TestApp::new().await;
    let public = app.get("/v1/points/LI4").await;
    assert_eq!(public.status, 200);
    assert!(
        public.json().get("warnings").is_none(),
        "public reads say nothing personal"
    );
    let public_etag = public.header("etag").unwrap().to_owned();

    let mei = app.register("mei@example.com").await;
    let calm = mei.get("/v1/points/LI4").await;
    assert_eq!(calm.status, 200, "{}", calm.text());
    assert_eq!(
        calm.json()["warnings"],
        json!([]),
        "signed in, nothing to warn about"
    );
    assert_eq!(calm.header("cache-control"), Some("private, no-cache"));
    assert!(calm.header("vary").unwrap().contains("Authorization"));
    let calm_etag = calm.header("etag").unwrap().to_owned();
    assert_ne!(calm_etag, public_etag, "never the public ETag");

    // The profile changes: the next read warns at once, under another ETag.
    mei.set_profile(json!({"safety_profile": {"pregnant": true, "varicose_veins": true}}))
        .await;
    let li4 = mei.get("/v1/points/LI4").await;
    let body = li4.json();
    assert_eq!(
        warned(&body),
        [("pregnancy_contraindicated".into(), Some("LI4".into()))]
    );
    assert_eq!(body["code"], "LI4", "the point itself is all there: {body}");
    let li4_etag = li4.header("etag").unwrap().to_owned();
    assert_ne!(li4_etag, calm_etag);
    let revalidated = mei
        .get_with("/v1/points/LI4", &[("if-none-match", li4_etag.as_str())])
        .await;
    assert_eq!(revalidated.status, 304);
    assert_eq!(
        revalidated.header("cache-control"),
        Some("private, no-cache")
    );
    // The public ETag does not revalidate the personal answer, nor the other way round.
    let stale = mei
        .get_with("/v1/points/LI4", &[("if-none-match", public_etag.as_str())])
        .await;
    assert_eq!(stale.status, 200);
    let anonymous = app
        .get_with("/v1/points/LI4", &[("if-none-match", li4_etag.as_str())])
        .await;
    assert_eq!(anonymous.status, 200);
    assert!(anonymous.json().get("warnings").is_none());

    // A routine warns with its steps' pressures, a condition for its points.
    let routine = mei.get("/v1/routines/knee-ease").await.json();
    assert!(
        warned(&routine)
            .iter()
            .any(|(code, _)| code == "varicose_veins_leg"),
        "{routine}"
    );
    assert!(routine["steps"].as_array().is_some_and(|s| !s.is_empty()));
    let headache = mei.get("/v1/conditions/tension-headache").await.json();
    assert!(
        warned(&headache).iter().any(|w| w
            == &(
                "pregnancy_contraindicated".to_owned(),
                Some("LI4".to_owned())
            )),
        "{headache}"
    );
    // Lists stay public and the same for everyone.
    let list = mei.get("/v1/points?limit=5").await;
    assert!(list.json().get("warnings").is_none());

    // A signed-out device reads nothing personal: its token is refused.
    mei.logout().await;
    mei.get("/v1/points/LI4")
        .await
        .problem(401, "session_revoked");
}

#[actix_web::test]
async fn conditions_warn_of_what_the_content_review_asked_for() {
    let app = TestApp::new().await;
    for (slug, words) in [
        ("neck-shoulder-tension", "double vision"),
        ("jaw-tension", "while chewing"),
        ("tension-headache", "after giving birth"),
        ("migraine", "while pregnant"),
        ("low-back-pain", "steroid"),
    ] {
        let condition = app.get(&format!("/v1/conditions/{slug}")).await.json();
        let flags = condition["see_a_doctor_when"].to_string();
        assert!(flags.contains(words), "{slug}: {flags}");
    }
}

#[actix_web::test]
async fn baxie_is_handled_as_li4_in_pregnancy() {
    let app = TestApp::new().await;
    let li4 = app.get("/v1/points/LI4").await.json();
    let baxie = app.get("/v1/points/EX-UE9").await.json();
    assert_eq!(baxie["pregnancy"], li4["pregnancy"]);
    assert_eq!(baxie["pregnancy"], "contraindicated");
    let checked = app
        .post(
            "/v1/safety/check",
            json!({"points": ["EX-UE9", "EX-CA1"], "profile": profile(&["pregnant"])}),
        )
        .await
        .json();
    let messages = checked["warnings"].to_string();
    assert!(
        messages.contains("it lies at LI4")
            && messages.contains("it lies at CV3 and ST29, which the teaching lists flag; acupress's editors rate it stricter"),
        "an extra point's warning names the flagged points, not lists: {messages}"
    );
}
