//! Session history: validation, BOLA, idempotency, sync, statistics (checklist 15, 19, 22–25).

use std::collections::HashSet;

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::common::{Account, Response, TestApp, count_rows, execute};

fn session(started_at: &str) -> Value {
    json!({"started_at": started_at, "duration_seconds": 300,
        "steps": [{"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium"}]})
}

async fn create(app: &TestApp, who: &Account, body: Value) -> Response {
    app.authed(
        TestRequest::post().uri("/v1/me/sessions").set_json(body),
        &who.access,
    )
    .await
}

async fn created_id(app: &TestApp, who: &Account, body: Value) -> String {
    let res = create(app, who, body).await;
    assert_eq!(res.status, 201, "{}", String::from_utf8_lossy(&res.body));
    res.json()["session"]["id"].as_str().unwrap().to_owned()
}

async fn set_profile(app: &TestApp, who: &Account, patch: Value) {
    let res = app
        .authed(
            TestRequest::patch().uri("/v1/me").set_json(patch),
            &who.access,
        )
        .await;
    assert_eq!(res.status, 200);
}

fn count_sessions(url: &str, user: &str) -> i64 {
    count_rows(
        url,
        format!("SELECT count(*) AS n FROM massage_sessions WHERE user_id = '{user}'"),
    )
}

#[actix_web::test]
async fn a_session_is_stored_with_canonical_codes_and_safety_warnings() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let mut body = session("2026-11-20T21:00:00Z");
    body["steps"] = json!([
        {"point": "li-4", "side": "left", "seconds": 60, "pressure": "firm"},
        {"point": "Ren 6", "side": "midline", "seconds": 45, "pressure": "light"},
        {"point": "zusanli", "side": "both", "seconds": 90, "pressure": "medium"}
    ]);
    body["condition"] = json!("tension-headache");
    body["routine"] = json!("tension-headache-relief");
    body["pain_before"] = json!(7);
    body["pain_after"] = json!(3);
    body["notes"] = json!("Two lines:\nfelt better.");
    let res = create(&app, &mei, body.clone()).await;
    assert_eq!(res.status, 201);
    let stored = res.json();
    let id = stored["session"]["id"].as_str().unwrap();
    assert_eq!(
        res.header("location"),
        Some(format!("/v1/me/sessions/{id}").as_str())
    );
    let points: Vec<&str> = stored["session"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["point"].as_str().unwrap())
        .collect();
    assert_eq!(points, ["LI4", "CV6", "ST36"]);
    assert!(
        stored["warnings"].as_array().unwrap().is_empty(),
        "no profile, no warnings"
    );

    set_profile(
        &app,
        &mei,
        json!({"safety_profile": {"pregnant": true, "bleeding_risk": true}}),
    )
    .await;
    let res = create(&app, &mei, body).await;
    assert_eq!(res.status, 201, "accepted anyway");
    let warnings = res.json()["warnings"].clone();
    let codes: HashSet<(String, String)> = warnings
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_owned(),
                w["point"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        codes.contains(&("pregnancy_contraindicated".into(), "LI4".into())),
        "{warnings}"
    );
    assert!(codes.contains(&("pregnancy_caution".into(), "CV6".into())));
    assert!(codes.contains(&("bleeding_risk_firm_pressure".into(), "LI4".into())));
    assert!(!codes.iter().any(|(_, p)| p == "ST36"), "ST36 is fine");
    let fetched = app
        .authed(
            TestRequest::get().uri(&format!("/v1/me/sessions/{id}")),
            &mei.access,
        )
        .await;
    assert_eq!(fetched.json(), stored["session"]);
}

