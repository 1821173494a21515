//! Session history: validation, BOLA, idempotency, sync, statistics (checklist 15, 19, 22–25).

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::common::{Account, TestApp, count_rows, execute, guesses_per_account};

fn session(started_at: &str) -> Value {
    json!({"started_at": started_at, "duration_seconds": 300,
        "steps": [{"point": "PC6", "side": "both", "seconds": 60, "pressure": "medium"}]})
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
    let res = mei.create_session(body.clone()).await;
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

    mei.set_profile(json!({"safety_profile": {"pregnant": true, "bleeding_risk": true}}))
        .await;
    let res = mei.create_session(body).await;
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
    let fetched = mei.session(id).await;
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
        let res = mei.create_session(body).await;
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
        let problem = mei
            .create_session(body)
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
    let id = mei.new_session(session("2026-11-20T21:00:00Z")).await;
    li.session(&id).await.problem(404, "not_found");
    li.edit_session(&id, json!({"pain_after": 0}))
        .await
        .problem(404, "not_found");
    li.delete_session(&id).await.problem(404, "not_found");
    let list = li.list_sessions("").await.json();
    assert!(list["items"].as_array().unwrap().is_empty());
    let pull = li.sync_pull(None).await.json();
    assert!(pull["changes"].as_array().unwrap().is_empty());
    // Creating or pushing the same id makes a record of li's own, and mei's stays as it
    // is: history_hardening::two_accounts_store_the_same_client_uuid.
    let mine = mei.session(&id).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["started_at"], "2026-11-20T21:00:00Z");
    let stats = li.stats("from=2026-11-01&to=2026-11-21").await;
    assert_eq!(stats["total"]["sessions"], 0);
    let export = li.export().await.json();
    assert!(export["sessions"].as_array().unwrap().is_empty());
    mei.session("not-a-uuid").await.problem(400, "bad_request");
}

#[actix_web::test]
async fn patch_and_delete() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let mut body = session("2026-11-20T21:00:00Z");
    body["notes"] = json!("first");
    body["pain_before"] = json!(5);
    let id = mei.new_session(body).await;
    let res = mei
        .edit_session(
            &id,
            json!({"pain_after": 1, "notes": null, "steps": [
            {"point": "ht-7", "side": "both", "seconds": 30, "pressure": "light"}]}),
        )
        .await;
    assert_eq!(res.status, 200);
    let s = &res.json()["session"];
    assert_eq!(s["pain_before"], 5, "untouched");
    assert_eq!(s["pain_after"], 1);
    assert!(s["notes"].is_null(), "cleared");
    assert_eq!(s["steps"][0]["point"], "HT7");
    mei.edit_session(&id, json!({"pain_after": 99}))
        .await
        .problem(422, "validation_failed");
    mei.edit_session(&id, json!({"id": "x"}))
        .await
        .problem(422, "validation_failed");
    // fields that cannot be cleared refuse null instead of ignoring it
    for field in ["started_at", "duration_seconds", "steps"] {
        mei.edit_session(&id, json!({ field: null }))
            .await
            .problem(422, "validation_failed");
    }
    // Windows line ends in notes are kept as plain line ends; a lone CR is refused
    let res = mei
        .edit_session(&id, json!({"notes": "slept well\r\nless pain"}))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["session"]["notes"], "slept well\nless pain");
    mei.edit_session(&id, json!({"notes": "a\rb"}))
        .await
        .problem(422, "validation_failed");
    // an unknown code is named, shortened
    let long = "Q".repeat(5000);
    let problem = mei
        .edit_session(&id, json!({"routine": long}))
        .await
        .problem(422, "validation_failed");
    assert!(problem.to_string().len() < 1000, "{problem}");
    assert_eq!(
        mei.session(&id).await.json()["duration_seconds"],
        300,
        "nothing applied"
    );
    assert_eq!(mei.delete_session(&id).await.status, 204);
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
    mei.session(&id).await.problem(404, "not_found");
    mei.delete_session(&id).await.problem(404, "not_found");
}

