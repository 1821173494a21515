//! The real binary, started as a newcomer would, called over HTTP.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{TestDb, data_dir};

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts `acupress` on a free port and waits for its "listening" log line.
    fn start(db: &TestDb) -> Self {
        Self::start_with(db, &[])
    }

    fn start_with(db: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_acupress"))
            .envs(env.iter().copied())
            .env("DATABASE_URL", &db.url)
            .env("ACUPRESS_LISTEN", "127.0.0.1:0")
            .env("ACUPRESS_LOG_FORMAT", "json")
            .env("ACUPRESS_DATA_DIR", data_dir())
            .env("ACUPRESS_WORKERS", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start acupress");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                    && v["message"] == "acupress listening"
                {
                    let _ = tx.send(v["listen"].as_str().unwrap_or_default().to_owned());
                }
            }
        });
        let listen = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server reports where it listens");
        Self {
            child,
            base: format!("http://{listen}"),
        }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("acupress did not stop within 10 s of SIGTERM");
    }
}

/// A test that fails half-way leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

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
    let pid = server.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
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

#[actix_web::test]
async fn metrics_can_be_served_on_an_address_of_their_own() {
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
