//! The content studio: admins edit points, conditions, links, routines and precautions
//! under `/v1/admin/...`, each write checked by the loader's rules, based on the item's
//! revision (`If-Match`), audited, restorable, and served at once.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::support::{Account, Response};

/// `method uri` with a merge-patch or JSON body and `If-Match`.
async fn send(
    who: &Account<'_>,
    req: TestRequest,
    if_match: Option<&str>,
    body: Option<(&str, Value)>,
) -> Response {
    let mut req = req;
    if let Some(tag) = if_match {
        req = req.insert_header(("if-match", tag));
    }
    if let Some((content_type, body)) = body {
        req = req
            .insert_header(("content-type", content_type))
            .set_payload(body.to_string());
    }
    who.send(req).await
}

pub(super) async fn patch(
    who: &Account<'_>,
    uri: &str,
    tag: Option<&str>,
    body: Value,
) -> Response {
    let req = TestRequest::patch().uri(uri);
    send(who, req, tag, Some(("application/merge-patch+json", body))).await
}

async fn retire(who: &Account<'_>, uri: &str, tag: Option<&str>) -> Response {
    send(who, TestRequest::delete().uri(uri), tag, None).await
}

async fn restore(who: &Account<'_>, uri: &str, tag: &str, revision: i32) -> Response {
    let req = TestRequest::post().uri(&format!("{uri}/restore"));
    let body = json!({ "revision": revision });
    send(who, req, Some(tag), Some(("application/json", body))).await
}

pub(super) fn ok(res: Response) -> Value {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

/// The item's ETag, as If-Match wants it.
fn tag(res: &Response) -> String {
    res.header("etag").expect("an ETag").to_owned()
}

#[actix_web::test]
async fn only_admins_edit_the_catalog() {
    let app = local_app!("grants the admin role through the library");
    let mei = app.register("mei@example.com").await;
    let guest = app.guest().await;
    for who in [&mei, &guest] {
        who.get("/v1/admin/points/LI4/revisions")
            .await
            .problem(403, "forbidden");
        for uri in [
            "/v1/admin/points/LI4",
            "/v1/admin/conditions/insomnia",
            "/v1/admin/links/insomnia/HT7",
            "/v1/admin/routines/sleep-wind-down",
            "/v1/admin/precautions/open-wounds",
        ] {
            who.get(uri).await.problem(403, "forbidden");
            patch(who, uri, Some("\"1\""), json!({}))
                .await
                .problem(403, "forbidden");
            retire(who, uri, Some("\"1\""))
                .await
                .problem(403, "forbidden");
        }
        who.post("/v1/admin/routines", json!({}))
            .await
            .problem(403, "forbidden");
        // Whatever the body: a user learns nothing from its checks.
        let req = TestRequest::post().uri("/v1/admin/points/LI4/restore");
        send(
            who,
            req,
            Some("*"),
            Some(("application/json", json!({"revision": 0.5}))),
        )
        .await
        .problem(403, "forbidden");
    }
    app.get("/v1/admin/points/LI4")
        .await
        .problem(401, "missing_token");
}

#[actix_web::test]
async fn an_edit_is_served_at_once_audited_and_restorable() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    let public_before = app.get("/v1/points/LU1").await;
    let version_before = app.get("/v1/catalog/version").await.json()["version"].clone();

    let read = boss.get("/v1/admin/points/LU1").await;
    assert_eq!(tag(&read), "\"1\"");
    let item = ok(read);
    assert_eq!(item["revision"], 1);
    assert_eq!(item["edited"], false);
    assert_eq!(item["retired"], false);
    let old_name = item["content"]["english_name"].clone();

    let edited = patch(
        &boss,
        "/v1/admin/points/LU1",
        Some("\"1\""),
        json!({"english_name": "Leg Three Li", "pregnancy": "caution"}),
    )
    .await;
    assert_eq!(tag(&edited), "\"2\"");
    let edited = ok(edited);
    assert_eq!(edited["revision"], 2);
    assert_eq!(edited["edited"], true);
    assert_eq!(edited["content"]["english_name"], "Leg Three Li");
    assert_eq!(
        edited["content"]["pregnancy"], "caution",
        "stricter is allowed"
    );

    // Stricter on a point a routine presses needs that step to speak of pregnancy first.
    patch(
        &boss,
        "/v1/admin/points/ST36",
        Some("*"),
        json!({"pregnancy": "caution"}),
    )
    .await
    .problem(422, "content_invalid");

    // The public API serves it at once, with a new version and new validators.
    let public = app.get("/v1/points/LU1").await;
    assert_eq!(public.json()["english_name"], "Leg Three Li");
    assert_ne!(public.header("etag"), public_before.header("etag"));
    let version = app.get("/v1/catalog/version").await.json()["version"].clone();
    assert_ne!(version, version_before);
    let bundle = app.get("/v1/catalog").await.text();
    assert!(bundle.contains("Leg Three Li"));

    // The audit shows what changed, before and after.
    let audit = ok(boss.get("/v1/admin/audit?subject=point:LU1").await);
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["subject_kind"], "point");
    assert_eq!(entry["actor"], boss.id.as_str());
    assert_eq!(
        entry["before"],
        json!({"english_name": old_name, "pregnancy": "not_listed"})
    );
    assert_eq!(
        entry["after"],
        json!({"english_name": "Leg Three Li", "pregnancy": "caution"})
    );

    // Back to revision 1: the baseline again, as revision 3.
    let back = ok(restore(&boss, "/v1/admin/points/LU1", "\"2\"", 1).await);
    assert_eq!(back["revision"], 3);
    assert_eq!(back["edited"], false, "the baseline's content again");
    assert_eq!(back["content"]["english_name"], old_name);
    assert_eq!(
        app.get("/v1/points/LU1").await.json()["english_name"],
        old_name
    );
    let revisions = ok(boss.get("/v1/admin/points/LU1/revisions?limit=2").await);
    let numbers: Vec<i64> = revisions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 2]);
    assert_eq!(revisions["items"][1]["actor"], boss.id.as_str());
    let older = revisions["next_cursor"].as_str().unwrap();
    let rest = ok(boss
        .get(&format!("/v1/admin/points/LU1/revisions?cursor={older}"))
        .await);
    assert_eq!(rest["items"][0]["revision"], 1);
    assert_eq!(rest["items"][0]["actor"], Value::Null, "the data files'");
    assert_eq!(rest["next_cursor"], Value::Null);
    let actions: Vec<String> = ok(boss.get("/v1/admin/audit?subject=point:LU1").await)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["restore", "update"]);
}

