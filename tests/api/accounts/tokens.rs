//! Refresh tokens: rotation, the grace period, reuse that ends a session, logout, and
//! housekeeping of sign-ins nobody can use (checklist 8–11).

use std::time::Duration;

use actix_web::test::TestRequest;
use futures_util::future::join_all;

use crate::support::{Response, TestApp, count_rows};

#[actix_web::test]
async fn refresh_rotates_and_old_tokens_stop_working() {
    let app = local_app!("sets its own refresh grace period", |c| c.refresh_grace =
        Duration::from_millis(500));
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
    let app = local_app!("sets its own refresh grace period", |c| c.refresh_grace =
        Duration::from_secs(1));
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
    let app = local_app!("sets its own refresh grace period", |c| c.refresh_grace =
        Duration::from_secs(1));
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
async fn concurrent_refreshes_of_sibling_tokens_never_deadlock() {
    let app = local_app!("sets its own refresh grace period", |c| c.refresh_grace =
        Duration::from_secs(30));
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
async fn housekeeping_forgets_sign_ins_nobody_can_use() {
    let app = local_app!("ages tokens in the database and runs housekeeping");
    let url = app.db_url().to_owned();
    let phone = app.register("mei@example.com").await;
    let tablet = phone.second_device().await;
    // the phone refreshes: its first token is rotated, kept to catch reuse
    let newer = phone.refresh().await.json();
    let guest = app.guest().await;
    // the tablet's and the guest's refresh tokens ran out long ago
    crate::support::execute(
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
