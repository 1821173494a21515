//! Slow and silent clients, bounded connections and memory, security headers and log
//! levels (checklist lines 30 and 34; the drain on SIGTERM is in `binary`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Server, TestApp, TestDb};

/// Opens a connection that sends complete headers for a body of `declared` bytes, then
/// only `sent` of them.
fn partial_body(addr: &str, declared: usize, sent: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {declared}\r\n\r\n"
    )
    .unwrap();
    stream.write_all(sent).unwrap();
    stream
}

/// A raw HTTP/1.1 response: status, lower-cased head, body.
struct RawResponse {
    status: u16,
    head: String,
    body: serde_json::Value,
}

/// Reads one response until the server closes the connection (or `wait` passes).
fn read_response(stream: &mut TcpStream, wait: Duration) -> Option<RawResponse> {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut raw = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&chunk[..n]),
            Err(_) if !raw.is_empty() => break,
            Err(_) => return None,
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    Some(RawResponse {
        status: head.split(' ').nth(1)?.parse().ok()?,
        head: head.to_ascii_lowercase(),
        body: serde_json::from_str(body).unwrap_or_default(),
    })
}

/// Milliseconds of `rounds` rounds of `/healthz` and a catalog read, one after another.
async fn latencies(client: &reqwest::Client, base: &str, rounds: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        for path in ["/healthz", "/v1/meridians"] {
            let started = Instant::now();
            let res = client.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.bytes().await.unwrap();
            out.push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

fn median_and_max(sorted: &[f64]) -> (f64, f64) {
    (sorted[sorted.len() / 2], sorted[sorted.len() - 1])
}

#[actix_web::test]
async fn slow_bodies_get_408_after_the_deadline_while_others_keep_their_latency() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::cloned();
    let server = Server::start_with(&db, &[("ACUPRESS_BODY_TIMEOUT_MS", "2000")]);
    let client = reqwest::Client::new();
    latencies(&client, &server.base, 3).await;
    let before = latencies(&client, &server.base, 20).await;

    let opened = Instant::now();
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|_| partial_body(server.addr(), 1_048_576, b"{\"email\": \"sl"))
        .collect();
    let during = latencies(&client, &server.base, 20).await;
    assert!(
        opened.elapsed() < Duration::from_millis(1900),
        "measured while the slow bodies were held"
    );

    for stream in &mut slow {
        let res = read_response(stream, Duration::from_secs(5))
            .expect("a slow body is answered after the deadline, not held open");
        assert_eq!(res.status, 408);
        assert!(
            res.head.contains("content-type: application/problem+json"),
            "{}",
            res.head
        );
        assert_eq!(res.body["code"], "body_timeout");
    }
    let cut_after = opened.elapsed();
    assert!(
        cut_after >= Duration::from_millis(1900) && cut_after < Duration::from_millis(4500),
        "cut at the 2 s deadline: {cut_after:?}"
    );
    let ((before_median, before_max), (during_median, during_max)) =
        (median_and_max(&before), median_and_max(&during));
    eprintln!(
        "latency ms without slow bodies: median {before_median:.2}, max {before_max:.2}; \
         with 50 slow bodies held: median {during_median:.2}, max {during_max:.2}"
    );
    assert!(
        during_max < (before_max * 3.0).max(250.0),
        "other clients keep their latency: {during_max:.2} ms vs {before_max:.2} ms"
    );
    assert_eq!(
        latencies(&client, &server.base, 1).await.len(),
        2,
        "served after the slow bodies are cut"
    );
}

#[actix_web::test]
async fn bodies_in_flight_share_a_memory_budget_and_beyond_it_get_503() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::cloned();
    let server = Server::start_with(
        &db,
        &[
            ("ACUPRESS_BODY_MEMORY_MB", "1"),
            ("ACUPRESS_BODY_TIMEOUT_MS", "20000"),
        ],
    );
    // One client holds almost the whole budget with a body it has not finished.
    let held = vec![b' '; 1_048_576 - 500];
    let mut big = partial_body(server.addr(), 1_048_576, &held);
    std::thread::sleep(Duration::from_millis(500));

    let client = reqwest::Client::new();
    let login = |padding: usize| {
        let body = format!(
            "{{\"email\": \"a@example.com\", \"password\": \"wrong one\"{}}}",
            " ".repeat(padding)
        );
        client
            .post(format!("{}/v1/auth/login", server.base))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let small = login(0).await.unwrap();
    assert_eq!(
        small.status(),
        401,
        "a body that fits in what is left is read"
    );
    let refused = login(2000).await.unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(
        refused.headers().get("retry-after").unwrap(),
        "2",
        "says when to retry"
    );
    let problem: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(problem["code"], "server_busy");

    // The big body completes (it is not JSON: 400) and gives its share back.
    big.write_all(&[b' '; 500]).unwrap();
    let res = read_response(&mut big, Duration::from_secs(5)).unwrap();
    assert_eq!(res.status, 400);
    assert_eq!(
        login(2000).await.unwrap().status(),
        401,
        "budget given back"
    );
}