#[actix_web::test]
async fn every_bad_field_is_a_422_naming_it() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let base = session("2026-11-20T21:00:00Z");
    let with = |key: &str, value: Value| {
        let mut b = base.clone();
        b[key] = value;
        b
    };
    let step = |key: &str, value: Value| {
        let mut b = base.clone();
        b["steps"][0][key] = value;
        b
    };
    for (body, field) in [
        (with("pain_before", json!(11)), "pain_before"),
        (with("pain_after", json!(-1)), "pain_after"),
        (with("stress_before", json!(12)), "stress_before"),
        (with("duration_seconds", json!(-5)), "duration_seconds"),
        (with("duration_seconds", json!(0)), "duration_seconds"),
        (with("duration_seconds", json!(86_401)), "duration_seconds"),
        (
            with("started_at", json!("1999-12-31T23:00:00Z")),
            "started_at",
        ),
        (
            with("started_at", json!("2099-01-01T00:00:00Z")),
            "started_at",
        ),
        (with("routine", json!("no-such-routine")), "routine"),
        (with("condition", json!("no-such-condition")), "condition"),
        (with("mood", json!("x".repeat(41))), "mood"),
        (with("mood", json!("calm\u{0}")), "mood"),
        (with("notes", json!("n".repeat(2001))), "notes"),
        (with("notes", json!("bell\u{7}")), "notes"),
        (step("point", json!("XX99")), "steps[0].point"),
        (step("seconds", json!(0)), "steps[0].seconds"),
        (
            with(
                "steps",
                json!(vec![
                    json!({"point": "PC6", "side": "both", "seconds": 5, "pressure": "light"});
                    101
                ]),
            ),
            "steps",
        ),
    ] {
        let res = create(&app, &mei, body).await;
        let problem = res.problem(422, "validation_failed");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field}: {problem}");
    }
    // Type errors, unknown and server-owned fields: refused by the JSON reader.
    let mut without_start = base.clone();
    without_start.as_object_mut().unwrap().remove("started_at");
    let mut step_without_point = base.clone();
    step_without_point["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("point");
    for (body, field) in [
        (
            with("started_at", json!("+99999-01-01T00:00:00Z")),
            "started_at",
        ),
        (with("pain_before", json!("a lot")), "pain_before"),
        (step("side", json!("upside-down")), "steps[0].side"),
        (step("pressure", json!("crushing")), "steps[0].pressure"),
        (with("user_id", json!(mei.id)), "user_id"),
        (
            with("created_at", json!("2026-01-01T00:00:00Z")),
            "created_at",
        ),
        (with("colour", json!("red")), "colour"),
        (without_start, "started_at"),
        (step_without_point, "steps[0].point"),
    ] {
        let problem = create(&app, &mei, body)
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    assert_eq!(
        count_sessions(&app.state.config.database_url, &mei.id),
        0,
        "nothing half-written"
    );
}

#[actix_web::test]
async fn another_users_sessions_are_404_on_every_route() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let id = created_id(&app, &mei, session("2026-11-20T21:00:00Z")).await;
    let uri = format!("/v1/me/sessions/{id}");
    app.authed(TestRequest::get().uri(&uri), &li.access)
        .await
        .problem(404, "not_found");
    app.authed(
        TestRequest::patch()
            .uri(&uri)
            .set_json(json!({"pain_after": 0})),
        &li.access,
    )
    .await
    .problem(404, "not_found");
    app.authed(TestRequest::delete().uri(&uri), &li.access)
        .await
        .problem(404, "not_found");
    let list = app
        .authed(TestRequest::get().uri("/v1/me/sessions"), &li.access)
        .await
        .json();
    assert!(list["items"].as_array().unwrap().is_empty());
    let pull = app
        .authed(TestRequest::get().uri("/v1/me/sync"), &li.access)
        .await
        .json();
    assert!(pull["changes"].as_array().unwrap().is_empty());
    // Creating or pushing the same id makes a record of li's own, and mei's stays as it
    // is: history_hardening::two_accounts_store_the_same_client_uuid.
    let mine = app.authed(TestRequest::get().uri(&uri), &mei.access).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["started_at"], "2026-11-20T21:00:00Z");
    let stats = app
        .authed(
            TestRequest::get().uri("/v1/me/stats?from=2026-11-01&to=2026-11-21"),
            &li.access,
        )
        .await
        .json();
    assert_eq!(stats["total"]["sessions"], 0);
    let export = app
        .authed(TestRequest::get().uri("/v1/me/export"), &li.access)
        .await
        .json();
    assert!(export["sessions"].as_array().unwrap().is_empty());
    app.authed(
        TestRequest::get().uri("/v1/me/sessions/not-a-uuid"),
        &mei.access,
    )
    .await
    .problem(400, "bad_request");
}

