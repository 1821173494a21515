//! The real binary, started as a newcomer would, called over HTTP.

use std::process::Command;
use std::time::Duration;

use crate::support::{Server, TestDb};

async fn meridian_count(base: &str) -> usize {
    let body: serde_json::Value = reqwest::get(format!("{base}/v1/meridians"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["items"].as_array().unwrap().len()
}

#[actix_web::test]
async fn binary_creates_its_database_serves_and_stops_on_sigterm() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::named();
    let server = Server::start(&db);
    assert_eq!(meridian_count(&server.base).await, 14);
    let ready = reqwest::get(format!("{}/readyz", server.base))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"));
    let status = server.terminate();
    assert!(status.success(), "graceful exit: {status}");

    // A warm start on the same database finds everything in place.
    let again = Server::start(&db);
    assert_eq!(meridian_count(&again.base).await, 14);
    assert!(again.terminate().success());
}

#[actix_web::test]
async fn two_instances_starting_at_once_share_one_fresh_database() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::named();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| Server::start(&db));
        let b = s.spawn(|| Server::start(&db));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(meridian_count(&a.base).await, 14);
    assert_eq!(meridian_count(&b.base).await, 14);
    assert!(a.terminate().success());
    assert!(b.terminate().success());
}

#[test]
fn malformed_configuration_stops_start_up_naming_the_variable() {
    skip_in_black_box!("starts the binary");
    for (var, value) in [
        ("ACUPRESS_LISTEN", "not-an-address"),
        ("ACUPRESS_DB_POOL_SIZE", "many"),
        ("DATABASE_URL", "postgres://user:hunter2@localhost:5432"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_acupress"))
            .env(var, value)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(var), "{stderr}");
        assert!(!stderr.contains("hunter2"), "password printed: {stderr}");
    }
}

