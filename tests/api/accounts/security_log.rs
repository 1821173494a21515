//! The security log: each sign-in event of an account, with device, address and user
//! agent, newest first in keyset pages, its owner's only, in the export, and purged
//! after 90 days.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use super::NEW_PASSWORD;
use crate::support::{Account, PASSWORD, count_rows, execute};

const AGENT: &str = "AcupressApp/2.1 (iPhone; iOS 18.1)";

/// Every event of `account`, newest first, read in pages of `limit`.
async fn all_events(account: &Account<'_>, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor = String::new();
    for _ in 0..50 {
        let page = ok(account
            .get(&format!(
                "/v1/me/security-events?limit={limit}&cursor={cursor}"
            ))
            .await);
        let got = page["items"].as_array().unwrap();
        assert!(got.len() <= limit);
        items.extend(got.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => return items,
        }
    }
    panic!("the pages did not end");
}

fn ok(res: crate::support::Response) -> Value {
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn kinds(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["kind"].as_str().unwrap()).collect()
}

#[actix_web::test]
async fn the_log_holds_each_sign_in_event_newest_first_in_pages() {
    let app = local_app!("reads and ages the log in the database");
    let mei = app.register("mei@example.com").await;
    // A wrong password, then a sign-in from an iPhone.
    app.login(&mei.email, "not the password")
        .await
        .problem(401, "invalid_credentials");
    let signed = app
        .send(
            TestRequest::post()
                .uri("/v1/auth/login")
                .insert_header(("user-agent", AGENT))
                .set_json(json!({"email": mei.email, "password": PASSWORD, "device_name": "Mei's iPhone"})),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    let phone = app.account(&signed.json(), &mei.email);
    // Refresh-token reuse signs the phone's session out.
    let old = phone.refresh.clone();
    assert_eq!(phone.refresh().await.status, 200);
    execute(
        app.db_url(),
        "UPDATE refresh_tokens SET rotated_at = now() - interval '1 hour' WHERE rotated_at IS NOT NULL".into(),
    );
    app.post("/v1/auth/refresh", json!({"refresh_token": old}))
        .await
        .problem(401, "refresh_token_reused");
    let tablet = mei.second_device().await;
    assert_eq!(
        mei.delete(&format!("/v1/me/devices/{}", tablet.session))
            .await
            .status,
        204
    );
    assert_eq!(
        mei.change_password(PASSWORD, NEW_PASSWORD).await.status,
        204
    );
    let laptop = app.account(
        &app.login(&mei.email, NEW_PASSWORD).await.json(),
        &mei.email,
    );
    assert_eq!(
        laptop.post("/v1/auth/logout-all", json!({})).await.status,
        204
    );
    assert_eq!(laptop.logout().await.status, 204);
    assert_eq!(
        laptop.logout().await.status,
        204,
        "signing out twice is fine"
    );

    let events = all_events(&mei_again(&app, &mei.email).await, 3).await;
    assert_eq!(
        kinds(&events),
        [
            "signed_in",
            "signed_out",
            "signed_out_everywhere",
            "signed_in",
            "password_changed",
            "device_revoked",
            "signed_in",
            "refresh_token_reused",
            "signed_in",
            "sign_in_failed",
            "signed_up",
        ],
        "newest first, each page in order, none twice"
    );
    let phone_in = &events[8];
    assert_eq!(phone_in["device"], "Mei's iPhone");
    assert_eq!(phone_in["user_agent"], AGENT);
    assert_eq!(phone_in["device_session_id"], phone.session.as_str());
    assert!(phone_in["ip_address"].is_string());
    assert_eq!(events[7]["device_session_id"], phone.session.as_str());
    assert_eq!(events[5]["device_session_id"], tablet.session.as_str());
    assert!(events[5]["device"].is_string(), "the revoked device's name");
    assert_eq!(events[5]["device"], events[6]["device"]);
    assert_eq!(events[9]["device_session_id"], Value::Null);
    let times: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
}

/// A fresh sign-in of `email` (with the new password).
async fn mei_again<'a>(app: &'a crate::support::TestApp, email: &str) -> Account<'a> {
    let res = app.login(email, NEW_PASSWORD).await;
    assert_eq!(res.status, 200, "{}", res.text());
    app.account(&res.json(), email)
}

#[actix_web::test]
async fn the_log_is_its_owners_only_in_the_export_and_purged_after_90_days() {
    let app = local_app!("reads and ages the log in the database");
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    app.login(&li.email, "wrong wrong").await;
    let mine = ok(mei.get("/v1/me/security-events").await);
    assert_eq!(kinds(mine["items"].as_array().unwrap()), ["signed_up"]);
    assert_eq!(mine["next_cursor"], Value::Null);
    let exported = mei.export().await.json();
    assert_eq!(
        kinds(exported["security_events"].as_array().unwrap()),
        ["signed_up"]
    );
    // No token, another's cursor shape, a bad limit.
    let res = app.get("/v1/me/security-events").await;
    assert_eq!(res.status, 401);
    mei.get("/v1/me/security-events?cursor=bm90LWEtY3Vyc29y")
        .await
        .problem(400, "invalid_cursor");
    mei.get("/v1/me/security-events?limit=0")
        .await
        .problem(422, "validation_failed");
    mei.get("/v1/me/security-events?limit=ten")
        .await
        .problem(400, "bad_query");
    mei.get("/v1/me/security-events?kind=signed_up")
        .await
        .problem(400, "bad_query");

    execute(
        app.db_url(),
        "UPDATE security_events SET at = now() - interval '91 days' WHERE kind = 'signed_up'"
            .into(),
    );
    let done = acupress::server::housekeeping(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(done.security_events, 2);
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM security_events".into()
        ),
        1,
        "li's failed sign-in stays"
    );
    // An account deleted takes its log with it.
    assert_eq!(li.delete_account(PASSWORD).await.status, 204);
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM security_events".into()
        ),
        0
    );
}