#[actix_web::test]
async fn a_change_on_a_stale_revision_is_refused_with_412() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    let other = app.admin("other@example.com").await;
    let uri = "/v1/admin/precautions/open-wounds";
    let seen = tag(&boss.get(uri).await);
    let seen_too = tag(&other.get(uri).await);
    assert_eq!(seen, seen_too);

    let first = patch(
        &boss,
        uri,
        Some(&seen),
        json!({"title": "Open wounds and cuts"}),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text());
    let late = patch(&other, uri, Some(&seen_too), json!({"title": "Wounds"})).await;
    late.problem(412, "revision_mismatch");
    patch(&other, uri, None, json!({"title": "Wounds"}))
        .await
        .problem(428, "revision_required");
    patch(&other, uri, Some("W/\"2\""), json!({"title": "Wounds"}))
        .await
        .problem(400, "bad_request");
    retire(&other, uri, Some(&seen_too))
        .await
        .problem(412, "revision_mismatch");
    let now = ok(other.get(uri).await);
    assert_eq!(
        now["content"]["title"], "Open wounds and cuts",
        "the first edit stands"
    );
    assert_eq!(now["revision"], 2);
    // A revision is a whole number from 1 (`1.0` is one).
    let req = TestRequest::post().uri(&format!("{uri}/restore"));
    send(
        &boss,
        req,
        Some("*"),
        Some(("application/json", json!({"revision": 0}))),
    )
    .await
    .problem(422, "validation_failed");
    let back = ok(send(
        &boss,
        TestRequest::post().uri(&format!("{uri}/restore")),
        Some("\"2\""),
        Some(("application/json", json!({"revision": 1.0}))),
    )
    .await);
    assert_eq!(back["revision"], 3);
    assert_eq!(back["edited"], false);
    let first = ok(restore(&boss, uri, "\"3\"", 2).await);
    assert_eq!(first["content"]["title"], "Open wounds and cuts");
    // The same content again writes nothing.
    let same = ok(patch(
        &boss,
        uri,
        Some("\"4\""),
        json!({"title": "Open wounds and cuts"}),
    )
    .await);
    assert_eq!(same["revision"], 4);
}

