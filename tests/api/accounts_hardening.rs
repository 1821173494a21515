//! Accounts under races and across instances: security checklist line 32 (credential
//! changes re-checked under the row lock, one guess budget, rate limits shared by every
//! instance) and concurrent refreshes of one device session.

use std::sync::mpsc;
use std::time::Duration;

use actix_web::test::TestRequest;
use acupress::config::RateLimit;
use acupress::db::{self, SessionSettings, SyncPgConnection};
use acupress::server;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use futures_util::future::join_all;
use serde_json::json;

use crate::common::{Account, PASSWORD, Response, TestApp, count_rows, send_to, test_config};

const NEW_PASSWORD: &str = "amber heron copper willow";
const OTHER_PASSWORD: &str = "silent maple harbor drum";

fn post(uri: &str, body: serde_json::Value) -> TestRequest {
    TestRequest::post().uri(uri).set_json(body)
}

fn login_request(email: &str, password: &str) -> TestRequest {
    post(
        "/v1/auth/login",
        json!({"email": email, "password": password}),
    )
}

fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("authorization", format!("Bearer {token}")))
}

fn change_password(account: &Account, current: &str, new: &str) -> TestRequest {
    bearer(
        TestRequest::put()
            .uri("/v1/me/password")
            .set_json(json!({"current_password": current, "new_password": new})),
        &account.access,
    )
}

fn delete_account(account: &Account, password: &str) -> TestRequest {
    bearer(
        TestRequest::delete()
            .uri("/v1/me")
            .set_json(json!({"password": password})),
        &account.access,
    )
}

/// Signs in again as `account`: a second device session of the same user.
async fn second_device(app: &TestApp, account: &Account) -> Account {
    let res = app.send(login_request(&account.email, PASSWORD)).await;
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    Account::from_auth(&res.json(), &account.email)
}

/// A row lock held by the test on its own connection (a transaction on a thread of its
/// own), so that requests queue behind it in a known order; released on drop.
struct RowLock {
    release: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RowLock {
    fn hold(url: &str, sql: String) -> Self {
        let url = url.to_owned();
        let (held_tx, held_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut conn = SyncPgConnection::establish(&url).unwrap();
            conn.batch_execute(&format!("BEGIN; {sql};")).unwrap();
            held_tx.send(()).unwrap();
            let _ = release_rx.recv();
            conn.batch_execute("COMMIT").unwrap();
        });
        held_rx.recv().expect("the lock is taken");
        Self {
            release: Some(release),
            thread: Some(thread),
        }
    }

    fn user(url: &str, account: &Account) -> Self {
        Self::hold(
            url,
            format!("SELECT 1 FROM users WHERE id = '{}' FOR UPDATE", account.id),
        )
    }