#[actix_web::test]
async fn open_connections_per_worker_are_bounded() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::cloned();
    let server = Server::start_with(&db, &[("ACUPRESS_MAX_CONNECTIONS", "3")]);
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let fresh = reqwest::Client::new();
    let waiting = fresh
        .get(format!("{}/healthz", server.base))
        .timeout(Duration::from_millis(700))
        .send()
        .await;
    assert!(
        waiting.is_err(),
        "a fourth connection waits in the backlog: {waiting:?}"
    );
    drop(idle);
    let started = Instant::now();
    let res = reqwest::Client::new()
        .get(format!("{}/healthz", server.base))
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "served once a slot is free");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[actix_web::test]
async fn malformed_requests_are_logged_as_warnings_never_errors() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::cloned();
    let server = Server::start_with(&db, &[("ACUPRESS_BODY_TIMEOUT_MS", "500")]);
    for raw in [
        "NOT HTTP AT ALL\r\n\r\n".to_owned(),
        format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nBad Header\r\n\r\n",
            server.addr()
        ),
        "GET /healthz HTTP/1.1\r\nContent-Length: twelve\r\n\r\n".to_owned(),
    ] {
        let mut stream = TcpStream::connect(server.addr()).unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let res = read_response(&mut stream, Duration::from_secs(3)).unwrap();
        assert_eq!(res.status, 400, "{raw}");
    }
    // A body cut off half-way, a slow one, and broken JSON.
    let cut = partial_body(server.addr(), 100, b"{\"email\"");
    cut.shutdown(std::net::Shutdown::Write).unwrap();
    let mut slow = partial_body(server.addr(), 100, b"{");
    assert_eq!(
        read_response(&mut slow, Duration::from_secs(3))
            .unwrap()
            .status,
        408
    );
    drop(cut);
    let broken = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", server.base))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(broken.status(), 400);
    std::thread::sleep(Duration::from_millis(300));

    let logs = server.logs();
    let errors: Vec<_> = logs.iter().filter(|l| l["level"] == "ERROR").collect();
    assert!(
        errors.is_empty(),
        "client faults logged as errors: {errors:?}"
    );
    assert!(
        logs.iter().any(|l| l["level"] == "WARN"
            && l["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("stream error: request parse error"))),
        "an unparseable request is still logged, as a warning: {logs:?}"
    );
}

#[actix_web::test]
async fn html_pages_carry_a_content_security_policy_and_refuse_framing() {
    let app = TestApp::new().await;
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    let html = String::from_utf8_lossy(&docs.body).into_owned();
    // The policy allows scripts from this server only: Swagger UI must have no inline one.
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap_or_default();
        assert!(open.contains("src="), "inline script in Swagger UI: {tag}");
    }
    assert!(
        !html.contains(" style=\""),
        "no inline style attribute in the page"
    );
    for res in [
        &docs,
        &app.get("/docs/swagger-initializer.js").await,
        &app.get("/problems/not-found").await,
    ] {
        assert_eq!(res.status, 200);
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        let csp = res.header("content-security-policy").unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-eval"), "{csp}");
        assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    }
    let docs_csp = docs.header("content-security-policy").unwrap();
    assert!(docs_csp.contains("script-src 'self'"), "{docs_csp}");
    assert!(docs_csp.contains("connect-src 'self'"), "fetches the spec");
    let page_csp = app
        .get("/problems/not-found")
        .await
        .header("content-security-policy")
        .map(str::to_owned)
        .unwrap();
    assert!(
        !page_csp.contains("script-src"),
        "a problem page runs nothing"
    );
}

#[actix_web::test]
async fn browsers_may_read_location_replay_and_download_headers() {
    let app = local_app!("sets its own CORS origins", |c| c.cors_origins =
        vec!["https://app.example.com".into()]);
    let res = app
        .get_with("/v1/meridians", &[("origin", "https://app.example.com")])
        .await;
    assert_eq!(res.status, 200);
    let exposed = res
        .header("access-control-expose-headers")
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "location",
        "idempotency-replayed",
        "content-disposition",
        "etag",
    ] {
        assert!(
            exposed.split(',').any(|h| h.trim() == name),
            "{name} not in {exposed}"
        );
    }
}
