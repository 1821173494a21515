//! Accounts: security checklist lines 1–11, 16 and 17, guest accounts, deletion.

use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use acupress::config::RateLimit;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, count_rows, guesses_per_account};

/// Counts rows that still mention a user: the user row, the refresh tokens of their
/// device sessions, and every row of every table with a `user_id` column (found in the
/// catalog of the database, so a table added later is counted too).
fn rows_of(url: &str, id: &str) -> i64 {
    count_rows(
        url,
        format!(
            "SELECT (SELECT count(*) FROM users WHERE id = '{id}')
                  + (SELECT count(*) FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
                      WHERE s.user_id = '{id}')
                  + (SELECT coalesce(sum((xpath('/row/n/text()', query_to_xml(
                        format('SELECT count(*) AS n FROM %I.%I WHERE user_id = %L',
                               table_schema, table_name, '{id}'), false, true, '')))[1]::text::bigint), 0)
                       FROM information_schema.columns
                      WHERE column_name = 'user_id' AND table_schema = 'public')::bigint AS n"
        ),
    )
}

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
                "email": "  Mei.Lin@Example.COM ", "password": PASSWORD, "display_name": "Mei",
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
    assert_eq!(body["user"]["email"], "mei.lin@example.com");
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
            .post("/v1/auth/register", registration(email, "X"))
            .await;
        dup.problem(409, "email_taken");
    }
}