#[actix_web::test]
async fn every_write_is_checked_by_the_loaders_rules_and_writes_nothing_when_refused() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    let version = app.get("/v1/catalog/version").await.json()["version"].clone();
    let no_guidance = app.get("/v1/points?limit=100").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["has_selfcare"] == false)
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .unwrap();
    let routine = ok(boss.get("/v1/admin/routines/tension-headache-relief").await);
    let mut steps = routine["content"]["steps"].clone();
    steps[0]["point"] = json!(no_guidance);
    let refused = [
        (
            "/v1/admin/routines/tension-headache-relief",
            json!({ "steps": steps }),
            "content_invalid",
            "no self-care guidance",
        ),
        (
            "/v1/admin/routines/tension-headache-relief",
            json!({"steps": [{"point": "GB20", "side": "both", "seconds": 60,
                "pressure": "firm", "instruction": "Press hard."}]}),
            "content_invalid",
            "its guidance says",
        ),
        (
            "/v1/admin/links/insomnia/HT7",
            json!({"evidence": "reviewed", "review": null, "review_scope": null}),
            "content_invalid",
            "names no review",
        ),
        (
            "/v1/admin/points/LI4",
            json!({"pregnancy": "not_listed"}),
            "content_invalid",
            "never laxer",
        ),
        (
            "/v1/admin/points/LI4",
            json!({"english_name": null}),
            "validation_failed",
            "english_name",
        ),
        (
            "/v1/admin/points/LI4",
            json!({"code": "LI5"}),
            "validation_failed",
            "cannot be changed",
        ),
        (
            "/v1/admin/points/LI4",
            json!({"colour": "red"}),
            "validation_failed",
            "colour",
        ),
        (
            "/v1/admin/conditions/insomnia",
            json!({"see_a_doctor_when": []}),
            "content_invalid",
            "red flags",
        ),
        (
            "/v1/admin/precautions/open-wounds",
            json!({"detail": "two\nlines"}),
            "content_invalid",
            "open-wounds",
        ),
    ];
    for (uri, body, code, says) in refused {
        let res = patch(&boss, uri, Some("*"), body.clone()).await;
        let status = if code == "content_invalid" || code == "validation_failed" {
            422
        } else {
            400
        };
        let problem = res.problem(status, code);
        assert!(
            problem.to_string().contains(says),
            "{uri} {body}: {problem}"
        );
        assert_eq!(
            ok(boss.get(uri).await)["revision"],
            1,
            "{uri}: nothing written"
        );
    }
    // A point used by a live link or routine cannot be retired; a link can.
    retire(&boss, "/v1/admin/points/HT7", Some("*"))
        .await
        .problem(422, "content_invalid");
    assert_eq!(
        app.get("/v1/catalog/version").await.json()["version"],
        version,
        "no version for refused writes"
    );
}

