use std::time::{Duration, Instant};

use acupress::db;

use crate::support::{InProcess, LocalApp, Response, TestApp, pool_at};

#[actix_web::test]
async fn health_and_readiness_when_the_database_is_up() {
    let app = TestApp::new().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ok");
    let res = app.get("/readyz").await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["status"], "ready");
}

/// The app with its pool pointed at `url`, and its readiness answer: a 503 within 2 s.
async fn unready_with_database_at(app: &LocalApp, url: &str) -> (InProcess, Response) {
    let mut state = app.state.clone();
    state.pool = pool_at(url);
    let broken = InProcess::build(state).await;
    let started = Instant::now();
    let res = broken.get("/readyz").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    res.problem(503, "service_unavailable");
    (broken, res)
}

#[actix_web::test]
async fn readiness_fails_fast_when_the_database_is_unreachable() {
    let app = local_app!("points the app at a database that is not there");
    // A second pool pointed at a port where nothing listens.
    let (unreachable, res) =
        unready_with_database_at(&app, "postgres://postgres@127.0.0.1:1/acupress").await;
    assert_eq!(res.header("retry-after"), Some("2"));
    assert!(
        !String::from_utf8_lossy(&res.body).contains("127.0.0.1:1"),
        "no internals"
    );
    let health = unreachable.get("/healthz").await;
    assert_eq!(health.status, 200, "liveness never needs the database");
    // The catalog is served from memory and keeps working.
    let catalog = unreachable.get("/v1/meridians").await;
    assert_eq!(catalog.status, 200);
}

#[actix_web::test]
async fn an_exhausted_pool_yields_503_with_retry_after_not_a_hang() {
    let app = local_app!("holds the only connection of its pool", |c| {
        c.db_pool_size = 1;
        c.db_pool_timeout = Duration::from_millis(200);
    });
    let held = db::conn(&app.state.pool)
        .await
        .expect("the only connection");
    let started = Instant::now();
    let res = app.get("/readyz").await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    res.problem(503, "service_unavailable");
    assert_eq!(res.header("retry-after"), Some("2"));
    drop(held);
    assert_eq!(
        app.get("/readyz").await.status,
        200,
        "recovers once a connection is free"
    );
}

#[actix_web::test]
async fn swagger_ui_and_the_spec_are_served() {
    let app = TestApp::new().await;
    let docs = app.get("/docs").await;
    assert_eq!(docs.status, 307);
    assert_eq!(docs.header("location"), Some("/docs/"));
    let ui = app.get("/docs/").await;
    assert_eq!(ui.status, 200);
    assert!(String::from_utf8_lossy(&ui.body).contains("swagger"));
    let spec = app.get("/openapi.json").await;
    assert_eq!(spec.status, 200);
    assert_eq!(spec.json()["info"]["title"], "acupress");
}

#[actix_web::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::new().await;
    for path in ["/v1/points/LI4", "/v1/points/pc-6", "/no/such/route"] {
        app.get(path).await;
    }
    let res = app.get("/metrics").await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain; version=0.0.4"))
    );
    let text = String::from_utf8(res.body.to_vec()).unwrap();
    let count = |series: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("acupress_http_requests_total{{{series}}} ")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    // the template, not the concrete path; counters are per process, so at least
    assert!(
        count(r#"method="GET",route="/v1/points/{code}",status="200""#) >= 2,
        "{text}"
    );
    assert!(
        count(r#"method="GET",route="unmatched",status="404""#) >= 1,
        "{text}"
    );
    assert!(
        !text.contains("/v1/points/LI4"),
        "no concrete paths as labels"
    );
    assert!(text.contains("acupress_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/points/{code}\",status=\"200\",le=\"+Inf\"}"));
    assert!(text.contains("acupress_db_pool_max_connections "));
    let version = app.get("/v1/catalog/version").await.json()["version"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(text.contains(&format!("acupress_catalog_info{{version=\"{version}\"}} 1")));
}

#[actix_web::test]
async fn readiness_fails_fast_when_the_database_accepts_but_never_answers() {
    let app = local_app!("points the app at a database that never answers");
    // A listener whose connections are accepted by the kernel and then left silent.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    unready_with_database_at(
        &app,
        &format!("postgres://postgres@127.0.0.1:{port}/acupress"),
    )
    .await;
    drop(silent);
}

#[actix_web::test]
async fn start_up_gives_up_at_once_on_refused_credentials() {
    let app = local_app!("starts up with refused credentials");
    let mut config = (*app.state.config).clone();
    config.database_url = acupress::config::with_database(
        &config
            .database_url
            .replacen("postgres@", "no_such_role_here@", 1),
        "acupress_never_made",
    );
    config.db_startup_timeout = Duration::from_secs(20);
    let dataset = acupress::catalog::data::Dataset::load(&config.data_dir).unwrap();
    let started = Instant::now();
    let err = acupress::db::bootstrap::prepare(&config, dataset)
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "no waiting out the start-up timeout: {:?}",
        started.elapsed()
    );
    assert!(
        matches!(err, acupress::db::bootstrap::BootError::Refused { .. }),
        "{err}"
    );
}
