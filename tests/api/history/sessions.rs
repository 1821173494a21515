//! One session: stored with canonical codes and safety warnings, every field checked,
//! edited as a merge patch, deleted to a tombstone, refused once signed out.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::{count_sessions, session};
use crate::support::{TestApp, count_rows};

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
    let app = local_app!("counts rows in the database");
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
        count_sessions(app.db_url(), &mei.id),
        0,
        "nothing half-written"
    );
}

#[actix_web::test]
async fn patch_and_delete() {
    let app = local_app!("reads the tombstone in the database");
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
            app.db_url(),
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
async fn a_signed_out_device_cannot_record_sessions() {
    let app = local_app!("counts rows in the database");
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
    assert_eq!(count_sessions(app.db_url(), &mei.id), 0);
    app.post("/v1/me/sessions", session("2026-11-01T08:00:00Z"))
        .await
        .problem(401, "missing_token");
}