#[actix_web::test]
async fn idempotency_keys_replay_refuse_and_block() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let key = "0f8fad5b-d9cb-469f-a165-70867728950e";
    let body = session("2026-11-20T21:00:00Z");
    let first = mei.create_session_keyed(body.clone(), key).await;
    assert_eq!(first.status, 201);
    let again = mei.create_session_keyed(body.clone(), key).await;
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
    mei.create_session_keyed(other, key)
        .await
        .problem(422, "idempotency_key_reused");
    // Keys are per user: another account may use the same key.
    let li = app.register("li@example.com").await;
    assert_eq!(li.create_session_keyed(body.clone(), key).await.status, 201);
    // A first request still running (409) and one whose connection was cut:
    // history_hardening::a_key_is_in_flight_exactly_while_its_request_runs.
    mei.create_session_keyed(body.clone(), "not-a-uuid")
        .await
        .problem(400, "bad_request");
    // A failed first attempt does not burn the key.
    let fresh = "9b2f3d1e-6a2c-4c61-8f0e-3c2d1b0a9f8e";
    let mut bad = body.clone();
    bad["pain_before"] = json!(42);
    mei.create_session_keyed(bad, fresh)
        .await
        .problem(422, "validation_failed");
    assert_eq!(mei.create_session_keyed(body, fresh).await.status, 201);
}

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
        ("?from=yesterday", 400, "bad_request"),
        ("?cursor=forged", 400, "invalid_cursor"),
        ("?limit=1000", 422, "validation_failed"),
    ] {
        mei.list_sessions(query).await.problem(status, code);
    }
}

