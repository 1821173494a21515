//! One guess budget per account, for logins and password confirmations alike, kept in
//! PostgreSQL so that every instance shares it (checklist 32).

use std::time::Duration;

use actix_web::test::TestRequest;
use acupress::server;
use serde_json::json;

use super::{NEW_PASSWORD, login_request, users_with_id};
use crate::support::{
    InProcess, LocalApp, PASSWORD, count_rows, guesses_per_account, pool_at, test_config,
};

#[actix_web::test]
async fn password_confirmations_and_logins_share_one_guess_budget() {
    let app = local_app!(
        "sets its own sign-in limits",
        guesses_per_account(4, Duration::from_secs(60))
    );
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
    assert_eq!(users_with_id(app.db_url(), &account), 1);
}

#[actix_web::test]
async fn password_confirmation_is_rate_limited() {
    let app = local_app!(
        "sets its own sign-in limits",
        guesses_per_account(3, std::time::Duration::from_secs(60))
    );
    let mei = app.register("mei@example.com").await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let guess = mei
            .change_password("a wrong guess here", "seven copper kites at dawn")
            .await;
        statuses.push(guess.status);
    }
    assert!(statuses.contains(&403), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
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
    let one = local_app!("sets its own sign-in limits on two instances", limits);
    let alone = guesses_before_429(std::slice::from_ref(&one.state)).await;
    assert_eq!(alone, 5);

    let first = LocalApp::with_config(limits).await;
    let mut config = test_config(first.db_url());
    limits(&mut config);
    let second = server::prepare(config).await.expect("a second instance");
    let spread = guesses_before_429(&[first.state.clone(), second]).await;
    assert_eq!(spread, alone, "two instances give no more guesses than one");
}

#[actix_web::test]
async fn sign_ins_answer_503_when_the_database_is_unreachable() {
    let app = local_app!("points the app at a database that is not there");
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
    let app = local_app!(
        "sets its own sign-in limits and runs housekeeping",
        guesses_per_account(2, Duration::from_secs(60))
    );
    let url = app.db_url().to_owned();
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
    crate::support::execute(
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
