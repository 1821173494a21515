//! `/account/delete`: an account deleted from a browser with its email and password, as
//! `DELETE /v1/me` deletes it; no script, refused from another site, rate limited.

use std::time::Duration;

use actix_web::test::TestRequest;
use serde_json::json;

use super::recovery::{WAIT, app_mailing_to};
use crate::support::{PASSWORD, SmtpServer, TestApp, count_rows, execute, guesses_per_account};

fn form(body: &str) -> TestRequest {
    TestRequest::post()
        .uri("/account/delete")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(body.to_owned())
}

fn fields(email: &str, password: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .append_pair("password", password)
        .append_pair("confirm", "yes")
        .finish()
}

#[actix_web::test]
async fn the_page_deletes_the_account_with_its_email_and_password() {
    let app = TestApp::new().await;
    let page = app.get("/account/delete").await;
    page.assert_form_page();
    assert!(page.text().contains("type=\"password\""));
    assert_eq!(page.header("content-language"), Some("en"));
    // In the language the browser asks for.
    let chinese = app
        .get_with("/account/delete", &[("accept-language", "zh-TW,zh;q=0.9")])
        .await;
    chinese.assert_form_page();
    assert_eq!(chinese.header("content-language"), Some("zh-Hant"));
    assert!(chinese.text().contains("<html lang=\"zh-Hant\">"));
    assert!(chinese.text().contains("刪除你的 acupress 帳戶"));

    let mei = app.register("mei@example.com").await;
    let wrong = app
        .send(form(&fields(&mei.email, "not the password")))
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.text().contains("not right"));
    let nobody = app
        .send(form(&fields("nobody@example.com", PASSWORD)))
        .await;
    assert_eq!(nobody.status, 422);
    assert_eq!(
        wrong.text(),
        nobody.text().replace("nobody@example.com", &mei.email),
        "the same page"
    );
    let unticked = format!(
        "email={}&password={}",
        mei.email,
        PASSWORD.replace(' ', "+")
    );
    assert_eq!(app.send(form(&unticked)).await.status, 422);
    let cross_site =
        form(&fields(&mei.email, PASSWORD)).insert_header(("sec-fetch-site", "cross-site"));
    assert_eq!(app.send(cross_site).await.status, 403);
    let other_origin =
        form(&fields(&mei.email, PASSWORD)).insert_header(("origin", "https://evil.example"));
    assert_eq!(app.send(other_origin).await.status, 403);
    assert_eq!(mei.me().await.status, 200, "still there");

    // The page's own post: same-origin, and `Origin: null` under its no-referrer policy.
    let done = app
        .send(
            form(&fields(&mei.email, PASSWORD))
                .insert_header(("sec-fetch-site", "same-origin"))
                .insert_header(("origin", "null")),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("deleted"));
    mei.me().await.problem(401, "session_revoked");
    app.login(&mei.email, PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    assert_eq!(
        app.send(form(&fields(&mei.email, PASSWORD))).await.status,
        422,
        "gone"
    );
}

#[actix_web::test]
async fn the_page_deletes_everything_owned_and_is_rate_limited_per_email() {
    // Three attempts per email (registering takes one), then one per ten minutes.
    let app = local_app!(
        "sets the rate limit and counts rows",
        guesses_per_account(3, Duration::from_secs(600))
    );
    let owned = |table: &str, id: &str| {
        count_rows(
            app.db_url(),
            format!("SELECT count(*) AS n FROM {table} WHERE user_id = '{id}'"),
        )
    };
    let li = app.register("li@example.com").await;
    li.new_session(json!({"started_at": "2026-11-30T08:00:00Z", "duration_seconds": 300}))
        .await;
    assert_eq!(owned("massage_sessions", &li.id), 1);
    let done = app.send(form(&fields(&li.email, PASSWORD))).await;
    assert_eq!(done.status, 200, "{}", done.text());
    for table in [
        "auth_sessions",
        "massage_sessions",
        "security_events",
        "email_codes",
        "mail_outbox",
    ] {
        assert_eq!(owned(table, &li.id), 0, "{table}");
    }

    let mei = app.register("mei@example.com").await;
    for _ in 0..2 {
        assert_eq!(
            app.send(form(&fields(&mei.email, "wrong"))).await.status,
            422
        );
    }
    let limited = app.send(form(&fields(&mei.email, PASSWORD))).await;
    assert_eq!(limited.status, 429, "{}", limited.text());
    assert!(limited.header("retry-after").is_some());
    assert!(
        limited
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(mei.me().await.status, 200, "nothing deleted past the limit");
}

#[actix_web::test]
async fn a_code_or_link_mailed_to_the_address_deletes_the_account_without_its_password() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = app.register("mei@example.com").await;
    let li = app.register("li@example.com").await;
    let unverified = app.register("kai@example.com").await;
    smtp.wait_for(3, WAIT).await;
    // Codes go to verified addresses only (one never confirmed may not be the owner's).
    execute(
        app.db_url(),
        "UPDATE users SET email_verified_at = now() WHERE email <> 'kai@example.com'".into(),
    );
    let post = |uri: &str, body: String| {
        app.send(
            TestRequest::post()
                .uri(uri)
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
    };
    let ask = |email: &str| post("/account/delete/code", format!("email={email}"));
    assert_eq!(ask("kai@example.com").await.status, 200);

    // The same page whether or not an account has the address.
    let known = ask("mei@example.com").await;
    let unknown = ask("nobody@example.com").await;
    assert_eq!((known.status, unknown.status), (200, 200));
    assert_eq!(
        known.text(),
        unknown
            .text()
            .replace("nobody@example.com", "mei@example.com")
    );
    assert!(known.text().contains("name=\"code\""));
    let code = smtp
        .wait_saying("mei@example.com", "delete your account", WAIT)
        .await
        .code_after("Subject:");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let by_code = |code: &str| format!("email=mei%40example.com&code={code}&confirm=yes");
    assert_eq!(post("/account/delete", by_code(wrong)).await.status, 422);
    assert_eq!(post("/account/delete", by_code("12ab")).await.status, 422);
    let unticked = format!("email=mei%40example.com&code={code}");
    assert_eq!(post("/account/delete", unticked).await.status, 422);
    assert_eq!(mei.me().await.status, 200, "nothing deleted yet");
    let done = post("/account/delete", by_code(&code)).await;
    assert_eq!(done.status, 200, "{}", done.text());
    mei.me().await.problem(401, "session_revoked");

    // The link in the same message opens a form that deletes with its token.
    assert_eq!(ask("li@example.com").await.status, 200);
    let token = smtp
        .wait_saying("li@example.com", "delete your account", WAIT)
        .await
        .link_token();
    let page = app.get(&format!("/account/delete?token={token}")).await;
    page.assert_form_page();
    assert!(page.text().contains(&token));
    assert_eq!(
        li.me().await.status,
        200,
        "opening the link deletes nothing"
    );
    let by_link = format!("token={token}&confirm=yes");
    let done = post("/account/delete", by_link.clone()).await;
    assert_eq!(done.status, 200, "{}", done.text());
    li.me().await.problem(401, "session_revoked");
    assert_eq!(post("/account/delete", by_link).await.status, 422, "once");
    assert_eq!(
        smtp.received()
            .iter()
            .filter(|m| m.to == ["<kai@example.com>"])
            .count(),
        1,
        "no deletion code to an unverified address"
    );
    assert_eq!(unverified.me().await.status, 200);
}
