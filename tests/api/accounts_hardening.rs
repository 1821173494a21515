//! Accounts under races and across instances: security checklist line 32 (credential
//! changes re-checked under the row lock, one guess budget, rate limits shared by every
//! instance) and concurrent refreshes of one device session.

use std::sync::mpsc;
use std::time::Duration;

use actix_web::test::TestRequest;
use acupress::db::SyncPgConnection;
use acupress::server;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use futures_util::future::join_all;
use serde_json::json;

use crate::common::{
    Account, InProcess, PASSWORD, Response, TestApp, count_rows, guesses_per_account, lock_waiters,
    pool_at, test_config,
};

const NEW_PASSWORD: &str = "amber heron copper willow";
const OTHER_PASSWORD: &str = "silent maple harbor drum";

fn login_request(email: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/v1/auth/login")
        .set_json(json!({"email": email, "password": password}))
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

    fn user(url: &str, account: &Account<'_>) -> Self {
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

/// Once a request waits at the user's row, `owner` signs `device` out; then the lock goes.
async fn sign_out_then_release(
    owner: &Account<'_>,
    device: &Account<'_>,
    lock: RowLock,
    url: &str,
) {
    lock_waiters(url, 1).await;
    let revoke = owner
        .delete(&format!("/v1/me/devices/{}", device.session))
        .await;
    assert_eq!(revoke.status, 204);
    lock.release();
}

/// `a` changes the password to [`NEW_PASSWORD`] and `b` to [`OTHER_PASSWORD`], both
/// queued behind a lock on the user's row; returns the winner's (204) and the loser's
/// new password with the answer each got.
async fn race_password_changes(
    url: &str,
    a: &Account<'_>,
    b: &Account<'_>,
) -> ((&'static str, Response), (&'static str, Response)) {
    let lock = RowLock::user(url, a);
    let (first, second, ()) = tokio::join!(
        a.change_password(PASSWORD, NEW_PASSWORD),
        b.change_password(PASSWORD, OTHER_PASSWORD),
        async {
            lock_waiters(url, 2).await;
            lock.release();
        }
    );
    match (first.status, second.status) {
        (204, _) => ((NEW_PASSWORD, first), (OTHER_PASSWORD, second)),
        (_, 204) => ((OTHER_PASSWORD, second), (NEW_PASSWORD, first)),
        _ => panic!(
            "one change must win: {} and {}",
            first.status, second.status
        ),
    }
}

fn users_with_id(url: &str, account: &Account<'_>) -> i64 {
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
    let attacker = owner.second_device().await;
    // The attacker's change is verified and waits at the user's row; the owner signs
    // that device out in the meantime.
    let lock = RowLock::user(&url, &owner);
    let (changed, ()) = tokio::join!(
        attacker.change_password(PASSWORD, NEW_PASSWORD),
        sign_out_then_release(&owner, &attacker, lock, &url)
    );
    changed.problem(401, "session_revoked");
    assert_eq!(
        app.login(&owner.email, PASSWORD).await.status,
        200,
        "the password is unchanged"
    );
    app.login(&owner.email, NEW_PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(owner.me().await.status, 200, "nobody else signed out");
}

#[actix_web::test]
async fn of_two_concurrent_password_changes_one_wins_and_its_password_works() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let account = app.register("mei@example.com").await;
    let ((winner, _), (tried, loser)) = race_password_changes(&url, &account, &account).await;
    loser.problem(409, "password_changed");
    assert_eq!(
        app.login(&account.email, winner).await.status,
        200,
        "the winner's password works"
    );
    for password in [tried, PASSWORD] {
        app.login(&account.email, password)
            .await
            .problem(401, "invalid_credentials");
    }
}

#[actix_web::test]
async fn concurrent_password_changes_from_two_devices_sign_the_loser_out() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let one = app.register("mei@example.com").await;
    let two = one.second_device().await;
    // The winner signs every other device out, the loser's among them.
    let ((winner, _), (_, loser)) = race_password_changes(&url, &one, &two).await;
    loser.problem(401, "session_revoked");
    assert_eq!(app.login(&one.email, winner).await.status, 200);
}

#[actix_web::test]
async fn deleting_the_account_from_a_device_signed_out_meanwhile_deletes_nothing() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let owner = app.register("mei@example.com").await;
    let attacker = owner.second_device().await;
    let lock = RowLock::user(&url, &owner);
    let (deleted, ()) = tokio::join!(
        attacker.delete_account(PASSWORD),
        sign_out_then_release(&owner, &attacker, lock, &url)
    );
    deleted.problem(401, "session_revoked");
    assert_eq!(users_with_id(&url, &owner), 1, "the account is still there");
    assert_eq!(owner.me().await.status, 200);
}

