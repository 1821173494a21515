//! Account deletion leaves no row behind; the export holds everything about the
//! account and nothing of others (checklist 16 and 17).

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{PASSWORD, TestApp, count_rows};

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

#[actix_web::test]
async fn delete_account_needs_the_password_and_leaves_nothing() {
    let app = local_app!("counts the account's rows in the database");
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
        rows_of(app.db_url(), &account.id),
        13,
        "user, 2 device sessions, 2 tokens, 2 security-log entries, a session, its key, a day and a point-day rollup, \
         the verification code and its message"
    );
    assert_eq!(account.delete_account(PASSWORD).await.status, 204);
    assert_eq!(rows_of(app.db_url(), &account.id), 0, "no row left behind");
    for device in [&account, &second] {
        device.me().await.problem(401, "session_revoked");
    }
    second.refresh().await.problem(401, "invalid_refresh_token");
    app.login(&account.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(other.me().await.status, 200);
    assert_eq!(rows_of(app.db_url(), &other.id), 6);
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
