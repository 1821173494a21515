//! Registration: normalised emails, password strength, field checks, and request
//! bodies that are optional, broken or shaped wrongly (checklist 1–3).

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{PASSWORD, TestApp};

/// A registration body with [`PASSWORD`] and this display name.
fn registration(email: &str, display_name: &str) -> serde_json::Value {
    json!({"email": email, "password": PASSWORD, "display_name": display_name})
}

#[actix_web::test]
async fn register_normalises_email_and_refuses_duplicates() {
    let app = TestApp::new().await;
    let res = app
        .post(
            "/v1/auth/register",
            json!({
                "email": app.email("  Mei.Lin@Example.COM "), "password": PASSWORD, "display_name": "Mei",
                "locale": "zh-Hans", "time_zone": "Asia/Shanghai"
            }),
        )
        .await;
    assert_eq!(res.status, 201);
    assert_eq!(
        res.header("cache-control"),
        Some("no-store"),
        "tokens are never cached"
    );
    let body = res.json();
    assert_eq!(body["user"]["email"], app.email("mei.lin@example.com"));
    assert_eq!(body["user"]["time_zone"], "Asia/Shanghai");
    assert_eq!(body["user"]["role"], "user");
    assert_eq!(body["tokens"]["token_type"], "Bearer");
    assert_eq!(body["tokens"]["expires_in"], 900);
    assert!(body["tokens"]["refresh_token"].as_str().unwrap().len() >= 40);
    for email in [
        "mei.lin@example.com",
        "MEI.LIN@EXAMPLE.COM",
        "  mei.lin@example.com\t",
    ] {
        let dup = app
            .post("/v1/auth/register", registration(&app.email(email), "X"))
            .await;
        dup.problem(409, "email_taken");
    }
}

#[actix_web::test]
async fn weak_and_overlong_passwords_are_refused_with_reasons() {
    let app = TestApp::new().await;
    let email = app.email("mei@example.com");
    let register = async |password: &str| {
        app.post(
            "/v1/auth/register",
            json!({"email": email, "password": password, "display_name": "Mei"}),
        )
        .await
    };
    for password in [
        "password1",
        "Password1!",
        &format!("{email}1"),
        "aaaaaaaaaaaa",
    ] {
        let body = register(password).await.problem(422, "weak_password");
        assert!(
            !body["errors"].as_array().unwrap().is_empty(),
            "{password}: reasons"
        );
    }
    let long = "correct horse battery staple ".repeat(5);
    assert_eq!(
        register(&long).await.problem(422, "validation_failed")["errors"][0]["field"],
        "password"
    );
    // No composition rules: a long lower-case phrase is fine.
    let ok = register("plum harbor violin seventeen").await;
    assert_eq!(ok.status, 201);
}

#[actix_web::test]
async fn bad_registration_fields_are_422() {
    let app = TestApp::new().await;
    let with = |key: &str, value: serde_json::Value| {
        let mut body = registration("a@b.co", "M");
        body[key] = value;
        body
    };
    for (body, field) in [
        (registration("not-an-email", "M"), "email"),
        (registration("a@b.co", ""), "display_name"),
        (registration("a@b.co", &"x".repeat(81)), "display_name"),
        (registration("a@b.co", "M\u{0}"), "display_name"),
        (with("time_zone", json!("Mars/Base")), "time_zone"),
        (with("locale", json!("not a locale")), "locale"),
        // A well-formed tag of a language acupress does not write in.
        (with("locale", json!("de-CH")), "locale"),
    ] {
        let res = app.post("/v1/auth/register", body).await;
        assert_eq!(
            res.problem(422, "validation_failed")["errors"][0]["field"],
            field
        );
    }
    let res = app
        .post("/v1/auth/register", with("role", json!("admin")))
        .await;
    res.problem(422, "validation_failed");
}

#[actix_web::test]
async fn an_optional_body_may_be_left_out_but_not_sent_broken() {
    let app = TestApp::new().await;
    let guest = |req: TestRequest| req.uri("/v1/auth/guest");
    assert_eq!(app.send(guest(TestRequest::post())).await.status, 201);
    let res = app
        .send(guest(TestRequest::post()).set_json(json!({"time_zone": "Asia/Tokyo"})))
        .await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json()["user"]["time_zone"], "Asia/Tokyo");
    app.send(
        guest(TestRequest::post()).set_json(json!({"time_zone": "Asia/Tokyo", "admin": true})),
    )
    .await
    .problem(422, "validation_failed");
    app.send(
        guest(TestRequest::post())
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"time_zone\": "),
    )
    .await
    .problem(400, "malformed_json");
    app.send(
        guest(TestRequest::post())
            .insert_header(("content-type", "text/plain"))
            .set_payload("Asia/Tokyo"),
    )
    .await
    .problem(415, "unsupported_media_type");
    // Whitespace is no body; `null` neither.
    for nothing in [" \r\n", "null"] {
        let res = app
            .send(
                guest(TestRequest::post())
                    .insert_header(("content-type", "application/json"))
                    .set_payload(nothing),
            )
            .await;
        assert_eq!(res.status, 201, "{nothing:?}");
    }
    // An optional body over the limit: an_optional_body_over_the_limit_is_413.
    let mei = app.register("mei@example.com").await;
    mei.post("/v1/auth/logout-all", json!({"include_current": "yes"}))
        .await
        .problem(422, "validation_failed");
    // serde would read a struct from an array of its fields; a body must be an object.
    for (req, body) in [
        (TestRequest::post().uri("/v1/auth/logout-all"), json!([])),
        (TestRequest::patch().uri("/v1/me"), json!([])),
        (TestRequest::patch().uri("/v1/me"), json!(["Mei Li"])),
        (
            TestRequest::post().uri("/v1/me/sessions"),
            json!(["2026-11-20T08:00:00Z", 300]),
        ),
    ] {
        mei.send(req.set_json(body))
            .await
            .problem(422, "validation_failed");
    }
    app.post(
        "/v1/auth/register",
        json!(["li@example.com", PASSWORD, "Li"]),
    )
    .await
    .problem(422, "validation_failed");
    // A field twice is refused, not "last one wins".
    let twice = mei
        .send(
            TestRequest::post()
                .uri("/v1/me/sessions")
                .insert_header(("content-type", "application/json"))
                .set_payload(
                    r#"{"started_at": "2026-11-20T08:00:00Z", "duration_seconds": 1, "duration_seconds": 600}"#,
                ),
        )
        .await
        .problem(422, "validation_failed");
    assert!(
        twice["detail"]
            .as_str()
            .unwrap()
            .contains("duplicate field")
    );
}

#[actix_web::test]
async fn an_optional_body_over_the_limit_is_413() {
    let small = local_app!("sets its own body limit", |c| c.body_limit = 2048);
    small
        .send(
            TestRequest::post()
                .uri("/v1/auth/guest")
                .insert_header(("content-type", "application/json"))
                .set_payload(format!("{{\"device_name\": \"{}\"}}", "x".repeat(4096))),
        )
        .await
        .problem(413, "payload_too_large");
}