#[actix_web::test]
async fn a_retired_item_leaves_the_lists_but_resolves_where_it_is_used() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    let mei = app.register("mei@example.com").await;
    let fav = mei
        .put("/v1/me/favorites/routine/sleep-wind-down", json!({}))
        .await;
    assert_eq!(fav.status, 200, "{}", fav.text());
    let session = mei
        .create_session(
            json!({"id": uuid::Uuid::now_v7(), "started_at": "2026-11-30T21:00:00Z",
            "duration_seconds": 300, "routine": "sleep-wind-down"}),
        )
        .await;
    assert_eq!(session.status, 201, "{}", session.text());

    let uri = "/v1/admin/routines/sleep-wind-down";
    let retired = ok(retire(&boss, uri, Some("\"1\"")).await);
    assert_eq!(retired["retired"], true);
    let listed = app.get("/v1/routines?limit=100").await.json();
    assert!(
        !listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["slug"] == "sleep-wind-down")
    );
    assert!(
        !app.get("/v1/catalog")
            .await
            .text()
            .contains("\"sleep-wind-down\"")
    );
    let still = app.get("/v1/routines/sleep-wind-down").await;
    assert_eq!(still.status, 200, "{}", still.text());
    assert_eq!(still.json()["retired"], true);
    let favorites = mei.get("/v1/me/favorites").await.json();
    assert_eq!(favorites["items"][0]["retired"], true);
    assert_eq!(favorites["items"][0]["name"], "Sleep wind-down");
    assert_eq!(mei.list_sessions("").await.status, 200);
    mei.put("/v1/me/favorites/routine/sleep-wind-down", json!({}))
        .await
        .problem(422, "validation_failed");

    // A condition a live routine is for cannot be retired.
    retire(&boss, "/v1/admin/conditions/tension-headache", Some("*"))
        .await
        .problem(422, "content_invalid");

    // Restored, it is listed again.
    let back = ok(restore(&boss, uri, "\"2\"", 1).await);
    assert_eq!(back["retired"], false);
    let listed = app.get("/v1/routines?limit=100").await.json();
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["slug"] == "sleep-wind-down")
    );
}

#[actix_web::test]
async fn admins_create_conditions_links_routines_and_precautions() {
    let app = local_app!("grants the admin role through the library");
    let boss = app.admin("boss@example.com").await;
    let condition = json!({
        "slug": "exam-nerves", "name": "Exam nerves", "name_zh_hans": null,
        "name_zh_hant": null, "category": "mind_sleep", "keywords": ["exam"],
        "description": "Restless worry before a test.",
        "see_a_doctor_when": ["Panic attacks that keep coming back."], "caution": null,
        "points": [{"code": "PC6", "evidence": "traditional", "note": "Calming wrist point."}]
    });
    let created = boss.post("/v1/admin/conditions", condition.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.header("etag"), Some("\"1\""));
    assert_eq!(created.json()["edited"], true);
    boss.post("/v1/admin/conditions", condition)
        .await
        .problem(409, "item_exists");
    let link = boss
        .post(
            "/v1/admin/links",
            json!({"condition": "exam-nerves", "code": "HT7", "rank": 2,
                "evidence": "traditional", "note": "Wrist crease point for calm.",
                "review": null, "review_scope": null}),
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.text());
    let public = app.get("/v1/conditions/exam-nerves").await.json();
    let codes: Vec<&str> = public["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["PC6", "HT7"]);
    let orphan = boss
        .post(
            "/v1/admin/links",
            json!({"condition": "no-such-thing", "code": "HT7", "rank": 1,
                "evidence": "traditional", "note": "x", "review": null, "review_scope": null}),
        )
        .await;
    orphan.problem(422, "content_invalid");

    let routine = boss
        .post(
            "/v1/admin/routines",
            json!({"slug": "exam-calm", "name": "Exam calm", "name_zh_hans": null,
                "name_zh_hant": null, "description": "Two wrist points before a test.",
                "conditions": ["exam-nerves"], "level": "beginner",
                "steps": [{"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium",
                    "instruction": "Press between the two tendons."}]}),
        )
        .await;
    assert_eq!(routine.status, 201, "{}", routine.text());
    assert_eq!(
        app.get("/v1/routines/exam-calm").await.json()["steps"][0]["point"],
        "PC6"
    );
    let precaution = boss
        .post(
            "/v1/admin/precautions",
            json!({"slug": "fresh-tattoo", "level": "avoid", "title": "A fresh tattoo",
                "detail": "Leave new tattoos alone until they have healed."}),
        )
        .await;
    assert_eq!(precaution.status, 201, "{}", precaution.text());
    let safety = app.get("/v1/safety").await.json();
    assert!(
        safety["precautions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["slug"] == "fresh-tattoo")
    );
    // Points are WHO's and the reference data's: they are edited, not created.
    boss.post("/v1/admin/points", json!({}))
        .await
        .problem(404, "not_found");
}