#[actix_web::test]
async fn deleting_the_account_after_its_password_changed_meanwhile_deletes_nothing() {
    let app = TestApp::new().await;
    let url = app._db.url.clone();
    let account = app.register("mei@example.com").await;
    // Both verified the same password; the change takes the row first.
    let lock = RowLock::user(&url, &account);
    let (changed, deleted, _) = tokio::join!(
        account.change_password(PASSWORD, NEW_PASSWORD),
        async {
            lock_waiters(&url, 1).await;
            account.delete_account(PASSWORD).await
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
    let app = TestApp::with_config(guesses_per_account(4, Duration::from_secs(60))).await;
    // Registration takes one attempt; two wrong confirmations through a stolen access
    // token, one wrong login: the budget is spent, for the right password too.
    let account = app.register("mei@example.com").await;
    account
        .change_password("wrong password entirely", NEW_PASSWORD)
        .await
        .problem(403, "forbidden");
    account
        .delete_account("wrong password entirely")
        .await
        .problem(403, "forbidden");
    app.login(&account.email, "wrong password entirely")
        .await
        .problem(401, "invalid_credentials");
    app.login(&account.email, PASSWORD)
        .await
        .problem(429, "rate_limited");
    account
        .delete_account(PASSWORD)
        .await
        .problem(429, "rate_limited");
    assert_eq!(users_with_id(&app._db.url, &account), 1);
}

#[actix_web::test]
async fn concurrent_refreshes_of_sibling_tokens_never_deadlock() {
    let app = TestApp::with_config(|c| c.refresh_grace = Duration::from_secs(30)).await;
    let account = app.register("mei@example.com").await;
    let mut statuses = Vec::new();
    let mut current = account.refresh.clone();
    for _ in 0..4 {
        // Siblings: the same token refreshed again within the grace period, each time
        // one more live token of the same device session.
        let mut siblings = Vec::new();
        for _ in 0..8 {
            let res = app.refresh(&current).await;
            assert_eq!(res.status, 200);
            siblings.push(res.json()["refresh_token"].as_str().unwrap().to_owned());
        }
        let answers: Vec<Response> = join_all(siblings.iter().map(|t| app.refresh(t))).await;
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
async fn guesses_before_429(states: &[acupress::app::AppState]) -> usize {
    let mut instances = Vec::new();
    for state in states {
        instances.push(InProcess::build(state.clone()).await);
    }
    for n in 0..100 {
        let res = instances[n % instances.len()]
            .send(login_request("nobody@example.com", PASSWORD))
            .await;
        if res.status == 429 {
            return n;
        }
        res.problem(401, "invalid_credentials");
    }
    panic!("never limited");
}

#[actix_web::test]
async fn rate_limits_hold_across_instances_on_one_database() {
    let limits = guesses_per_account(5, Duration::from_secs(60));
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
    state.pool = pool_at("postgres://postgres@127.0.0.1:1/acupress");
    let unreachable = InProcess::build(state).await;
    let requests = [
        login_request(&account.email, PASSWORD),
        TestRequest::post()
            .uri("/v1/auth/refresh")
            .set_json(json!({"refresh_token": account.refresh})),
        TestRequest::post()
            .uri("/v1/auth/guest")
            .set_json(json!({})),
    ];
    for req in requests {
        let res = unreachable.send(req).await;
        res.problem(503, "service_unavailable");
        assert!(res.header("retry-after").is_some());
    }
}

#[actix_web::test]
async fn housekeeping_forgets_rate_limit_buckets_that_are_full_again() {
    let app = TestApp::with_config(guesses_per_account(2, Duration::from_secs(60))).await;
    let url = app._db.url.clone();
    for _ in 0..3 {
        app.login("nobody@example.com", PASSWORD).await;
    }
    app.login("nobody@example.com", PASSWORD)
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
        app.login("nobody@example.com", PASSWORD).await.status,
        401,
        "a forgotten bucket starts full"
    );
}
