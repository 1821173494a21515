//! Cross-cutting behaviour: every error is problem+json, every response has a request id.

use actix_web::middleware::from_fn;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, get, web};
use acupress::{http, telemetry};
use serde::Deserialize;

use crate::support::{TestApp, call};

#[actix_web::test]
async fn unknown_route_is_a_404_problem() {
    let app = TestApp::new().await;
    let body = app.get("/v1/nothing-here").await.problem(404, "not_found");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("/v1/nothing-here")
    );
}

#[actix_web::test]
async fn wrong_method_is_405_with_allow() {
    let app = TestApp::new().await;
    for uri in ["/v1/meridians", "/v1/meridians/LI", "/healthz"] {
        let res = app.send(TestRequest::delete().uri(uri)).await;
        res.problem(405, "method_not_allowed");
        assert_eq!(res.header("allow"), Some("GET, HEAD"), "{uri}");
    }
}

#[actix_web::test]
async fn request_ids_are_made_or_echoed() {
    let app = TestApp::new().await;
    let made = app.get("/healthz").await;
    let id = made.header("x-request-id").expect("request id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    let echoed = app
        .get_with("/healthz", &[("x-request-id", "app-1234.abc")])
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("app-1234.abc"));
    let unsafe_id = app
        .get_with("/healthz", &[("x-request-id", "a b<script>")])
        .await;
    assert_ne!(unsafe_id.header("x-request-id"), Some("a b<script>"));
    let error = app.get("/v1/meridians/ZZ").await;
    let body = error.problem(404, "not_found");
    assert!(body["request_id"].is_string());
}

#[actix_web::test]
async fn responses_are_compressed_when_accepted() {
    let app = TestApp::new().await;
    let res = app
        .get_with("/v1/meridians", &[("accept-encoding", "gzip")])
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-encoding"), Some("gzip"));
    let body = res.gunzip_json();
    assert_eq!(body["items"].as_array().unwrap().len(), 14);
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let app = local_app!("sets its own CORS origins", |c| c.cors_origins =
        vec!["https://app.example.com".into()]);
    let allowed = app
        .get_with("/v1/meridians", &[("origin", "https://app.example.com")])
        .await;
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    let other = app
        .get_with("/v1/meridians", &[("origin", "https://evil.example")])
        .await;
    assert_eq!(other.header("access-control-allow-origin"), None);
    let preflight = app
        .send(
            TestRequest::default()
                .method(actix_web::http::Method::OPTIONS)
                .uri("/v1/meridians")
                .insert_header(("origin", "https://evil.example"))
                .insert_header(("access-control-request-method", "GET")),
        )
        .await;
    preflight.problem(400, "bad_request");
}

// The path and query extractor configuration is exercised with the real middleware on a
// small route; JSON bodies are covered through the app's own endpoints below.

#[derive(Deserialize)]
struct Limit {
    #[allow(dead_code)]
    limit: u32,
}

#[get("/items/{n}")]
async fn item(n: web::Path<u32>, _q: web::Query<Limit>) -> HttpResponse {
    HttpResponse::Ok().json(*n)
}

macro_rules! extractor_app {
    () => {{
        let (path, query) = http::extractor_configs();
        test::init_service(
            App::new()
                .app_data(path)
                .app_data(query)
                .service(item)
                .wrap(from_fn(telemetry::request_context)),
        )
        .await
    }};
}

#[actix_web::test]
async fn path_and_query_errors_are_400_problems() {
    let app = extractor_app!();
    assert_eq!(
        call(&app, TestRequest::get().uri("/items/7?limit=2"))
            .await
            .status,
        200
    );
    let path = call(&app, TestRequest::get().uri("/items/seven?limit=2")).await;
    let body = path.problem(400, "bad_request");
    // The field is the path parameter, in the spec's words; no parser internals.
    assert_eq!(body["errors"][0]["field"], "n", "{body}");
    assert_eq!(body["errors"][0]["message"], "has the wrong form", "{body}");
    let query = call(&app, TestRequest::get().uri("/items/7?limit=-1")).await;
    let body = query.problem(400, "bad_query");
    assert!(
        body["detail"].as_str().unwrap().starts_with("query string"),
        "{body}"
    );
}

#[actix_web::test]
async fn json_endpoints_answer_framework_errors_as_problems() {
    let app = local_app!("sets its own body limit", |c| c.body_limit = 2048);
    let register = || TestRequest::post().uri("/v1/auth/register");
    app.send(
        register()
            .insert_header(("content-type", "application/json"))
            .set_payload("{\"email\":"),
    )
    .await
    .problem(400, "malformed_json");
    app.send(
        register()
            .insert_header(("content-type", "text/plain"))
            .set_payload("email=a"),
    )
    .await
    .problem(415, "unsupported_media_type");
    let huge =
        serde_json::json!({"email": "a@b.co", "password": "x".repeat(4096), "display_name": "M"});
    app.send(register().set_json(huge))
        .await
        .problem(413, "payload_too_large");
    app.send(
        register().set_json(serde_json::json!({"email": 5, "password": "p", "display_name": "M"})),
    )
    .await
    .problem(422, "validation_failed");
    app.send(register().set_json(serde_json::json!({"email": "a@b.co", "password": "quiet otter lantern river", "display_name": "M\u{0}"})))
        .await
        .problem(422, "validation_failed");
    // Well-formed JSON with a value of the wrong kind for a value set is the value's
    // fault (422 naming the field), not the JSON's, whatever serde calls it.
    for locale in [
        serde_json::json!(5),
        serde_json::json!(true),
        serde_json::json!(["en"]),
    ] {
        let body = serde_json::json!({"email": "a@b.co", "password": "quiet otter lantern river",
            "display_name": "M", "locale": locale});
        let problem = app
            .send(register().set_json(body))
            .await
            .problem(422, "validation_failed");
        assert_eq!(problem["errors"][0]["field"], "locale", "{problem}");
    }
}

#[actix_web::test]
async fn an_internal_error_is_a_generic_500_with_the_request_id() {
    let app = local_app!("breaks a table in the database");
    let mei = app.register("mei@example.com").await;
    // Break this test's own database under the running app.
    crate::support::execute(
        app.db_url(),
        "ALTER TABLE massage_sessions RENAME TO massage_sessions_gone".into(),
    );
    let res = mei
        .get_with("/v1/me/sessions", &[("x-request-id", "trace-me-500")])
        .await;
    let problem = res.problem(500, "internal_error");
    assert_eq!(res.header("x-request-id"), Some("trace-me-500"));
    assert_eq!(problem["request_id"], "trace-me-500");
    let text = problem.to_string();
    for leak in ["massage_sessions", "relation", "SELECT", "diesel"] {
        assert!(!text.contains(leak), "{leak} leaked: {text}");
    }
}

#[actix_web::test]
async fn a_problem_type_leads_to_a_page_about_it() {
    let app = TestApp::new().await;
    let problem = app.get("/v1/points/XX99").await.problem(404, "not_found");
    let page = app.get(problem["type"].as_str().unwrap()).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body.to_vec()).unwrap();
    assert!(
        html.contains("<h1>not_found (404): Not found</h1>"),
        "{html}"
    );
    for &code in acupress::problems::ProblemCode::ALL {
        let res = app.get(&code.type_uri()).await;
        assert_eq!(res.status, 200, "{code}");
    }
    app.get("/problems/no-such-thing")
        .await
        .problem(404, "not_found");
}
