//! Signing in: unknown and wrong look alike, and attempts are limited per account and
//! per client address, behind trusted proxies only (checklist 4–7).

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use acupress::config::RateLimit;
use serde_json::json;

use crate::support::{PASSWORD, TestApp, guesses_per_account};

#[actix_web::test]
async fn unknown_email_and_wrong_password_look_the_same() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    // Warm both paths once, then time them.
    app.login("nobody@example.com", PASSWORD).await;
    let (mut unknown, mut wrong) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..3 {
        let started = Instant::now();
        let a = app.login("nobody@example.com", PASSWORD).await;
        unknown += started.elapsed();
        let started = Instant::now();
        let b = app.login(&account.email, "wrong password entirely").await;
        wrong += started.elapsed();
        let (pa, pb) = (
            a.problem(401, "invalid_credentials"),
            b.problem(401, "invalid_credentials"),
        );
        assert_eq!(pa["detail"], pb["detail"]);
        assert_eq!(a.header("www-authenticate"), b.header("www-authenticate"));
    }
    let ratio = unknown.as_secs_f64() / wrong.as_secs_f64();
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:?} vs wrong {wrong:?}"
    );
    let ok = app.login(&app.email("  MEI@example.com "), PASSWORD).await;
    assert_eq!(ok.status, 200);
}

/// A sign-in attempt from the client address `peer`.
fn login_from(peer: &str, email: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/v1/auth/login")
        .set_json(json!({"email": email, "password": password}))
        .peer_addr(peer.parse().unwrap())
}

#[actix_web::test]
async fn repeated_logins_are_rate_limited_then_allowed_again() {
    let app = local_app!(
        "sets its own sign-in limits",
        guesses_per_account(
            3,
            // Long enough that slow hashing on a busy machine refills no attempt
            // before the third login.
            Duration::from_secs(3),
        )
    );
    let account = app.register("mei@example.com").await;
    // The registration took one attempt for this account.
    for _ in 0..2 {
        app.login(&account.email, "wrong password entirely")
            .await
            .problem(401, "invalid_credentials");
    }
    let limited = app.login(&account.email, PASSWORD).await;
    limited.problem(429, "rate_limited");
    let retry: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3).contains(&retry), "{retry}");
    // Another account is not affected.
    let other = app.register("li@example.com").await;
    assert_eq!(app.login(&other.email, PASSWORD).await.status, 200);
    actix_web::rt::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(
        app.login(&account.email, PASSWORD).await.status,
        200,
        "not blocked forever"
    );
}

#[actix_web::test]
async fn one_client_address_is_rate_limited_across_accounts() {
    let app = local_app!("sets its own sign-in limits and client addresses", |c| {
        c.auth_rate_address = RateLimit {
            burst: 4,
            period: Duration::from_secs(60),
        };
    });
    let from = |addr: &str, email: &str| login_from(addr, email, "wrong password entirely");
    for i in 0..4 {
        app.send(from("203.0.113.7:5000", &format!("u{i}@example.com")))
            .await
            .problem(401, "invalid_credentials");
    }
    let res = app.send(from("203.0.113.7:5001", "u9@example.com")).await;
    res.problem(429, "rate_limited");
    assert!(res.header("retry-after").is_some());
    let elsewhere = app.send(from("198.51.100.2:5000", "u9@example.com")).await;
    elsewhere.problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn an_attacker_cannot_lock_an_owner_out_from_elsewhere() {
    let app = local_app!(
        "sets its own sign-in limits and client addresses",
        guesses_per_account(3, Duration::from_secs(60))
    );
    let account = app.register("mei@example.com").await;
    let from = |addr: &str, password: &str| login_from(addr, &account.email, password);
    for _ in 0..3 {
        app.send(from("203.0.113.7:5000", "wrong password entirely"))
            .await
            .problem(401, "invalid_credentials");
    }
    app.send(from("203.0.113.7:5000", PASSWORD))
        .await
        .problem(429, "rate_limited");
    // the owner's phone, elsewhere, still signs in
    assert_eq!(
        app.send(from("198.51.100.2:5000", PASSWORD)).await.status,
        200
    );
    // a guessing run spread over many addresses meets the whole-account limit (10 x 3)
    let mut limited = false;
    for i in 0..40 {
        let res = app
            .send(from(
                &format!("192.0.2.{i}:5000"),
                "wrong password entirely",
            ))
            .await;
        if res.status == 429 {
            limited = true;
            break;
        }
        res.problem(401, "invalid_credentials");
    }
    assert!(limited, "the account as a whole is limited too");
}

#[actix_web::test]
async fn the_client_address_comes_from_trusted_proxies_only() {
    let app = local_app!("sets its own trusted proxies and client addresses", |c| {
        c.auth_rate_address = RateLimit {
            burst: 2,
            period: Duration::from_secs(60),
        };
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    });
    let attempt = |peer: &str, forwarded: Option<&str>| {
        let mut req = login_from(peer, "nobody@example.com", "wrong password entirely");
        if let Some(f) = forwarded {
            req = req.insert_header(("x-forwarded-for", f.to_owned()));
        }
        req
    };
    // behind the proxy, each client has its own bucket: two clients, two attempts each
    for client in ["203.0.113.7", "198.51.100.2"] {
        for _ in 0..2 {
            app.send(attempt("10.0.0.5:4000", Some(client)))
                .await
                .problem(401, "invalid_credentials");
        }
    }
    // a client cannot escape by writing its own X-Forwarded-For: the proxy appends the
    // real address, and only the rightmost untrusted one counts
    app.send(attempt("10.0.0.5:4000", Some("1.2.3.4, 203.0.113.7")))
        .await
        .problem(429, "rate_limited");
    // from an untrusted peer the header is ignored: the peer itself is limited
    for _ in 0..2 {
        app.send(attempt("192.0.2.1:4000", Some("1.1.1.1")))
            .await
            .problem(401, "invalid_credentials");
    }
    app.send(attempt("192.0.2.1:4000", Some("8.8.8.8")))
        .await
        .problem(429, "rate_limited");
    // IPv6 clients are keyed by their /64
    for i in 1..=2 {
        app.send(attempt(&format!("[2001:db8:1:2::{i}]:4000"), None))
            .await
            .problem(401, "invalid_credentials");
    }
    app.send(attempt("[2001:db8:1:2::99]:4000", None))
        .await
        .problem(429, "rate_limited");
    app.send(attempt("[2001:db8:1:3::1]:4000", None))
        .await
        .problem(401, "invalid_credentials");
}
