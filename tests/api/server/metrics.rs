//! Metrics stay bounded whatever clients send, and can be served apart from the API.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use acupress::server::metrics_listener as serve;
use rand::Rng;

use crate::support::{LocalApp, TestApp};

/// Characters of a method name (RFC 9110 `tchar`) that the HTTP stack passes on.
const TCHAR: &[u8] = b"!*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn random_token(rng: &mut impl Rng, alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

async fn scrape(app: &TestApp) -> String {
    let res = app.get("/metrics").await;
    assert_eq!(res.status, 200);
    String::from_utf8(res.body.to_vec()).unwrap()
}

/// `name="value"` of every request series in a scrape.
fn label_values<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let prefix = format!("{name}=\"");
    text.lines()
        .filter_map(|l| l.strip_prefix("acupress_http_requests_total{"))
        .filter_map(|l| l.split_once(&prefix))
        .filter_map(|(_, rest)| rest.split_once('"'))
        .map(|(value, _)| value)
        .collect()
}

fn count(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("acupress_http_requests_total{{{series}}} ")))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[actix_web::test]
async fn odd_methods_and_unknown_paths_leave_the_metrics_small() {
    const FLOOD: usize = 300;
    let app = TestApp::new().await;
    let mut rng = rand::rng();
    let methods: Vec<String> = (0..2 * FLOOD)
        .map(|i| {
            let len = rng.random_range(1..=4_000);
            // lower-case `get` and other near misses are methods the API does not answer
            match i % 50 {
                0 => "get".to_owned(),
                1 => "TRACE".to_owned(),
                _ => format!("X{}", random_token(&mut rng, TCHAR, len)),
            }
        })
        .collect();
    let paths: Vec<String> = (0..2 * FLOOD)
        .map(|_| {
            let len = rng.random_range(8..=1_000);
            format!(
                "/v1/{}",
                random_token(&mut rng, b"abcdefghijklmnopqrstuvwxyz0123456789-", len)
            )
        })
        .collect();
    let before = scrape(&app).await;
    for i in 0..FLOOD {
        let odd = |j: usize| Method::from_bytes(methods[j].as_bytes()).unwrap();
        let known = app
            .send(
                TestRequest::default()
                    .method(odd(2 * i))
                    .uri("/v1/points/LI4"),
            )
            .await;
        assert_eq!(known.status, 405, "{}", methods[2 * i]);
        let unknown = app
            .send(
                TestRequest::default()
                    .method(odd(2 * i + 1))
                    .uri(&paths[2 * i]),
            )
            .await;
        assert_eq!(unknown.status, 404);
        let get = app.send(TestRequest::get().uri(&paths[2 * i + 1])).await;
        assert_eq!(get.status, 404);
    }
    let started = std::time::Instant::now();
    let after = scrape(&app).await;
    let took = started.elapsed();
    let grown = after.len().saturating_sub(before.len());
    println!(
        "/metrics: {} bytes before, {} bytes after {} requests ({grown} more), scraped in {took:?}",
        before.len(),
        after.len(),
        3 * FLOOD
    );
    // A few new series (other × two routes, each 15 lines), not one per request.
    assert!(grown < 64 * 1024, "{grown} bytes more");
    for method in label_values(&after, "method") {
        assert!(
            [
                "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"
            ]
            .contains(&method),
            "method label `{}`",
            &method[..method.len().min(40)]
        );
    }
    for route in label_values(&after, "route") {
        assert!(
            route == "unmatched" || !paths.iter().any(|p| p == route),
            "raw path `{route}` as a label"
        );
    }
    assert!(
        !methods
            .iter()
            .any(|m| after.contains(m.as_str()) && m.len() > 8)
    );
    assert!(
        count(
            &after,
            r#"method="other",route="/v1/points/{code}",status="405""#
        ) >= FLOOD as u64
    );
    assert!(count(&after, r#"method="other",route="unmatched",status="404""#) >= FLOOD as u64);
    assert!(count(&after, r#"method="GET",route="unmatched",status="404""#) >= FLOOD as u64);
}

#[actix_web::test]
async fn a_separate_metrics_address_serves_them_and_the_api_port_does_not() {
    let app = local_app!("sets its own metrics address", |c| c.metrics_listen =
        Some("127.0.0.1:0".parse().unwrap()));
    assert_eq!(app.get("/v1/points/LI4").await.status, 200);
    let public = app.get("/metrics").await;
    let problem = public.problem(404, "not_found");
    assert_eq!(
        problem["detail"], "no route for GET /metrics",
        "like any unknown route"
    );

    let listener = serve::start(&app.state).expect("the metrics listener starts");
    let base = format!("http://{}", listener.addrs()[0]);
    let res = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    assert!(res.headers().contains_key("x-request-id"));
    let text = res.text().await.unwrap();
    assert!(
        count(
            &text,
            r#"method="GET",route="/v1/points/{code}",status="200""#
        ) >= 1,
        "{text}"
    );
    assert!(
        count(&text, r#"method="GET",route="/metrics",status="404""#) >= 1,
        "{text}"
    );
    assert!(text.contains("acupress_db_pool_max_connections "));

    // The metrics address answers nothing else.
    let api = reqwest::get(format!("{base}/v1/meridians")).await.unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let post = reqwest::Client::new()
        .post(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
    let head = reqwest::Client::new()
        .head(format!("{base}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    listener.stop().await;
    assert!(
        reqwest::get(format!("{base}/metrics")).await.is_err(),
        "stopped listening"
    );

    // Unset, nothing more listens and the API port keeps serving the metrics.
    let plain = LocalApp::with_config(|_| {}).await;
    assert!(serve::start(&plain.state).unwrap().addrs().is_empty());
    assert_eq!(plain.get("/metrics").await.status, 200);
}