    fn release(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        drop(self.release.take());
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

impl Drop for RowLock {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Waits (bounded) until `n` backends of the test's database wait for a lock.
async fn lock_waiters(url: &str, n: i64) {
    for _ in 0..500 {
        let waiting = count_rows(
            url,
            "SELECT count(*) AS n FROM pg_stat_activity
              WHERE datname = current_database() AND wait_event_type = 'Lock'"
                .into(),
        );
        if waiting >= n {
            return;
        }
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{n} requests never came to wait for the lock");
}

fn users_with_id(url: &str, account: &Account) -> i64 {
    count_rows(
        url,
        format!(
            "SELECT count(*) AS n FROM users WHERE id = '{}'",
            account.id
        ),
    )
}

#[actix_web::test]
async fn a_password_change_from_a_device_signed_out_meanwhile_writes_nothing() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let owner = app.register("mei@example.com").await;
    let attacker = second_device(&app, &owner).await;
    // The attacker's change is verified and waits at the user's row; the owner signs
    // that device out in the meantime.
    let lock = RowLock::user(&url, &owner);
    let (changed, _) = tokio::join!(
        app.send(change_password(&attacker, PASSWORD, NEW_PASSWORD)),
        async {
            lock_waiters(&url, 1).await;
            let revoke = bearer(
                TestRequest::delete().uri(&format!("/v1/me/devices/{}", attacker.session)),
                &owner.access,
            );
            assert_eq!(app.send(revoke).await.status, 204);
            lock.release();
        }
    );
    changed.problem(401, "session_revoked");
    assert_eq!(
        app.send(login_request(&owner.email, PASSWORD)).await.status,
        200,
        "the password is unchanged"
    );
    app.send(login_request(&owner.email, NEW_PASSWORD))
        .await
        .problem(401, "invalid_credentials");
    let me = bearer(TestRequest::get().uri("/v1/me"), &owner.access);
    assert_eq!(app.send(me).await.status, 200, "nobody else signed out");
}

#[actix_web::test]
async fn of_two_concurrent_password_changes_one_wins_and_its_password_works() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let account = app.register("mei@example.com").await;
    let lock = RowLock::user(&url, &account);
    let (first, second, _) = tokio::join!(
        app.send(change_password(&account, PASSWORD, NEW_PASSWORD)),
        app.send(change_password(&account, PASSWORD, OTHER_PASSWORD)),
        async {
            lock_waiters(&url, 2).await;
            lock.release();
        }
    );
    let (winner, loser) = match (first.status, second.status) {
        (204, _) => ((first, NEW_PASSWORD), (second, OTHER_PASSWORD)),
        (_, 204) => ((second, OTHER_PASSWORD), (first, NEW_PASSWORD)),
        _ => panic!(
            "one change must win: {} and {}",
            first.status, second.status
        ),
    };
    assert_eq!(winner.0.status, 204);
    loser.0.problem(409, "password_changed");
    assert_eq!(
        app.send(login_request(&account.email, winner.1))
            .await
            .status,
        200,
        "the winner's password works"
    );
    for password in [loser.1, PASSWORD] {
        app.send(login_request(&account.email, password))
            .await
            .problem(401, "invalid_credentials");
    }
}

#[actix_web::test]
async fn concurrent_password_changes_from_two_devices_sign_the_loser_out() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let one = app.register("mei@example.com").await;
    let two = second_device(&app, &one).await;
    let lock = RowLock::user(&url, &one);
    let (first, second, _) = tokio::join!(
        app.send(change_password(&one, PASSWORD, NEW_PASSWORD)),
        app.send(change_password(&two, PASSWORD, OTHER_PASSWORD)),
        async {
            lock_waiters(&url, 2).await;
            lock.release();
        }
    );
    // The winner signs every other device out, the loser's among them.
    let (winner, loser) = match (first.status, second.status) {
        (204, _) => (NEW_PASSWORD, second),
        (_, 204) => (OTHER_PASSWORD, first),
        _ => panic!(
            "one change must win: {} and {}",
            first.status, second.status
        ),
    };
    loser.problem(401, "session_revoked");
    assert_eq!(
        app.send(login_request(&one.email, winner)).await.status,
        200
    );
}

#[actix_web::test]
async fn deleting_the_account_from_a_device_signed_out_meanwhile_deletes_nothing() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let owner = app.register("mei@example.com").await;
    let attacker = second_device(&app, &owner).await;
    let lock = RowLock::user(&url, &owner);
    let (deleted, _) = tokio::join!(app.send(delete_account(&attacker, PASSWORD)), async {
        lock_waiters(&url, 1).await;
        let revoke = bearer(
            TestRequest::delete().uri(&format!("/v1/me/devices/{}", attacker.session)),
            &owner.access,
        );
        assert_eq!(app.send(revoke).await.status, 204);
        lock.release();
    });
    deleted.problem(401, "session_revoked");
    assert_eq!(users_with_id(&url, &owner), 1, "the account is still there");
    let me = bearer(TestRequest::get().uri("/v1/me"), &owner.access);
    assert_eq!(app.send(me).await.status, 200);
}

#[actix_web::test]
async fn deleting_the_account_after_its_password_changed_meanwhile_deletes_nothing() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let account = app.register("mei@example.com").await;
    // Both verified the same password; the change takes the row first.
    let lock = RowLock::user(&url, &account);
    let (changed, deleted, _) = tokio::join!(
        app.send(change_password(&account, PASSWORD, NEW_PASSWORD)),
        async {
            lock_waiters(&url, 1).await;
            app.send(delete_account(&account, PASSWORD)).await
        },
        async {
            lock_waiters(&url, 2).await;
            lock.release();
        }
    );
    assert_eq!(changed.status, 204);
    deleted.problem(409, "password_changed");
    assert_eq!(users_with_id(&url, &account), 1);
}

#[actix_web::test]
async fn password_confirmations_and_logins_share_one_guess_budget() {
    let app = TestApp::with_config(|c| {
        c.auth_rate_account = RateLimit {
            burst: 4,
            period: Duration::from_secs(60),
        };
    })
    .await;
    // Registration takes one attempt; two wrong confirmations through a stolen access
    // token, one wrong login: the budget is spent, for the right password too.
    let account = app.register("mei@example.com").await;
    app.send(change_password(
        &account,
        "wrong password entirely",
        NEW_PASSWORD,
    ))
    .await
    .problem(403, "forbidden");
    app.send(delete_account(&account, "wrong password entirely"))
        .await
        .problem(403, "forbidden");
    app.send(login_request(&account.email, "wrong password entirely"))
        .await
        .problem(401, "invalid_credentials");
    app.send(login_request(&account.email, PASSWORD))
        .await
        .problem(429, "rate_limited");
    app.send(delete_account(&account, PASSWORD))
        .await
        .problem(429, "rate_limited");
    assert_eq!(users_with_id(&app._db.url, &account), 1);
}

