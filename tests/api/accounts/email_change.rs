//! Moving an account to a new email address: the password first, a code to the new
//! address and a notice to the old one, the address changed only by the code, and the
//! old address able to undo it from the notice's link.

use actix_web::test::TestRequest;
use serde_json::json;

use super::recovery::{WAIT, app_mailing_to, verified};
use crate::support::{PASSWORD, SmtpServer};

fn undo_form(token: &str) -> TestRequest {
    TestRequest::post()
        .uri("/v1/auth/email-change/undo/page")
        .insert_header(("content-type", "application/x-www-form-urlencoded"))
        .set_payload(format!("token={token}"))
}

/// `account` asks to move to `new` (202 expected); the code mailed there and the undo
/// token of the notice mailed to `old`.
async fn ask_change(
    smtp: &SmtpServer,
    account: &crate::support::Account<'_>,
    old: &str,
    new: &str,
) -> (String, String) {
    let asked = account
        .put(
            "/v1/me/email",
            json!({"new_email": new, "password": PASSWORD}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.text());
    let code = smtp.wait_to(new, WAIT).await.code_after("Subject:");
    let token = smtp.wait_saying(old, "is moving", WAIT).await.link_token();
    (code, token)
}

#[actix_web::test]
async fn the_address_changes_only_with_the_code_sent_to_the_new_one() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = verified(&app, &smtp, "mei@example.com").await;
    app.register("li@example.com").await;
    let before = smtp.wait_for(2, WAIT).await.len();
    let change = |new: &str, password: &str| {
        mei.put(
            "/v1/me/email",
            json!({"new_email": new, "password": password}),
        )
    };

    // The password comes first: a taken address is told only to who knows it.
    change("li@example.com", "not the password")
        .await
        .problem(403, "forbidden");
    change("li@example.com", PASSWORD)
        .await
        .problem(409, "email_taken");
    let problem = change("not an address", PASSWORD)
        .await
        .problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["field"], "new_email", "{problem}");
    change("Mei@Example.com ", PASSWORD)
        .await
        .problem(422, "validation_failed");
    assert_eq!(smtp.received().len(), before, "nothing mailed for refusals");

    let asked = change("Mei.Li@Example.org", PASSWORD).await;
    assert_eq!(asked.status, 202, "{}", asked.text());
    assert_eq!(asked.json()["sent_to"], "mei.li@example.org");
    let code_mail = smtp.wait_to("mei.li@example.org", WAIT).await;
    let code = code_mail.code_after("Subject:");
    let notice = smtp.wait_saying("mei@example.com", "is moving", WAIT).await;
    assert!(notice.text().contains("mei.li@example.org"));
    assert!(
        !notice.text().contains(&code),
        "the code goes to the new address only"
    );
    assert_eq!(
        mei.me().await.json()["email"],
        "mei@example.com",
        "unchanged until confirmed"
    );

    let wrong = if code == "000000" { "111111" } else { "000000" };
    mei.post("/v1/me/email/confirm", json!({"code": wrong}))
        .await
        .problem(422, "code_invalid");
    mei.post("/v1/me/email/confirm", json!({"code": "12 34"}))
        .await
        .problem(422, "code_invalid");
    let moved = mei
        .post("/v1/me/email/confirm", json!({"code": code}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    assert_eq!(moved.json()["email"], "mei.li@example.org");
    assert!(moved.json()["email_verified_at"].is_string());
    mei.post("/v1/me/email/confirm", json!({"code": code}))
        .await
        .problem(422, "code_invalid");

    assert_eq!(app.login("mei.li@example.org", PASSWORD).await.status, 200);
    app.login("mei@example.com", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    // The old address stays the account's to take back for 7 days: nobody else gets it.
    app.post(
        "/v1/auth/register",
        json!({"email": "mei@example.com", "password": PASSWORD, "display_name": "X"}),
    )
    .await
    .problem(409, "email_taken");
}

#[actix_web::test]
async fn the_old_address_undoes_the_change_signs_every_device_out_and_gets_a_reset_code() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = verified(&app, &smtp, "mei@example.com").await;
    let tablet = mei.second_device().await;
    let (code, token) = ask_change(&smtp, &mei, "mei@example.com", "thief@example.net").await;
    let moved = mei
        .post("/v1/me/email/confirm", json!({"code": code}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());

    let page = app
        .get(&format!("/v1/auth/email-change/undo/page?token={token}"))
        .await;
    page.assert_form_page();
    assert!(page.text().contains(&token));
    assert_eq!(
        mei.me().await.json()["email"],
        "thief@example.net",
        "opening changes nothing"
    );

    let undone = app.send(undo_form(&token)).await;
    assert_eq!(undone.status, 200, "{}", undone.text());
    assert_eq!(
        app.send(undo_form(&token)).await.status,
        422,
        "the link works once"
    );
    assert_eq!(app.send(undo_form("made-up")).await.status, 422);
    mei.me().await.problem(401, "session_revoked");
    tablet.me().await.problem(401, "session_revoked");
    app.login("thief@example.net", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    // Whoever asked knew the password: it no longer signs in, at either address.
    app.login("mei@example.com", PASSWORD)
        .await
        .problem(401, "invalid_credentials");
    // The address is held for the account while the link lives: nobody else takes it.
    let other = app
        .post(
            "/v1/auth/register",
            json!({"email": "mei@example.com", "password": PASSWORD, "display_name": "X"}),
        )
        .await;
    other.problem(409, "email_taken");

    // A reset code went to the restored address with the undo, and gets back in.
    let back = reset_in(&app, &smtp, "mei@example.com").await;
    assert!(back["user"]["email_verified_at"].is_string());
    assert_eq!(back["user"]["email"], "mei@example.com");
}

/// Signs in with the reset code mailed to `email` (a new password set): the answer.
async fn reset_in(
    app: &crate::support::TestApp,
    smtp: &SmtpServer,
    email: &str,
) -> serde_json::Value {
    let code = smtp
        .wait_saying(email, "Subject: Reset", WAIT)
        .await
        .code_after("Subject:");
    let confirmed = app
        .post(
            "/v1/auth/password-reset/confirm",
            json!({"email": email, "code": code, "new_password": "amber heron copper willow"}),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    confirmed.json()
}

#[actix_web::test]
async fn an_unverified_old_address_gets_no_way_to_take_the_account_back() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    // Registered with a mistyped address (someone else's), never verified.
    let mei = app.register("mie@example.com").await;
    smtp.wait_to("mie@example.com", WAIT).await;
    let asked = mei
        .put(
            "/v1/me/email",
            json!({"new_email": "mei@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(asked.status, 202, "{}", asked.text());
    let code = smtp
        .wait_to("mei@example.com", WAIT)
        .await
        .code_after("Subject:");
    let moved = mei
        .post("/v1/me/email/confirm", json!({"code": code}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let to_old: Vec<_> = smtp
        .received()
        .into_iter()
        .filter(|m| m.to == ["<mie@example.com>"])
        .collect();
    assert_eq!(
        to_old.len(),
        1,
        "only its verification code, no notice or undo link"
    );
    // Nothing holds the mistyped address: its owner may register it.
    app.register("mie@example.com").await;
}

#[actix_web::test]
async fn a_pending_change_dies_with_the_undo_and_guests_have_no_address_to_change() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = verified(&app, &smtp, "mei@example.com").await;
    let (code, token) = ask_change(&smtp, &mei, "mei@example.com", "new@example.org").await;
    assert_eq!(app.send(undo_form(&token)).await.status, 200);
    let mei = app.account(
        &reset_in(&app, &smtp, "mei@example.com").await,
        "mei@example.com",
    );
    mei.post("/v1/me/email/confirm", json!({"code": code}))
        .await
        .problem(422, "code_invalid");
    assert_eq!(mei.me().await.json()["email"], "mei@example.com");

    let guest = app.guest().await;
    guest
        .put(
            "/v1/me/email",
            json!({"new_email": "g@example.org", "password": "x"}),
        )
        .await
        .problem(409, "guest_account");
    // Oversized and control-character input is refused before anything is looked at.
    let long = format!("{}@example.org", "a".repeat(300));
    for bad in [long.as_str(), "mei\u{7}@example.org"] {
        mei.put(
            "/v1/me/email",
            json!({"new_email": bad, "password": PASSWORD}),
        )
        .await
        .problem(422, "validation_failed");
    }
    mei.put("/v1/me/email", json!({"new_email": "x@example.org"}))
        .await
        .problem(422, "validation_failed");
}