#[actix_web::test]
async fn patch_and_delete() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let mut body = session("2026-11-20T21:00:00Z");
    body["notes"] = json!("first");
    body["pain_before"] = json!(5);
    let id = created_id(&app, &mei, body).await;
    let uri = format!("/v1/me/sessions/{id}");
    let res = app
        .authed(
            TestRequest::patch()
                .uri(&uri)
                .set_json(json!({"pain_after": 1, "notes": null, "steps": [
            {"point": "ht-7", "side": "both", "seconds": 30, "pressure": "light"}]})),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 200);
    let s = &res.json()["session"];
    assert_eq!(s["pain_before"], 5, "untouched");
    assert_eq!(s["pain_after"], 1);
    assert!(s["notes"].is_null(), "cleared");
    assert_eq!(s["steps"][0]["point"], "HT7");
    app.authed(
        TestRequest::patch()
            .uri(&uri)
            .set_json(json!({"pain_after": 99})),
        &mei.access,
    )
    .await
    .problem(422, "validation_failed");
    app.authed(
        TestRequest::patch().uri(&uri).set_json(json!({"id": "x"})),
        &mei.access,
    )
    .await
    .problem(422, "validation_failed");
    // fields that cannot be cleared refuse null instead of ignoring it
    for field in ["started_at", "duration_seconds", "steps"] {
        app.authed(
            TestRequest::patch()
                .uri(&uri)
                .set_json(json!({ field: null })),
            &mei.access,
        )
        .await
        .problem(422, "validation_failed");
    }
    // Windows line ends in notes are kept as plain line ends; a lone CR is refused
    let res = app
        .authed(
            TestRequest::patch()
                .uri(&uri)
                .set_json(json!({"notes": "slept well\r\nless pain"})),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["session"]["notes"], "slept well\nless pain");
    app.authed(
        TestRequest::patch()
            .uri(&uri)
            .set_json(json!({"notes": "a\rb"})),
        &mei.access,
    )
    .await
    .problem(422, "validation_failed");
    // an unknown code is named, shortened
    let long = "Q".repeat(5000);
    let problem = app
        .authed(
            TestRequest::patch()
                .uri(&uri)
                .set_json(json!({"routine": long})),
            &mei.access,
        )
        .await
        .problem(422, "validation_failed");
    assert!(problem.to_string().len() < 1000, "{problem}");
    assert_eq!(
        app.authed(TestRequest::get().uri(&uri), &mei.access)
            .await
            .json()["duration_seconds"],
        300,
        "nothing applied"
    );
    assert_eq!(
        app.authed(TestRequest::delete().uri(&uri), &mei.access)
            .await
            .status,
        204
    );
    // the tombstone keeps nothing the person wrote or felt
    assert_eq!(
        count_rows(
            &app.state.config.database_url,
            format!(
                "SELECT count(*) AS n FROM massage_sessions WHERE id = '{id}'
                   AND deleted_at IS NOT NULL AND notes IS NULL AND pain_before IS NULL
                   AND pain_after IS NULL AND steps = '[]'"
            )
        ),
        1
    );
    app.authed(TestRequest::get().uri(&uri), &mei.access)
        .await
        .problem(404, "not_found");
    app.authed(TestRequest::delete().uri(&uri), &mei.access)
        .await
        .problem(404, "not_found");
}

#[actix_web::test]
async fn idempotency_keys_replay_refuse_and_block() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let post = |body: Value, key: &str| {
        TestRequest::post()
            .uri("/v1/me/sessions")
            .insert_header(("idempotency-key", key.to_owned()))
            .set_json(body)
    };
    let body = session("2026-11-20T21:00:00Z");
    let first = app.authed(post(body.clone(), key), &mei.access).await;
    assert_eq!(first.status, 201);
    let again = app.authed(post(body.clone(), key), &mei.access).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json(), first.json(), "the first response, replayed");
    assert_eq!(again.header("idempotency-replayed"), Some("true"));
    let location = format!(
        "/v1/me/sessions/{}",
        first.json()["session"]["id"].as_str().unwrap()
    );
    assert_eq!(first.header("location"), Some(location.as_str()));
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(
        count_sessions(&app.state.config.database_url, &mei.id),
        1,
        "one row"
    );
    let mut other = body.clone();
    other["duration_seconds"] = json!(999);
    app.authed(post(other, key), &mei.access)
        .await
        .problem(422, "idempotency_key_reused");
    // Keys are per user: another account may use the same key.
    let li = app.register("li@example.com").await;
    assert_eq!(
        app.authed(post(body.clone(), key), &li.access).await.status,
        201
    );
    // A first request still running (409) and one whose connection was cut:
    // history_hardening::a_key_is_in_flight_exactly_while_its_request_runs.
    app.authed(post(body.clone(), "not-a-uuid"), &mei.access)
        .await
        .problem(400, "bad_request");
    // A failed first attempt does not burn the key.
    let fresh = "9b2f3d1e-6a2c-4c61-8f0e-3c2d1b0a9f8e";
    let mut bad = body.clone();
    bad["pain_before"] = json!(42);
    app.authed(post(bad, fresh), &mei.access)
        .await
        .problem(422, "validation_failed");
    assert_eq!(app.authed(post(body, fresh), &mei.access).await.status, 201);
}

#[actix_web::test]
async fn listing_filters_and_pages_newest_first() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    set_profile(&app, &mei, json!({"time_zone": "Europe/Berlin"})).await;
    for day in 1..=25 {
        let mut body = session(&format!("2026-10-{day:02}T18:00:00Z"));
        if day % 5 == 0 {
            body["condition"] = json!("insomnia");
            body["routine"] = json!("sleep-wind-down");
            body["steps"] =
                json!([{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}]);
        }
        created_id(&app, &mei, body).await;
    }
    let get = |uri: String| app.authed(TestRequest::get().uri(&uri), &mei.access);
    let (mut seen, mut uri) = (Vec::new(), "/v1/me/sessions?limit=7".to_owned());
    loop {
        let page = get(uri.clone()).await.json();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["started_at"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/v1/me/sessions?limit=7&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25);
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 25, "no repeats");

    let items = |v: Value| v["items"].as_array().unwrap().len();
    assert_eq!(
        items(
            get("/v1/me/sessions?condition=insomnia&limit=100".into())
                .await
                .json()
        ),
        5
    );
    assert_eq!(
        items(
            get("/v1/me/sessions?routine=sleep-wind-down".into())
                .await
                .json()
        ),
        5
    );
    assert_eq!(
        items(get("/v1/me/sessions?point=ht-7".into()).await.json()),
        5
    );
    assert_eq!(
        items(
            get("/v1/me/sessions?point=PC6&limit=100".into())
                .await
                .json()
        ),
        20
    );
    // Local dates in the user's zone: 18:00Z is 20:00 in Berlin (CEST), same day.
    assert_eq!(
        items(
            get("/v1/me/sessions?from=2026-10-10&to=2026-10-12".into())
                .await
                .json()
        ),
        3
    );
    assert_eq!(
        items(
            get("/v1/me/sessions?from=2026-10-10T00:00:00Z&to=2026-10-12T00:00:00Z".into())
                .await
                .json()
        ),
        2
    );
    get("/v1/me/sessions?point=XX99".into())
        .await
        .problem(422, "validation_failed");
    get("/v1/me/sessions?condition=nope".into())
        .await
        .problem(422, "validation_failed");
    get("/v1/me/sessions?from=yesterday".into())
        .await
        .problem(400, "bad_request");
    get("/v1/me/sessions?cursor=forged".into())
        .await
        .problem(400, "invalid_cursor");
    get("/v1/me/sessions?limit=1000".into())
        .await
        .problem(422, "validation_failed");
}