#[actix_web::test]
async fn concurrent_refreshes_of_sibling_tokens_never_deadlock() {
    let app = TestApp::with_config(|c| c.refresh_grace = Duration::from_secs(30)).await;
    let account = app.register("mei@example.com").await;
    let refresh = |token: &str| post("/v1/auth/refresh", json!({"refresh_token": token}));
    let mut statuses = Vec::new();
    let mut current = account.refresh.clone();
    for _ in 0..4 {
        // Siblings: the same token refreshed again within the grace period, each time
        // one more live token of the same device session.
        let mut siblings = Vec::new();
        for _ in 0..8 {
            let res = app.send(refresh(&current)).await;
            assert_eq!(res.status, 200);
            siblings.push(res.json()["refresh_token"].as_str().unwrap().to_owned());
        }
        let answers: Vec<Response> = join_all(siblings.iter().map(|t| app.send(refresh(t)))).await;
        statuses.extend(answers.iter().map(|r| r.status));
        current = answers
            .iter()
            .find(|r| r.status == 200)
            .expect("one refresh goes through")
            .json()["refresh_token"]
            .as_str()
            .unwrap()
            .to_owned();
    }
    assert!(
        statuses.iter().all(|s| [200, 401].contains(s)),
        "{statuses:?}"
    );
}

/// The guesses one client gets at one account before a 429, sent round-robin to the
/// given instances.
async fn guesses_before_429(instances: &[acupress::app::AppState]) -> usize {
    for n in 0..100 {
        let state = instances[n % instances.len()].clone();
        let res = send_to(state, login_request("nobody@example.com", PASSWORD)).await;
        if res.status == 429 {
            return n;
        }
        res.problem(401, "invalid_credentials");
    }
    panic!("never limited");
}

#[actix_web::test]
async fn rate_limits_hold_across_instances_on_one_database() {
    let limits = |c: &mut acupress::config::Config| {
        c.auth_rate_account = RateLimit {
            burst: 5,
            period: Duration::from_secs(60),
        };
    };
    let one = TestApp::with_config(limits).await;
    let alone = guesses_before_429(std::slice::from_ref(&one.state)).await;
    assert_eq!(alone, 5);

    let first = TestApp::with_config(limits).await;
    let mut config = test_config(&first._db.url);
    limits(&mut config);
    let second = server::prepare(config).await.expect("a second instance");
    let spread = guesses_before_429(&[first.state.clone(), second]).await;
    assert_eq!(spread, alone, "two instances give no more guesses than one");
}

#[actix_web::test]
async fn sign_ins_answer_503_when_the_database_is_unreachable() {
    let app = TestApp::new().await;
    let account = app.register("mei@example.com").await;
    let mut state = app.state.clone();
    state.pool = db::pool(
        "postgres://postgres@127.0.0.1:1/acupress",
        2,
        Duration::from_millis(500),
        SessionSettings {
            statement_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_millis(500),
        },
    );
    let requests = [
        login_request(&account.email, PASSWORD),
        post(
            "/v1/auth/refresh",
            json!({"refresh_token": account.refresh}),
        ),
        post("/v1/auth/guest", json!({})),
    ];
    for req in requests {
        let res = send_to(state.clone(), req).await;
        res.problem(503, "service_unavailable");
        assert!(res.header("retry-after").is_some());
    }
}

#[actix_web::test]
async fn housekeeping_forgets_rate_limit_buckets_that_are_full_again() {
    let app = TestApp::with_config(|c| {
        c.auth_rate_account = RateLimit {
            burst: 2,
            period: Duration::from_secs(60),
        };
    })
    .await;
    let url = app._db.url.clone();
    for _ in 0..3 {
        app.send(login_request("nobody@example.com", PASSWORD))
            .await;
    }
    app.send(login_request("nobody@example.com", PASSWORD))
        .await
        .problem(429, "rate_limited");
    let buckets = |url: &str| count_rows(url, "SELECT count(*) AS n FROM rate_limits".into());
    // address, account from this address, account as a whole
    assert_eq!(buckets(&url), 3);
    let done = server::housekeeping(&app.state.pool).await.unwrap();
    // the generous address bucket is full again within milliseconds; the account's not
    assert_eq!(done.rate_limits, 1, "{done:?}");
    crate::common::execute(
        &url,
        "UPDATE rate_limits SET tat = now() - interval '1 second'".into(),
    );
    let done = server::housekeeping(&app.state.pool).await.unwrap();
    assert_eq!(done.rate_limits, 2, "{done:?}");
    assert_eq!(buckets(&url), 0);
    assert_eq!(
        app.send(login_request("nobody@example.com", PASSWORD))
            .await
            .status,
        401,
        "a forgotten bucket starts full"
    );
}