/// The ids of the sessions a pull (or push) answer lists, in order.
fn changed_ids(body: &Value) -> Vec<String> {
    body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["session"]["id"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn sync_pulls_changes_and_tombstones_once() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let a = mei.new_session(session("2026-11-01T08:00:00Z")).await;
    let b = mei.new_session(session("2026-11-02T08:00:00Z")).await;
    let first = mei.sync_pull(None).await.json();
    assert_eq!(changed_ids(&first), [a.as_str(), b.as_str()]);
    assert_eq!(first["has_more"], false);
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    assert!(
        mei.sync_pull(Some(&cursor)).await.json()["changes"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    mei.edit_session(&a, json!({"pain_after": 2})).await;
    mei.edit_session(&a, json!({"pain_after": 1})).await;
    mei.delete_session(&b).await;
    let next = mei.sync_pull(Some(&cursor)).await.json();
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
    mei.sync_pull(Some("forged"))
        .await
        .problem(400, "invalid_cursor");
}

#[actix_web::test]
async fn sync_push_upserts_by_client_id_and_rejects_stale_batches_whole() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let cursor0 = phone.sync_cursor().await;
    let id = uuid::Uuid::new_v4().to_string();
    let mut offline = session("2026-11-03T08:00:00Z");
    offline["id"] = json!(id);
    let res = phone
        .sync_push(json!({"cursor": cursor0, "changes": [{"op": "upsert", "session": offline}]}))
        .await
        .assert_status(200);
    let cursor1 = res.json()["cursor"].as_str().unwrap().to_owned();
    // The same record again (a retry, or an edit): updated, never duplicated.
    offline["pain_after"] = json!(2);
    let res = phone
        .sync_push(json!({"cursor": cursor1, "changes": [{"op": "upsert", "session": offline}]}))
        .await;
    assert_eq!(res.status, 200);
    let cursor2 = res.json()["cursor"].as_str().unwrap().to_owned();
    assert_eq!(count_sessions(&app.state.config.database_url, &phone.id), 1);
    // Deleting twice is fine.
    for _ in 0..2 {
        let res = phone
            .sync_push(json!({"cursor": cursor2, "changes": [{"op": "delete", "id": id}]}))
            .await;
        assert_eq!(res.status, 200);
    }
    assert_eq!(phone.session(&id).await.status, 404);

    // Another device changes a record; a push from a cursor before that is refused whole.
    let shared = phone.new_session(session("2026-11-04T08:00:00Z")).await;
    let stale = phone.sync_cursor().await;
    phone
        .edit_session(&shared, json!({"mood": "tablet edit"}))
        .await;
    let new_id = uuid::Uuid::new_v4().to_string();
    let mut fresh = session("2026-11-05T08:00:00Z");
    fresh["id"] = json!(new_id);
    let mut edit = session("2026-11-04T08:00:00Z");
    edit["id"] = json!(shared);
    edit["mood"] = json!("phone edit");
    let res = phone
        .sync_push(json!({"cursor": stale, "changes": [
        {"op": "upsert", "session": fresh}, {"op": "upsert", "session": edit}]}))
        .await;
    let problem = res.problem(409, "sync_conflict");
    assert_eq!(problem["errors"][0]["field"], shared.as_str());
    let untouched = phone.session(&shared).await.json();
    assert_eq!(untouched["mood"], "tablet edit");
    phone.session(&new_id).await.problem(404, "not_found");
    // Invalid changes are reported by position, and nothing is applied either.
    let mut bad = session("2026-11-06T08:00:00Z");
    bad["id"] = json!(uuid::Uuid::new_v4());
    bad["pain_before"] = json!(11);
    let res = phone
        .sync_push(json!({"cursor": null, "changes": [{"op": "upsert", "session": bad}]}))
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
    let write = async |w: usize| {
        let mut ids = Vec::new();
        for i in 0..per_writer {
            let at = format!("2026-10-{:02}T{:02}:00:00Z", 1 + w, i);
            ids.push(mei.new_session(session(&at)).await);
        }
        ids
    };
    let puller = async {
        let (mut seen, mut cursor): (Vec<String>, Option<String>) = (Vec::new(), None);
        for _ in 0..40 {
            let body = mei.sync_pull(cursor.as_deref()).await.json();
            seen.extend(changed_ids(&body));
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
    let last = mei.sync_pull(cursor.as_deref()).await.json();
    seen.extend(changed_ids(&last));
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
    let old_cursor = mei.sync_cursor().await;
    let id = mei.new_session(session("2026-11-01T08:00:00Z")).await;
    let keep = mei.new_session(session("2026-11-02T08:00:00Z")).await;
    mei.delete_session(&id).await;
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
    mei.sync_pull(Some(&old_cursor))
        .await
        .problem(410, "sync_cursor_expired");
    let full = mei.sync_pull(None).await.json();
    assert_eq!(
        changed_ids(&full),
        [keep.as_str()],
        "a full download still works"
    );
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
        ("?from=last-week", 400, "bad_request"),
    ] {
        mei.get(&format!("/v1/me/stats{query}"))
            .await
            .problem(status, code);
    }
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

#[actix_web::test]
async fn deleting_the_account_removes_its_history() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    let key = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    let res = mei
        .create_session_keyed(session("2026-11-01T08:00:00Z"), key)
        .await;
    assert_eq!(res.status, 201);
    let export = mei.export().await.json();
    assert_eq!(export["sessions"].as_array().unwrap().len(), 1);
    let res = mei.delete_account(crate::common::PASSWORD).await;
    assert_eq!(res.status, 204);
    assert_eq!(count_sessions(&app.state.config.database_url, &mei.id), 0);
}

#[actix_web::test]
async fn a_retried_push_is_applied_once_not_refused() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let cursor = phone.sync_cursor().await;
    let mut offline = session("2026-11-03T08:00:00Z");
    offline["id"] = json!(uuid::Uuid::new_v4());
    let batch = json!({"cursor": cursor, "changes": [{"op": "upsert", "session": offline}]});
    // The response is lost; the phone sends the same batch with the same cursor.
    assert_eq!(phone.sync_push(batch.clone()).await.status, 200);
    assert_eq!(phone.sync_push(batch).await.status, 200);
    assert_eq!(count_sessions(&app.state.config.database_url, &phone.id), 1);
}

#[actix_web::test]
async fn a_signed_out_device_cannot_record_sessions() {
    let app = TestApp::new().await;
    let mei = app.register("mei@example.com").await;
    assert_eq!(mei.logout().await.status, 204);
    mei.create_session(session("2026-11-01T08:00:00Z"))
        .await
        .problem(401, "session_revoked");
    mei.create_session_keyed(
        session("2026-11-01T08:00:00Z"),
        "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b",
    )
    .await
    .problem(401, "session_revoked");
    assert_eq!(count_sessions(&app.state.config.database_url, &mei.id), 0);
    app.post("/v1/me/sessions", session("2026-11-01T08:00:00Z"))
        .await
        .problem(401, "missing_token");
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

#[actix_web::test]
async fn password_confirmation_is_rate_limited() {
    let app =
        TestApp::with_config(guesses_per_account(3, std::time::Duration::from_secs(60))).await;
    let mei = app.register("mei@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let guess = mei
            .change_password("a wrong guess here", "seven copper kites at dawn")
            .await;
        statuses.push(guess.status);
    }
    assert!(statuses.contains(&403), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

/// Ten minutes for `condition` on one point, with pain before and after.
fn with_pain(at: &str, condition: &str, pain: (i64, i64), point: &str) -> Value {
    json!({"started_at": at, "duration_seconds": 600, "condition": condition,
        "pain_before": pain.0, "pain_after": pain.1,
        "steps": [{"point": point, "side": "both", "seconds": 45, "pressure": "firm"}]})
}

/// Two sessions for insomnia (pain 6 → 2 and 5 → 4) on 1 and 2 June 2026; their ids.
async fn two_insomnia_sessions(who: &Account<'_>) -> (String, String) {
    let a = who
        .new_session(with_pain("2026-06-01T08:00:00Z", "insomnia", (6, 2), "HT7"))
        .await;
    let b = who
        .new_session(with_pain("2026-06-02T08:00:00Z", "insomnia", (5, 4), "PC6"))
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
        let folded = mei.stats(range).await;
        execute(
            &url,
            format!(
                "DELETE FROM history_days WHERE user_id = '{0}';
                 DELETE FROM history_point_days WHERE user_id = '{0}';
                 UPDATE users SET history_rolled_version = 0 WHERE id = '{0}'",
                mei.id
            ),
        );
        let rebuilt = mei.stats(range).await;
        assert_eq!(folded, rebuilt, "after {what}");
        folded
    };
    let (a, b) = two_insomnia_sessions(&mei).await;
    let s = check("two new sessions").await;
    assert_eq!(s["total"]["sessions"], 2);
    assert_eq!(s["total"]["pain_change"], -2.5);
    // A folded session is edited: its old state leaves the rollups at once.
    mei.edit_session(
        &a,
        json!({"started_at": "2026-06-05T08:00:00Z", "pain_after": 5}),
    )
    .await
    .assert_status(200);
    let s = check("an edit").await;
    assert_eq!(s["total"]["pain_change"], -1.0);
    assert_eq!(s["per_day"][1]["start"], "2026-06-05");
    // Replaced by sync, edited twice before a read, and deleted.
    let mut replaced = with_pain("2026-06-02T09:00:00Z", "stress", (7, 3), "LI4");
    replaced["id"] = json!(b);
    let res = mei
        .sync_push(json!({"cursor": null, "changes": [{"op": "upsert", "session": replaced}]}))
        .await;
    assert_eq!(res.status, 409, "the cursor is older than the session");
    let cursor = mei.sync_cursor().await;
    mei.sync_push(json!({"cursor": cursor, "changes": [{"op": "upsert", "session": replaced}]}))
        .await
        .assert_status(200);
    let s = check("a sync replacement").await;
    assert_eq!(s["per_condition"].as_array().unwrap().len(), 2);
    let c = mei
        .new_session(with_pain("2026-06-07T08:00:00Z", "stress", (8, 8), "GB20"))
        .await;
    for pain_after in [6, 1] {
        mei.edit_session(&c, json!({"pain_after": pain_after}))
            .await
            .assert_status(200);
    }
    mei.delete_session(&a).await.assert_status(204);
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
    let (a, b) = two_insomnia_sessions(&mei).await;
    let range = "from=2026-05-01&to=2026-06-30";
    assert_eq!(mei.stats(range).await["total"]["sessions"], 2);
    execute(
        &app.state.config.database_url,
        "CREATE OR REPLACE FUNCTION history_fold(uid uuid) RETURNS void LANGUAGE sql AS $$ SELECT $$"
            .into(),
    );
    mei.edit_session(
        &a,
        json!({"started_at": "2026-06-03T08:00:00Z", "pain_after": 5}),
    )
    .await
    .assert_status(200);
    mei.delete_session(&b).await.assert_status(204);
    mei.new_session(with_pain("2026-06-04T08:00:00Z", "stress", (8, 2), "LI4"))
        .await;
    let s = mei.stats(range).await;
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
        who.new_session(session("2026-11-20T21:00:00Z")).await;
        who.new_session(session("2026-11-20T22:00:00Z")).await;
    }
    let meis = mei.sync_cursor().await;
    // Mei's cursor still works for her, and is refused for Li, on pull and on push
    assert_eq!(mei.sync_pull(Some(&meis)).await.status, 200);
    li.sync_pull(Some(&meis))
        .await
        .problem(400, "invalid_cursor");
    li.sync_push(json!({"cursor": meis, "changes": []}))
        .await
        .problem(400, "invalid_cursor");
}