#[actix_web::test]
async fn weak_and_overlong_passwords_are_refused_with_reasons() {
    let app = TestApp::new().await;
    let register = async |password: &str| {
        app.post(
            "/v1/auth/register",
            json!({"email": "mei@example.com", "password": password, "display_name": "Mei"}),
        )
        .await
    };
    for password in [
        "password1",
        "Password1!",
        "mei@example.com1",
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
    let ok = app.login("  MEI@example.com ", PASSWORD).await;
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
    let app = TestApp::with_config(guesses_per_account(
        3,
        // Long enough that slow hashing on a busy machine refills no attempt
        // before the third login.
        Duration::from_secs(3),
    ))
    .await;
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
    let app = TestApp::with_config(|c| {
        c.auth_rate_address = RateLimit {
            burst: 4,
            period: Duration::from_secs(60),
        };
    })
    .await;
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
    let app = TestApp::with_config(guesses_per_account(3, Duration::from_secs(60))).await;
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
    let app = TestApp::with_config(|c| {
        c.auth_rate_address = RateLimit {
            burst: 2,
            period: Duration::from_secs(60),
        };
        c.trusted_proxies = vec!["10.0.0.0/8".parse().unwrap()];
    })
    .await;
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

#[actix_web::test]
async fn refresh_rotates_and_old_tokens_stop_working() {
    let app = TestApp::with_config(|c| c.refresh_grace = Duration::from_millis(500)).await;
    let account = app.register("mei@example.com").await;
    let first = account.refresh().await;
    assert_eq!(first.status, 200);
    let pair = first.json();
    assert_ne!(pair["refresh_token"], account.refresh.as_str());
    assert_ne!(pair["access_token"], account.access.as_str());
    assert_eq!(pair["session_id"], account.session.as_str());
    let new_access = pair["access_token"].as_str().unwrap();
    assert_eq!(
        app.authed(TestRequest::get().uri("/v1/me"), new_access)
            .await
            .status,
        200
    );
    // The chain goes on.
    let second = app.refresh(pair["refresh_token"].as_str().unwrap()).await;
    assert_eq!(second.status, 200);
    app.refresh("never-issued")
        .await
        .problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn a_rotated_token_within_grace_works_and_after_grace_revokes_the_family() {
    let app = TestApp::with_config(|c| c.refresh_grace = Duration::from_secs(1)).await;
    let account = app.register("mei@example.com").await;
    let newer = account.refresh().await.json();
    // A phone that lost the response retries at once: no logout.
    let retry = account.refresh().await;
    assert_eq!(retry.status, 200, "within the grace period");
    actix_web::rt::time::sleep(Duration::from_millis(1300)).await;
    let reuse = account.refresh().await;
    reuse.problem(401, "refresh_token_reused");
    // Every token of that session is gone: refresh tokens and access tokens.
    app.refresh(newer["refresh_token"].as_str().unwrap())
        .await
        .problem(401, "invalid_refresh_token");
    app.refresh(retry.json()["refresh_token"].as_str().unwrap())
        .await
        .problem(401, "invalid_refresh_token");
    let me = app
        .authed(
            TestRequest::get().uri("/v1/me"),
            newer["access_token"].as_str().unwrap(),
        )
        .await;
    me.problem(401, "session_revoked");
    // The other device of the same user is untouched.
    let other = account.second_device().await;
    assert_eq!(other.me().await.status, 200);
}

#[actix_web::test]
async fn two_refreshes_at_once_both_succeed() {
    let app = TestApp::with_config(|c| c.refresh_grace = Duration::from_secs(1)).await;
    let account = app.register("mei@example.com").await;
    let (a, b) = futures_util::future::join(account.refresh(), account.refresh()).await;
    assert_eq!((a.status, b.status), (200, 200));
    assert_ne!(a.json()["refresh_token"], b.json()["refresh_token"]);
    // The phone goes on with one of the two; using it retires the other, which is
    // still honoured within the grace period (a phone that kept the other answer).
    let kept = app
        .refresh(a.json()["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(kept.status, 200);
    let other = b.json()["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(app.refresh(&other).await.status, 200, "within grace");
    // Later, the other branch is a replay (say of a stolen token): the session ends.
    actix_web::rt::time::sleep(Duration::from_millis(1300)).await;
    app.refresh(&other)
        .await
        .problem(401, "refresh_token_reused");
    app.refresh(kept.json()["refresh_token"].as_str().unwrap())
        .await
        .problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn logout_is_immediate_and_idempotent() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    assert_eq!(account.logout().await.status, 204);
    assert_eq!(account.logout().await.status, 204, "again is fine");
    account.me().await.problem(401, "session_revoked");
    account
        .refresh()
        .await
        .problem(401, "invalid_refresh_token");
}

#[actix_web::test]
async fn devices_can_be_listed_and_signed_out() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    let laptop = phone.second_device().await;
    let list = phone.get("/v1/me/devices").await.json();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items.iter().filter(|d| d["current"] == true).count(), 1);
    assert!(
        items
            .iter()
            .any(|d| d["id"] == phone.session.as_str() && d["current"] == true)
    );

    let revoke = phone
        .delete(&format!("/v1/me/devices/{}", tablet.session))
        .await;
    assert_eq!(revoke.status, 204);
    tablet.me().await.problem(401, "session_revoked");
    assert_eq!(laptop.me().await.status, 200);
    // Someone else's device, an unknown one, a malformed id.
    let other = app.register("li@example.com").await;
    other
        .delete(&format!("/v1/me/devices/{}", laptop.session))
        .await
        .problem(404, "not_found");
    assert_eq!(laptop.me().await.status, 200, "nothing changed");
    phone
        .delete("/v1/me/devices/not-a-uuid")
        .await
        .problem(400, "bad_request");

    // Log out everywhere else: the current device stays.
    let all = phone
        .send(TestRequest::post().uri("/v1/auth/logout-all"))
        .await;
    assert_eq!(all.status, 204);
    laptop.me().await.problem(401, "session_revoked");
    assert_eq!(phone.me().await.status, 200);
    let everything = phone
        .post("/v1/auth/logout-all", json!({"include_current": true}))
        .await;
    assert_eq!(everything.status, 204);
    phone.me().await.problem(401, "session_revoked");
}

#[actix_web::test]
async fn password_change_needs_the_current_one_and_signs_out_others() {
    let app = TestApp::new().await;
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    phone
        .change_password("not my password", "seven copper kites at dawn")
        .await
        .problem(403, "forbidden");
    phone
        .change_password(PASSWORD, "password123")
        .await
        .problem(422, "weak_password");
    assert_eq!(
        phone
            .change_password(PASSWORD, "seven copper kites at dawn")
            .await
            .status,
        204
    );
    tablet.me().await.problem(401, "session_revoked");
    tablet.refresh().await.problem(401, "invalid_refresh_token");
    assert_eq!(phone.me().await.status, 200);
    app.login(&phone.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.login(&phone.email, "seven copper kites at dawn")
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn profile_updates_and_refuses_server_owned_fields() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    let res = account
        .patch(
            "/v1/me",
            json!({"display_name": "Mei L.", "time_zone": "America/New_York",
            "safety_profile": {"pregnant": true, "bleeding_risk": true}}),
        )
        .await;
    assert_eq!(res.status, 200);
    let me = res.json();
    assert_eq!(me["display_name"], "Mei L.");
    assert_eq!(me["time_zone"], "America/New_York");
    assert_eq!(me["safety_profile"]["pregnant"], true);
    assert_eq!(me["safety_profile"]["varicose_veins"], false);
    // A partial safety patch leaves the other answers alone.
    let me = account
        .patch("/v1/me", json!({"safety_profile": {"pregnant": false}}))
        .await
        .json();
    assert_eq!(me["safety_profile"]["pregnant"], false);
    assert_eq!(me["safety_profile"]["bleeding_risk"], true);

    for body in [
        json!({"role": "admin"}),
        json!({"id": "00000000-0000-0000-0000-000000000000"}),
        json!({"email": "evil@example.com"}),
        json!({"created_at": "2020-01-01T00:00:00Z"}),
        json!({"user_id": account.id}),
        json!({"favourite_colour": "green"}),
        json!({"safety_profile": {"diabetic": true}}),
        json!({"time_zone": "Nowhere/Land"}),
        json!({"display_name": "x".repeat(200)}),
        json!({"display_name": "bell\u{7}"}),
    ] {
        let res = account.patch("/v1/me", body.clone()).await;
        res.problem(422, "validation_failed");
    }
    let after = account.me().await.json();
    assert_eq!(after["role"], "user");
    assert_eq!(after["email"], "mei@example.com");
    assert_eq!(after["display_name"], "Mei L.", "nothing applied");
}

#[actix_web::test]
async fn delete_account_needs_the_password_and_leaves_nothing() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    let second = account.second_device().await;
    let other = app.register("li@example.com").await;
    account
        .delete_account("not my password")
        .await
        .problem(403, "forbidden");
    account
        .send(
            TestRequest::delete()
                .uri("/v1/me")
                .set_json(json!({"password": null})),
        )
        .await
        .problem(422, "validation_failed");
    // history, an idempotency key and (after a statistics read) rollups too
    let res = account
        .create_session_keyed(
            json!({"started_at": "2026-11-20T21:00:00Z", "duration_seconds": 300,
                "condition": "insomnia",
                "steps": [{"point": "HT7", "side": "both", "seconds": 60, "pressure": "light"}]}),
            "6f9619ff-8b86-4011-b42d-00c04fc964ff",
        )
        .await;
    assert_eq!(res.status, 201);
    account.stats("from=2026-11-01&to=2026-11-30").await;
    assert_eq!(
        rows_of(&app.state.config.database_url, &account.id),
        9,
        "user, 2 device sessions, 2 tokens, a session, its key, a day and a point-day rollup"
    );
    assert_eq!(account.delete_account(PASSWORD).await.status, 204);
    assert_eq!(
        rows_of(&app.state.config.database_url, &account.id),
        0,
        "no row left behind"
    );
    for device in [&account, &second] {
        device.me().await.problem(401, "session_revoked");
    }
    second.refresh().await.problem(401, "invalid_refresh_token");
    app.login(&account.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(other.me().await.status, 200);
    assert_eq!(rows_of(&app.state.config.database_url, &other.id), 3);
}

#[actix_web::test]
async fn export_has_everything_about_me_and_nothing_of_others() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    let other = app.register("li@example.com").await;
    account
        .set_profile(json!({"safety_profile": {"pregnant": true}}))
        .await;
    let res = account.export().await;
    assert_eq!(res.status, 200);
    assert!(
        res.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );
    let export = res.json();
    assert_eq!(export["user"]["id"], account.id.as_str());
    assert_eq!(export["user"]["safety_profile"]["pregnant"], true);
    assert_eq!(export["devices"].as_array().unwrap().len(), 1);
    let text = export.to_string();
    assert!(!text.contains(&other.id) && !text.contains(&other.email));
    assert!(!text.contains("argon2"), "no password hash");
}

#[actix_web::test]
async fn guests_start_without_an_account_and_upgrade_keeping_everything() {
    let app = TestApp::new().await;
    let res = app.send(TestRequest::post().uri("/v1/auth/guest")).await;
    assert_eq!(res.status, 201);
    let body = res.json();
    assert_eq!(body["user"]["is_guest"], true);
    assert!(body["user"]["email"].is_null());
    let guest = app.account(&body, "");
    guest
        .patch(
            "/v1/me",
            json!({"safety_profile": {"varicose_veins": true}}),
        )
        .await;
    let upgrade = |email: &str, password: &str| json!({"email": email, "password": password, "display_name": "Mei"});
    guest
        .post("/v1/auth/upgrade", upgrade("mei@example.com", "password"))
        .await
        .problem(422, "weak_password");
    let taken = app.register("taken@example.com").await;
    guest
        .post("/v1/auth/upgrade", upgrade("taken@example.com", PASSWORD))
        .await
        .problem(409, "email_taken");
    let res = guest
        .post("/v1/auth/upgrade", upgrade(" Mei@Example.com", PASSWORD))
        .await;
    assert_eq!(res.status, 200);
    let user = res.json();
    assert_eq!(user["id"], guest.id.as_str(), "same account");
    assert_eq!(user["is_guest"], false);
    assert_eq!(user["email"], "mei@example.com");
    assert_eq!(
        user["safety_profile"]["varicose_veins"], true,
        "kept what it owned"
    );
    assert_eq!(guest.me().await.status, 200, "still signed in");
    assert_eq!(app.login("mei@example.com", PASSWORD).await.status, 200);
    guest
        .post("/v1/auth/upgrade", upgrade("again@example.com", PASSWORD))
        .await
        .problem(409, "not_a_guest");
    taken
        .post("/v1/auth/upgrade", upgrade("x@example.com", PASSWORD))
        .await
        .problem(409, "not_a_guest");
    // A guest deletes itself without a password.
    let other_guest = app.guest().await;
    let res = other_guest
        .send(TestRequest::delete().uri("/v1/me").set_json(json!({})))
        .await;
    assert_eq!(res.status, 204);
}

#[actix_web::test]
async fn only_admins_change_catalog_content() {
    let app = TestApp::new().await;
    let user = app.register("mei@example.com").await;
    let reload = || TestRequest::post().uri("/v1/admin/catalog/reload");
    user.send(reload()).await.problem(403, "forbidden");
    app.send(reload()).await.problem(401, "missing_token");

    let mut config = app.state.config.as_ref().clone();
    config.database_url = app.state.config.database_url.clone();
    let message = acupress::admin::grant(&config, "MEI@example.com")
        .await
        .unwrap();
    assert!(message.contains("mei@example.com"));
    assert!(
        acupress::admin::grant(&config, "nobody@example.com")
            .await
            .is_err()
    );
    let res = user.send(reload()).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.json()["version"],
        app.state.catalog.get().version.as_str()
    );
    assert_eq!(user.me().await.json()["role"], "admin");
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
    let small = TestApp::with_config(|c| c.body_limit = 2048).await;
    small
        .send(
            guest(TestRequest::post())
                .insert_header(("content-type", "application/json"))
                .set_payload(format!("{{\"device_name\": \"{}\"}}", "x".repeat(4096))),
        )
        .await
        .problem(413, "payload_too_large");
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
async fn housekeeping_forgets_sign_ins_nobody_can_use() {
    let app = TestApp::new().await;
    let url = app.state.config.database_url.clone();
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    // the phone refreshes: its first token is rotated, kept to catch reuse
    let newer = phone.refresh().await.json();
    let guest = app.guest().await;
    // the tablet's and the guest's refresh tokens ran out long ago
    crate::common::execute(
        &url,
        format!(
            "UPDATE refresh_tokens SET expires_at = now() - interval '1 day'
              WHERE session_id IN ('{}', '{}');
             UPDATE auth_sessions SET created_at = now() - interval '61 days'
              WHERE id IN ('{}', '{}');
             UPDATE users SET created_at = now() - interval '61 days' WHERE id = '{}'",
            tablet.session, guest.session, tablet.session, guest.session, guest.id
        ),
    );
    // a device whose refresh token has expired is no longer listed
    let devices = phone.get("/v1/me/devices").await.json();
    assert_eq!(devices["items"].as_array().unwrap().len(), 1);
    let done = acupress::server::housekeeping(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(done.sign_in.refresh_tokens, 2, "{done:?}");
    assert_eq!(done.sign_in.sessions, 2, "{done:?}");
    assert_eq!(done.sign_in.guests, 1, "{done:?}");
    assert_eq!(
        count_rows(
            &url,
            format!("SELECT count(*) AS n FROM users WHERE id = '{}'", guest.id)
        ),
        0
    );
    // the phone is untouched: its live token works, its rotated one is still caught
    assert_eq!(phone.me().await.status, 200);
    assert_eq!(
        app.refresh(newer["refresh_token"].as_str().unwrap())
            .await
            .status,
        200
    );
    // a second round finds nothing more
    let again = acupress::server::housekeeping(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(again.sign_in, acupress::auth::store::Purged::default());
}