async fn pull(app: &TestApp, who: &Account, cursor: Option<&str>) -> Response {
    let uri = match cursor {
        Some(c) => format!("/v1/me/sync?cursor={c}"),
        None => "/v1/me/sync".to_owned(),
    };
    app.authed(TestRequest::get().uri(&uri), &who.access).await
}

async fn push(app: &TestApp, who: &Account, body: Value) -> Response {
    app.authed(
        TestRequest::post().uri("/v1/me/sync").set_json(body),
        &who.access,
    )
    .await
}

#[actix_web::test]
async fn sync_pulls_changes_and_tombstones_once() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let a = created_id(&app, &mei, session("2026-11-01T08:00:00Z")).await;
    let b = created_id(&app, &mei, session("2026-11-02T08:00:00Z")).await;
    let first = pull(&app, &mei, None).await.json();
    let ids: Vec<&str> = first["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["session"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
    assert_eq!(first["has_more"], false);
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    assert!(
        pull(&app, &mei, Some(&cursor)).await.json()["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    app.authed(
        TestRequest::patch()
            .uri(&format!("/v1/me/sessions/{a}"))
            .set_json(json!({"pain_after": 2})),
        &mei.access,
    )
    .await;
    app.authed(
        TestRequest::patch()
            .uri(&format!("/v1/me/sessions/{a}"))
            .set_json(json!({"pain_after": 1})),
        &mei.access,
    )
    .await;
    app.authed(
        TestRequest::delete().uri(&format!("/v1/me/sessions/{b}")),
        &mei.access,
    )
    .await;
    let next = pull(&app, &mei, Some(&cursor)).await.json();
    let changes = next["changes"].as_array().unwrap();
    assert_eq!(
        changes.len(),
        2,
        "each record once, with its latest state: {next}"
    );
    assert_eq!(changes[0]["op"], "upsert");
    assert_eq!(changes[0]["session"]["pain_after"], 1);
    assert_eq!(
        changes[1],
        json!({"op": "delete", "id": b, "deleted_at": changes[1]["deleted_at"]})
    );
    pull(&app, &mei, Some("forged"))
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn sync_push_upserts_by_client_id_and_rejects_stale_batches_whole() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let cursor0 = pull(&app, &phone, None).await.json()["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = uuid::Uuid::new_v4().to_string();
    let mut offline = session("2026-11-03T08:00:00Z");
    offline["id"] = json!(id);
    let res = push(
        &app,
        &phone,
        json!({"cursor": cursor0, "changes": [{"op": "upsert", "session": offline}]}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let cursor1 = res.json()["cursor"].as_str().unwrap().to_owned();
    // The same record again (a retry, or an edit): updated, never duplicated.
    offline["pain_after"] = json!(2);
    let res = push(
        &app,
        &phone,
        json!({"cursor": cursor1, "changes": [{"op": "upsert", "session": offline}]}),
    )
    .await;
    assert_eq!(res.status, 200);
    let cursor2 = res.json()["cursor"].as_str().unwrap().to_owned();
    assert_eq!(count_sessions(&app.state.config.database_url, &phone.id), 1);
    // Deleting twice is fine.
    for _ in 0..2 {
        let res = push(
            &app,
            &phone,
            json!({"cursor": cursor2, "changes": [{"op": "delete", "id": id}]}),
        )
        .await;
        assert_eq!(res.status, 200);
    }
    let gone = app
        .authed(
            TestRequest::get().uri(&format!("/v1/me/sessions/{id}")),
            &phone.access,
        )
        .await;
    assert_eq!(gone.status, 404);

    // Another device changes a record; a push from a cursor before that is refused whole.
    let shared = created_id(&app, &phone, session("2026-11-04T08:00:00Z")).await;
    let stale = pull(&app, &phone, None).await.json()["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    app.authed(
        TestRequest::patch()
            .uri(&format!("/v1/me/sessions/{shared}"))
            .set_json(json!({"mood": "tablet edit"})),
        &phone.access,
    )
    .await;
    let new_id = uuid::Uuid::new_v4().to_string();
    let mut fresh = session("2026-11-05T08:00:00Z");
    fresh["id"] = json!(new_id);
    let mut edit = session("2026-11-04T08:00:00Z");
    edit["id"] = json!(shared);
    edit["mood"] = json!("phone edit");
    let res = push(
        &app,
        &phone,
        json!({"cursor": stale, "changes": [
        {"op": "upsert", "session": fresh}, {"op": "upsert", "session": edit}]}),
    )
    .await;
    let problem = res.problem(409, "sync_conflict");
    assert_eq!(problem["errors"][0]["field"], shared.as_str());
    let untouched = app
        .authed(
            TestRequest::get().uri(&format!("/v1/me/sessions/{shared}")),
            &phone.access,
        )
        .await
        .json();
    assert_eq!(untouched["mood"], "tablet edit");
    app.authed(
        TestRequest::get().uri(&format!("/v1/me/sessions/{new_id}")),
        &phone.access,
    )
    .await
    .problem(404, "not_found");
    // Invalid changes are reported by position, and nothing is applied either.
    let mut bad = session("2026-11-06T08:00:00Z");
    bad["id"] = json!(uuid::Uuid::new_v4());
    bad["pain_before"] = json!(11);
    let res = push(
        &app,
        &phone,
        json!({"cursor": null, "changes": [{"op": "upsert", "session": bad}]}),
    )
    .await;
    assert_eq!(
        res.problem(422, "validation_failed")["errors"][0]["field"],
        "changes[0].session.pain_before"
    );
}

#[actix_web::test]
async fn concurrent_writers_never_hide_a_change_from_a_pull() {
    let app = TestApp::with_config(|c| c.db_pool_size = 12).await;
    let mei = app.register("mei@example.com").await;
    let writers = 4;
    let per_writer = 15;
    let write = |w: usize| {
        let (app, access) = (&app, mei.access.clone());
        async move {
            let mut ids = Vec::new();
            for i in 0..per_writer {
                let req = TestRequest::post()
                    .uri("/v1/me/sessions")
                    .insert_header(("authorization", format!("Bearer {access}")))
                    .set_json(session(&format!("2026-10-{:02}T{:02}:00:00Z", 1 + w, i)));
                let res = app.send(req).await;
                assert_eq!(res.status, 201);
                ids.push(res.json()["session"]["id"].as_str().unwrap().to_owned());
            }
            ids
        }
    };
    let puller = async {
        let (mut seen, mut cursor): (Vec<String>, Option<String>) = (Vec::new(), None);
        for _ in 0..40 {
            let uri = cursor.as_ref().map_or("/v1/me/sync".to_owned(), |c| {
                format!("/v1/me/sync?cursor={c}")
            });
            let req = TestRequest::get()
                .uri(&uri)
                .insert_header(("authorization", format!("Bearer {}", mei.access)));
            let body = app.send(req).await.json();
            seen.extend(
                body["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["session"]["id"].as_str().unwrap().to_owned()),
            );
            cursor = Some(body["cursor"].as_str().unwrap().to_owned());
            actix_web::rt::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        (seen, cursor)
    };
    let (written, (mut seen, cursor)) = futures_util::future::join(
        futures_util::future::join_all((0..writers).map(write)),
        puller,
    )
    .await;
    // One last pull after the writers finished.
    let last = pull(&app, &mei, cursor.as_deref()).await.json();
    seen.extend(
        last["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["session"]["id"].as_str().unwrap().to_owned()),
    );
    let written: Vec<String> = written.into_iter().flatten().collect();
    assert_eq!(written.len(), writers * per_writer);
    assert_eq!(seen.len(), written.len(), "none twice");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>(),
        written.iter().collect::<HashSet<_>>(),
        "none missed"
    );
}

#[actix_web::test]
async fn old_cursors_get_410_after_tombstones_are_purged() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let old_cursor = pull(&app, &mei, None).await.json()["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = created_id(&app, &mei, session("2026-11-01T08:00:00Z")).await;
    let keep = created_id(&app, &mei, session("2026-11-02T08:00:00Z")).await;
    app.authed(
        TestRequest::delete().uri(&format!("/v1/me/sessions/{id}")),
        &mei.access,
    )
    .await;
    execute(
        &app.state.config.database_url,
        format!(
            "UPDATE massage_sessions SET deleted_at = now() - interval '91 days' WHERE id = '{id}'"
        ),
    );
    let done = acupress::server::housekeeping(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(done.tombstones, 1);
    pull(&app, &mei, Some(&old_cursor))
        .await
        .problem(410, "sync_cursor_expired");
    let full = pull(&app, &mei, None).await.json();
    let ids: Vec<&str> = full["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["session"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [keep.as_str()], "a full download still works");
}

async fn stats(app: &TestApp, who: &Account, query: &str) -> Value {
    let res = app
        .authed(
            TestRequest::get().uri(&format!("/v1/me/stats?{query}")),
            &who.access,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    res.json()
}

/// The local days of a stats answer, in order.
fn local_days(s: &Value) -> Vec<&str> {
    s["per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["start"].as_str().unwrap())
        .collect()
}

/// A user in Berlin with one session at each instant.
async fn in_berlin_with(app: &TestApp, instants: &[&str]) -> Account {
    let berlin = app.register("berlin@example.com").await;
    set_profile(app, &berlin, json!({"time_zone": "Europe/Berlin"})).await;
    for at in instants {
        created_id(app, &berlin, session(at)).await;
    }
    berlin
}

#[actix_web::test]
async fn stats_on_known_data() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    set_profile(&app, &mei, json!({"time_zone": "Europe/Berlin"})).await;
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
        created_id(&app, &mei, body).await;
    }
    let s = stats(&app, &mei, "from=2026-11-01&to=2026-11-09").await;
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

    app.authed(
        TestRequest::get().uri("/v1/me/stats?from=2026-12-01&to=2026-11-01"),
        &mei.access,
    )
    .await
    .problem(422, "validation_failed");
    app.authed(
        TestRequest::get().uri("/v1/me/stats?from=2020-01-01&to=2026-11-01"),
        &mei.access,
    )
    .await
    .problem(422, "validation_failed");
    app.authed(
        TestRequest::get().uri("/v1/me/stats?from=last-week"),
        &mei.access,
    )
    .await
    .problem(400, "bad_request");
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
    let s = stats(&app, &berlin, "from=2026-10-20&to=2026-10-31").await;
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
        set_profile(&app, &who, json!({"time_zone": zone})).await;
        for at in instants {
            created_id(&app, &who, session(at)).await;
        }
        let s = stats(&app, &who, "from=2026-05-30&to=2026-06-03").await;
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
    let s = stats(&app, &berlin, "from=2026-03-20&to=2026-04-10").await;
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
    set_profile(&app, &mei, json!({"time_zone": "Asia/Tokyo"})).await;
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
        created_id(&app, &mei, session(&noon(days_ago))).await;
    }
    let range = |from: i64, to: i64| {
        format!(
            "from={}&to={}",
            today - chrono::Duration::days(from),
            today - chrono::Duration::days(to)
        )
    };
    let s = stats(&app, &mei, &range(6, 0)).await;
    assert_eq!(s["streaks"], json!({"current": 45, "longest": 7}));
    let s = stats(&app, &mei, &range(60, 20)).await;
    assert_eq!(s["streaks"], json!({"current": 45, "longest": 25}));
    // a session deleted today: the streak now ends yesterday, which still counts
    let latest = app
        .authed(
            TestRequest::get().uri("/v1/me/sessions?limit=1"),
            &mei.access,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .authed(
            TestRequest::delete().uri(&format!("/v1/me/sessions/{latest}")),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 204);
    let s = stats(&app, &mei, &range(6, 0)).await;
    assert_eq!(s["streaks"]["current"], 44);
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
        created_id(&app, &mei, mk(at, routine, point, pain)).await;
    }
    let s = stats(&app, &mei, "from=2026-11-01&to=2026-11-10").await;
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
    created_id(
        &app,
        &mei,
        mk("2026-11-10T08:00:00Z", "stress-reset", "EX-HN5", (9, 2)),
    )
    .await;
    let s = stats(&app, &mei, "from=2026-11-01&to=2026-11-10").await;
    let keys: Vec<&str> = s["what_works"][0]["routines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["stress-reset", "tension-headache-relief"]);
}

#[actix_web::test]
async fn deleting_the_account_removes_its_history() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let key = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let res = app
        .authed(
            TestRequest::post()
                .uri("/v1/me/sessions")
                .insert_header(("idempotency-key", key))
                .set_json(session("2026-11-01T08:00:00Z")),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 201);
    let export = app
        .authed(TestRequest::get().uri("/v1/me/export"), &mei.access)
        .await
        .json();
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    let res = app
        .authed(
            TestRequest::delete()
                .uri("/v1/me")
                .set_json(json!({"password": crate::common::PASSWORD})),
            &mei.access,
        )
        .await;
    assert_eq!(res.status, 204);
    assert_eq!(count_sessions(&app.state.config.database_url, &mei.id), 0);
}

#[actix_web::test]
async fn a_retried_push_is_applied_once_not_refused() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let cursor = pull(&app, &phone, None).await.json()["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut offline = session("2026-11-03T08:00:00Z");
    offline["id"] = json!(uuid::Uuid::new_v4());
    let batch = json!({"cursor": cursor, "changes": [{"op": "upsert", "session": offline}]});
    // The response is lost; the phone sends the same batch with the same cursor.
    assert_eq!(push(&app, &phone, batch.clone()).await.status, 200);
    assert_eq!(push(&app, &phone, batch).await.status, 200);
    assert_eq!(count_sessions(&app.state.config.database_url, &phone.id), 1);
}

#[actix_web::test]
async fn a_signed_out_device_cannot_record_sessions() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    assert_eq!(
        app.authed(TestRequest::post().uri("/v1/auth/logout"), &mei.access)
            .await
            .status,
        204
    );
    create(&app, &mei, session("2026-11-01T08:00:00Z"))
        .await
        .problem(401, "session_revoked");
    let keyed = TestRequest::post()
        .uri("/v1/me/sessions")
        .insert_header(("idempotency-key", "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"))
        .set_json(session("2026-11-01T08:00:00Z"));
    app.authed(keyed, &mei.access)
        .await
        .problem(401, "session_revoked");
    assert_eq!(count_sessions(&app.state.config.database_url, &mei.id), 0);
    app.send(
        TestRequest::post()
            .uri("/v1/me/sessions")
            .set_json(session("2026-11-01T08:00:00Z")),
    )
    .await
    .problem(401, "missing_token");
}

#[actix_web::test]
async fn changing_time_zone_recomputes_local_days() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    for at in ["2026-06-01T09:00:00Z", "2026-06-01T10:30:00Z"] {
        created_id(&app, &mei, session(at)).await;
    }
    let days = |s: Value| -> Vec<String> {
        s["per_day"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["start"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        days(stats(&app, &mei, "from=2026-05-30&to=2026-06-03").await),
        ["2026-06-01"]
    );
    set_profile(&app, &mei, json!({"time_zone": "Pacific/Kiritimati"})).await;
    let s = stats(&app, &mei, "from=2026-05-30&to=2026-06-03").await;
    assert_eq!(days(s.clone()), ["2026-06-01", "2026-06-02"]);
    assert_eq!(s["total"]["sessions"], 2);
    // Edits and deletions keep the rollups exact.
    let id = created_id(&app, &mei, session("2026-06-02T20:00:00Z")).await;
    app.authed(
        TestRequest::patch()
            .uri(&format!("/v1/me/sessions/{id}"))
            .set_json(json!({"started_at": "2026-06-03T20:00:00Z"})),
        &mei.access,
    )
    .await;
    let s = stats(&app, &mei, "from=2026-05-30&to=2026-06-05").await;
    assert_eq!(
        days(s.clone()),
        ["2026-06-01", "2026-06-02", "2026-06-04"],
        "20:00Z is the next morning at UTC+14"
    );
    app.authed(
        TestRequest::delete().uri(&format!("/v1/me/sessions/{id}")),
        &mei.access,
    )
    .await;
    let s = stats(&app, &mei, "from=2026-05-30&to=2026-06-05").await;
    assert_eq!(s["total"]["sessions"], 2);
    assert_eq!(days(s), ["2026-06-01", "2026-06-02"]);
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
        let res = app.authed(TestRequest::get().uri(uri), &mei.access).await;
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

#[actix_web::test]
async fn password_confirmation_is_rate_limited() {
    let app = TestApp::with_config(|c| {
        c.auth_rate_account = acupress::config::RateLimit {
            burst: 3,
            period: std::time::Duration::from_secs(60),
        };
    })
    .await;
    let mei = app.register("mei@example.com").await;
    let guess = || {
        TestRequest::put()
            .uri("/v1/me/password")
            .set_json(json!({"current_password": "a wrong guess here", "new_password": "seven copper kites at dawn"}))
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.authed(guess(), &mei.access).await.status);
    }
    assert!(statuses.contains(&403), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

/// Edits a session; 200 expected.
async fn edit_session(app: &TestApp, who: &Account, id: &str, patch: Value) {
    let res = app
        .authed(
            TestRequest::patch()
                .uri(&format!("/v1/me/sessions/{id}"))
                .set_json(patch),
            &who.access,
        )
        .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
}

/// Deletes a session; 204 expected.
async fn delete_session(app: &TestApp, who: &Account, id: &str) {
    let res = app
        .authed(
            TestRequest::delete().uri(&format!("/v1/me/sessions/{id}")),
            &who.access,
        )
        .await;
    assert_eq!(res.status, 204);
}

/// Ten minutes for `condition` on one point, with pain before and after.
fn with_pain(at: &str, condition: &str, pain: (i64, i64), point: &str) -> Value {
    json!({"started_at": at, "duration_seconds": 600, "condition": condition,
        "pain_before": pain.0, "pain_after": pain.1,
        "steps": [{"point": point, "side": "both", "seconds": 45, "pressure": "firm"}]})
}

/// Two sessions for insomnia (pain 6 → 2 and 5 → 4) on 1 and 2 June 2026; their ids.
async fn two_insomnia_sessions(app: &TestApp, who: &Account) -> (String, String) {
    let a = created_id(
        app,
        who,
        with_pain("2026-06-01T08:00:00Z", "insomnia", (6, 2), "HT7"),
    )
    .await;
    let b = created_id(
        app,
        who,
        with_pain("2026-06-02T08:00:00Z", "insomnia", (5, 4), "PC6"),
    )
    .await;
    (a, b)
}

#[actix_web::test]
async fn folded_rollups_match_a_rebuild_after_every_kind_of_change() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let url = app.state.config.database_url.clone();
    let range = "from=2026-05-01&to=2026-06-30";
    // Statistics read now (folding what is pending) must equal statistics computed from
    // nothing (rollups emptied, every session folded again).
    let check = async |what: &str| {
        let folded = stats(&app, &mei, range).await;
        execute(
            &url,
            format!(
                "DELETE FROM history_days WHERE user_id = '{0}';
                 DELETE FROM history_point_days WHERE user_id = '{0}';
                 UPDATE users SET history_rolled_version = 0 WHERE id = '{0}'",
                mei.id
            ),
        );
        let rebuilt = stats(&app, &mei, range).await;
        assert_eq!(folded, rebuilt, "after {what}");
        folded
    };
    let (a, b) = two_insomnia_sessions(&app, &mei).await;
    let s = check("two new sessions").await;
    assert_eq!(s["total"]["sessions"], 2);
    assert_eq!(s["total"]["pain_change"], -2.5);
    // A folded session is edited: its old state leaves the rollups at once.
    edit_session(
        &app,
        &mei,
        &a,
        json!({"started_at": "2026-06-05T08:00:00Z", "pain_after": 5}),
    )
    .await;
    let s = check("an edit").await;
    assert_eq!(s["total"]["pain_change"], -1.0);
    assert_eq!(s["per_day"][1]["start"], "2026-06-05");
    // Replaced by sync, edited twice before a read, and deleted.
    let mut replaced = with_pain("2026-06-02T09:00:00Z", "stress", (7, 3), "LI4");
    replaced["id"] = json!(b);
    let res = push(
        &app,
        &mei,
        json!({"cursor": null, "changes": [{"op": "upsert", "session": replaced}]}),
    )
    .await;
    assert_eq!(res.status, 409, "the cursor is older than the session");
    let cursor = pull(&app, &mei, None).await.json()["cursor"].clone();
    let res = push(
        &app,
        &mei,
        json!({"cursor": cursor, "changes": [{"op": "upsert", "session": replaced}]}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    let s = check("a sync replacement").await;
    assert_eq!(s["per_condition"].as_array().unwrap().len(), 2);
    let c = created_id(
        &app,
        &mei,
        with_pain("2026-06-07T08:00:00Z", "stress", (8, 8), "GB20"),
    )
    .await;
    for pain_after in [6, 1] {
        edit_session(&app, &mei, &c, json!({"pain_after": pain_after})).await;
    }
    delete_session(&app, &mei, &a).await;
    let s = check("edits of a pending session and a deletion").await;
    // Left: b (7 → 3) and c (8 → 1).
    assert_eq!(
        s["total"],
        json!({"sessions": 2, "pain_change": -5.5, "pain_sessions": 2, "stress_change": null, "stress_sessions": 0})
    );
}

#[actix_web::test]
async fn statistics_count_sessions_not_folded_yet() {
    // What a write committed between the fold and the read leaves: some sessions folded,
    // a folded one changed (its old state taken out) and new ones pending. Folding is
    // switched off here so the read has to add the pending sessions itself.
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let (a, b) = two_insomnia_sessions(&app, &mei).await;
    let range = "from=2026-05-01&to=2026-06-30";
    assert_eq!(stats(&app, &mei, range).await["total"]["sessions"], 2);
    execute(
        &app.state.config.database_url,
        "CREATE OR REPLACE FUNCTION history_fold(uid uuid) RETURNS void LANGUAGE sql AS $$ SELECT $$"
            .into(),
    );
    edit_session(
        &app,
        &mei,
        &a,
        json!({"started_at": "2026-06-03T08:00:00Z", "pain_after": 5}),
    )
    .await;
    delete_session(&app, &mei, &b).await;
    created_id(
        &app,
        &mei,
        with_pain("2026-06-04T08:00:00Z", "stress", (8, 2), "LI4"),
    )
    .await;
    let s = stats(&app, &mei, range).await;
    assert_eq!(
        s["total"],
        json!({"sessions": 2, "pain_change": -3.5, "pain_sessions": 2, "stress_change": null, "stress_sessions": 0})
    );
    let days = local_days(&s);
    assert_eq!(days, ["2026-06-03", "2026-06-04"]);
    assert_eq!(s["most_used_points"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn a_sync_cursor_works_only_for_the_account_it_was_issued_to() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    for who in [&mei, &li] {
        created_id(&app, who, session("2026-11-20T21:00:00Z")).await;
        created_id(&app, who, session("2026-11-20T22:00:00Z")).await;
    }
    let meis = pull(&app, &mei, None).await.json()["cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    // Mei's cursor still works for her, and is refused for Li, on pull and on push
    assert_eq!(pull(&app, &mei, Some(&meis)).await.status, 200);
    pull(&app, &li, Some(&meis))
        .await
        .problem(400, "invalid_cursor");
    push(&app, &li, json!({"cursor": meis, "changes": []}))
        .await
        .problem(400, "invalid_cursor");
}