#[actix_web::test]
async fn sigterm_under_load_finishes_requests_in_flight_then_refuses_new_ones() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::named();
    let server = Server::start_with(&db, &[("ACUPRESS_AUTH_RATE_ACCOUNT_BURST", "1000")]);
    let client = reqwest::Client::new();
    let register = client
        .post(format!("{}/v1/auth/register", server.base))
        .json(&serde_json::json!({"email": "load@example.com", "password": "quiet otter lantern river", "display_name": "L"}))
        .send()
        .await
        .unwrap();
    assert_eq!(register.status(), 201);
    // Logins take tens of milliseconds each (Argon2, a few at a time): many are in flight
    // when the signal arrives.
    let login = || {
        let client = client.clone();
        let url = format!("{}/v1/auth/login", server.base);
        actix_web::rt::spawn(async move {
            client
                .post(url)
                .json(&serde_json::json!({"email": "load@example.com", "password": "quiet otter lantern river"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
        })
    };
    let in_flight: Vec<_> = (0..16).map(|_| login()).collect();
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    server.signal("TERM");
    for request in in_flight {
        assert_eq!(
            request.await.unwrap().ok(),
            Some(200),
            "a request in flight was dropped"
        );
    }
    let base = server.base.clone();
    let status = server.terminate();
    assert!(status.success(), "{status}");
    assert!(
        reqwest::get(format!("{base}/healthz")).await.is_err(),
        "new connections are refused"
    );
}

/// What one request sent across the signal came back with.
enum Outcome {
    Created(String),
    Status(u16),
    NoAnswer(String),
}

#[actix_web::test]
async fn sigterm_drains_every_request_sent_across_the_signal_is_answered_and_kept() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::cloned();
    let mut server = Server::start_with(&db, &[("ACUPRESS_DRAIN_MS", "1500")]);
    let client = reqwest::Client::new();
    let guest: serde_json::Value = client
        .post(format!("{}/v1/auth/guest", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = guest["tokens"]["access_token"].as_str().unwrap().to_owned();
    let started = std::time::Instant::now();
    let signal_at = Duration::from_millis(500);
    // Clients keep sending until well inside the drain period (1.5 s after the signal).
    let stop_at = signal_at + Duration::from_millis(1000);
    let senders: Vec<_> = (0..6)
        .map(|sender| {
            let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
            actix_web::rt::spawn(async move {
                let mut outcomes = Vec::new();
                let mut n = 0;
                while started.elapsed() < stop_at && n < 400 {
                    n += 1;
                    let minute = sender * 400 + n;
                    let body = serde_json::json!({
                        "started_at": format!("2026-05-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440, minute / 60 % 24, minute % 60),
                        "duration_seconds": 300,
                    });
                    let sent_at = started.elapsed();
                    let sent = client
                        .post(format!("{base}/v1/me/sessions"))
                        .bearer_auth(&token)
                        .json(&body)
                        .timeout(Duration::from_secs(10))
                        .send()
                        .await;
                    outcomes.push((sent_at, match sent {
                        Ok(res) if res.status() == 201 => {
                            let body: serde_json::Value = res.json().await.unwrap();
                            Outcome::Created(body["session"]["id"].as_str().unwrap().to_owned())
                        }
                        Ok(res) => Outcome::Status(res.status().as_u16()),
                        Err(e) => Outcome::NoAnswer(e.to_string()),
                    }));
                }
                outcomes
            })
        })
        .collect();
    actix_web::rt::time::sleep(signal_at).await;
    server.signal("TERM");
    actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    let ready = client
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .expect("still accepting while draining");
    assert_eq!(ready.status(), 503, "readiness turns 503 at once");
    assert_eq!(
        ready.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..]),
        "draining responses close their connection"
    );
    let problem: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(problem["code"], "shutting_down");

    let mut created = Vec::new();
    let (mut refused, mut after_signal) = (0, 0);
    for sender in senders {
        for (sent_at, outcome) in sender.await.unwrap() {
            match outcome {
                Outcome::Created(id) => {
                    after_signal += usize::from(sent_at > signal_at);
                    created.push(id);
                }
                Outcome::Status(503) => refused += 1,
                Outcome::Status(other) => panic!("unexpected status {other}"),
                Outcome::NoAnswer(e) => panic!("a request got no answer: {e}"),
            }
        }
    }
    let status = server.wait_for_exit();
    assert!(status.success(), "{status}");
    assert!(
        started.elapsed() < signal_at + Duration::from_millis(1500) + Duration::from_secs(5),
        "the drain and the shutdown stay within their bounds"
    );
    let ids = created
        .iter()
        .map(|id| format!("'{id}'"))
        .collect::<Vec<_>>()
        .join(",");
    let stored = crate::support::count_rows(
        &db.url,
        format!("SELECT count(*) AS n FROM massage_sessions WHERE id IN ({ids})"),
    );
    assert_eq!(stored as usize, created.len(), "every 201 is stored");
    assert!(
        after_signal > 10,
        "requests sent after the signal are still served: {after_signal}"
    );
    eprintln!(
        "drain: {} created ({after_signal} after the signal), {refused} answered 503",
        created.len()
    );
}

#[actix_web::test]
async fn metrics_can_be_served_on_an_address_of_their_own() {
    skip_in_black_box!("starts the binary");
    let db = TestDb::named();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let metrics = free.local_addr().unwrap().to_string();
    drop(free);
    let server = Server::start_with(&db, &[("ACUPRESS_METRICS_LISTEN", &metrics)]);
    let public = reqwest::get(format!("{}/metrics", server.base))
        .await
        .unwrap();
    assert_eq!(
        public.status(),
        404,
        "the API port keeps the metrics to itself"
    );
    let scrape = reqwest::get(format!("http://{metrics}/metrics"))
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let text = scrape.text().await.unwrap();
    assert!(
        text.contains(
            r#"acupress_http_requests_total{method="GET",route="/metrics",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        server.terminate().success(),
        "both listeners stop on SIGTERM"
    );
}
