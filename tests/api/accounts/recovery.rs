//! Accounts recovered by email, delivered through a real SMTP conversation on loopback:
//! verification codes and links, password reset by code and by the link's page, and an
//! outbox that loses nothing across an SMTP outage and sends each message once, with
//! two senders on one database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{
    Account, LocalApp, PASSWORD, SmtpServer, count_rows, execute, skipped_in_black_box,
};
use acupress::config::MailDelivery;

pub(super) const WAIT: Duration = Duration::from_secs(10);

/// An app whose mail goes to `smtp`, with its background sender running; `None` in
/// black-box mode (the test is skipped).
pub(super) async fn app_mailing_to(smtp: &SmtpServer) -> Option<LocalApp> {
    if skipped_in_black_box("reads the mail it sends") {
        return None;
    }
    let url = smtp.url();
    let app = LocalApp::with_config(move |c| c.mail.delivery = MailDelivery::Smtp(url)).await;
    tokio::spawn(acupress::mail::run(
        app.state.mailer.clone(),
        app.state.pool.clone(),
    ));
    Some(app)
}

/// Registers `email` and verifies it with the code mailed to it.
pub(super) async fn verified<'a>(app: &'a LocalApp, smtp: &SmtpServer, email: &str) -> Account<'a> {
    let account = app.register(email).await;
    let code = smtp.wait_to(email, WAIT).await.code_after("Subject:");
    let res = account
        .post("/v1/auth/verify-email", json!({"code": code}))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    account
}

#[actix_web::test]
async fn a_new_address_is_verified_with_the_mailed_code_within_its_tries() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = app.register("mei@example.com").await;
    assert_eq!(mei.me().await.json()["email_verified_at"], json!(null));
    let mail = smtp.wait_for(1, WAIT).await.remove(0);
    assert_eq!(mail.to, ["<mei@example.com>"]);
    assert!(
        mail.text()
            .contains("Subject: Confirm your email for acupress")
    );
    assert!(mail.text().contains("Content-Type: text/html"), "HTML part");
    let code = mail.code_after("Subject:");

    // A wrong code counts a try; it and a malformed one get the same answer.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = mei
        .post("/v1/auth/verify-email", json!({"code": wrong}))
        .await
        .problem(422, "code_invalid");
    let malformed = mei
        .post("/v1/auth/verify-email", json!({"code": "12ab"}))
        .await
        .problem(422, "code_invalid");
    assert_eq!(
        (&refused["detail"], &refused["errors"]),
        (&malformed["detail"], &malformed["errors"])
    );

    let verified = mei
        .post("/v1/auth/verify-email", json!({"code": code}))
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert!(verified.json()["email_verified_at"].is_string());
    mei.post("/v1/auth/verify-email", json!({"code": code}))
        .await
        .problem(409, "already_verified");
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM mail_outbox WHERE body_text IS NOT NULL".into()
        ),
        0,
        "a sent message keeps no body (no code at rest)"
    );

    // Five wrong tries end a code: the right one no longer works, a new one does.
    let li = app.register("li@example.com").await;
    let code = smtp.wait_for(2, WAIT).await[1].code_after("Subject:");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        li.post("/v1/auth/verify-email", json!({"code": wrong}))
            .await
            .problem(422, "code_invalid");
    }
    // The same answer as for a wrong code: nothing says that this one was right.
    let dead = li
        .post("/v1/auth/verify-email", json!({"code": code}))
        .await
        .problem(422, "code_invalid");
    assert_eq!(
        (&dead["detail"], &dead["errors"]),
        (&refused["detail"], &refused["errors"])
    );
    let resent = li.post("/v1/auth/verify-email/resend", json!({})).await;
    assert_eq!(resent.status, 202, "{}", resent.text());
    let fresh = smtp.wait_for(3, WAIT).await[2].code_after("Subject:");
    let ok = li
        .post("/v1/auth/verify-email", json!({"code": fresh}))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());

    // Resending is limited per account.
    let kai = app.register("kai@example.com").await;
    for _ in 0..acupress::auth::MAIL_BURST {
        assert_eq!(
            kai.post("/v1/auth/verify-email/resend", json!({}))
                .await
                .status,
            202
        );
    }
    let limited = kai.post("/v1/auth/verify-email/resend", json!({})).await;
    limited.problem(429, "rate_limited");
    assert!(limited.header("retry-after").is_some());

    // Housekeeping removes messages sent a week ago and codes expired a day ago.
    execute(
        app.db_url(),
        "UPDATE mail_outbox SET sent_at = now() - interval '8 days' WHERE sent_at IS NOT NULL;
         UPDATE email_codes SET expires_at = now() - interval '2 days'"
            .into(),
    );
    let done = acupress::server::housekeeping(&app.state.pool)
        .await
        .unwrap();
    assert!(done.mail >= 3, "{done:?}");
    assert_eq!(done.email_codes as i64, 3, "{done:?}");
}

#[actix_web::test]
async fn the_link_opens_a_page_that_confirms_only_when_posted() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = app.register("mei@example.com").await;
    let token = smtp.wait_for(1, WAIT).await[0].link_token();
    let uri = format!("/v1/auth/verify-email/page?token={token}");
    let page = app.get(&uri).await;
    page.assert_form_page();
    assert!(page.text().contains(&token));
    let chinese = app.get_with(&uri, &[("accept-language", "zh-CN")]).await;
    chinese.assert_form_page();
    assert!(chinese.text().contains("确认你的邮箱地址") && chinese.text().contains(&token));
    assert_eq!(
        mei.me().await.json()["email_verified_at"],
        json!(null),
        "opening the link changes nothing"
    );
    let form = |token: &str| {
        TestRequest::post()
            .uri("/v1/auth/verify-email/page")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload(format!("token={token}"))
    };
    let confirmed = app.send(form(&token)).await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    assert!(mei.me().await.json()["email_verified_at"].is_string());
    assert_eq!(
        app.send(form(&token)).await.status,
        422,
        "a link works once"
    );
    assert_eq!(app.send(form("made-up")).await.status, 422);
}

#[actix_web::test]
async fn a_password_is_reset_with_the_mailed_code_and_every_device_signed_out() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = verified(&app, &smtp, "mei@example.com").await;
    let unverified = app.register("li@example.com").await;
    smtp.wait_for(2, WAIT).await;

    // The same answer, in about the same time, for an account, an unverified address
    // and no account at all; only the verified address is mailed.
    let mut answers = Vec::new();
    for email in ["mei@example.com", "li@example.com", "nobody@example.com"] {
        let asked = Instant::now();
        let res = app
            .post("/v1/auth/password-reset", json!({"email": email}))
            .await;
        answers.push((res.status, res.json(), asked.elapsed()));
    }
    eprintln!(
        "reset request times: {:?}",
        answers.iter().map(|a| a.2).collect::<Vec<_>>()
    );
    for (status, body, took) in &answers {
        assert_eq!((*status, body), (202, &answers[0].1));
        assert!(*took >= Duration::from_millis(150), "{took:?}");
    }
    let reset = smtp.wait_for(3, WAIT).await.remove(2);
    assert_eq!(reset.to, ["<mei@example.com>"]);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(smtp.received().len(), 3, "nothing for li or nobody");
    drop(unverified);

    let code = reset.code_after("Subject:");
    let confirm = |code: &str, password: &str| {
        app.post(
            "/v1/auth/password-reset/confirm",
            json!({"email": "mei@example.com", "code": code, "new_password": password,
                   "device_name": "Laptop"}),
        )
    };
    confirm(&code, "password1")
        .await
        .problem(422, "weak_password");
    let done = confirm(&code, "seven amber kites drifting").await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.json()["tokens"]["access_token"].is_string());
    confirm(&code, "another fine long phrase here")
        .await
        .problem(422, "code_invalid");
    // The old device is signed out, its refresh token dead; the new password works.
    mei.me().await.problem(401, "session_revoked");
    assert_eq!(mei.refresh().await.status, 401);
    assert_eq!(app.login("mei@example.com", PASSWORD).await.status, 401);
    assert_eq!(
        app.login("mei@example.com", "seven amber kites drifting")
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn a_reset_link_opens_a_form_that_sets_the_password_without_script() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = verified(&app, &smtp, "mei@example.com").await;
    app.post(
        "/v1/auth/password-reset",
        json!({"email": "mei@example.com"}),
    )
    .await;
    let token = smtp.wait_for(2, WAIT).await[1].link_token();
    let page = app
        .get(&format!("/v1/auth/password-reset/page?token={token}"))
        .await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("type=\"password\""));
    assert!(!page.text().contains("<script"));
    let post = |body: String| {
        app.send(
            TestRequest::post()
                .uri("/v1/auth/password-reset/page")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
    };
    let weak = post(format!("token={token}&new_password=password1")).await;
    assert_eq!(weak.status, 422);
    assert!(
        weak.text().contains(&token),
        "the form again, to try another"
    );
    let set = post(format!(
        "token={token}&new_password=seven+amber+kites+drifting"
    ))
    .await;
    assert_eq!(set.status, 200, "{}", set.text());
    mei.me().await.problem(401, "session_revoked");
    assert_eq!(
        app.login("mei@example.com", "seven amber kites drifting")
            .await
            .status,
        200
    );
    assert_eq!(
        post(format!(
            "token={token}&new_password=another+fine+long+phrase"
        ))
        .await
        .status,
        422,
        "a link works once"
    );
}

#[actix_web::test]
async fn mail_written_during_an_smtp_outage_arrives_once_with_two_senders() {
    let mut smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    // A second sender on the same database, as a second instance would run.
    let second = Arc::new(acupress::mail::Mailer::from_config(&app.state.config.mail).unwrap());
    tokio::spawn(acupress::mail::run(second, app.state.pool.clone()));
    smtp.stop();
    app.register("mei@example.com").await;
    app.register("li@example.com").await;
    // Both senders fail and put the messages off; nothing is lost.
    let tried = "SELECT count(*) AS n FROM mail_outbox WHERE attempts >= 1 AND sent_at IS NULL";
    let deadline = Instant::now() + WAIT;
    while count_rows(app.db_url(), tried.into()) < 2 {
        assert!(Instant::now() < deadline, "the sender did not try");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(smtp.received().is_empty());
    smtp.restart().await;
    // The retry is due now rather than after its backoff.
    execute(
        app.db_url(),
        "UPDATE mail_outbox SET next_attempt_at = now() WHERE sent_at IS NULL".into(),
    );
    let got = smtp.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let got_later = smtp.received();
    assert_eq!(got_later.len(), 2, "each message once: {got:?}");
    let mut to: Vec<_> = got_later.iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["<li@example.com>", "<mei@example.com>"]);
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM mail_outbox WHERE sent_at IS NOT NULL AND attempts = 2"
                .into()
        ),
        2
    );
}

#[actix_web::test]
async fn a_sign_in_on_a_new_device_mails_a_notice_to_a_verified_address() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let login = |email: &str, device: &str| {
        app.send(
            TestRequest::post()
                .uri("/v1/auth/login")
                .insert_header(("user-agent", "Acupress/2.1 (Android 15)"))
                .set_json(json!({"email": email, "password": PASSWORD, "device_name": device})),
        )
    };
    // Unverified: no notice (the address may not be the owner's).
    app.register("li@example.com").await;
    smtp.wait_for(1, WAIT).await;
    assert_eq!(login("li@example.com", "Tablet").await.status, 200);

    verified(&app, &smtp, "mei@example.com").await;
    // The smtp server now holds li's and mei's verification messages.
    let before = smtp.wait_for(2, WAIT).await.len();
    assert_eq!(login("mei@example.com", "Tablet").await.status, 200);
    let notice = smtp.wait_for(before + 1, WAIT).await.remove(before);
    assert_eq!(notice.to, ["<mei@example.com>"]);
    let text = notice.text();
    assert!(
        text.contains("Subject: New sign-in to your acupress account"),
        "{text}"
    );
    assert!(text.contains("Tablet"), "{text}");
    // The same device again: no second notice.
    assert_eq!(login("mei@example.com", "Tablet").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        smtp.received().len(),
        before + 1,
        "one notice per new device"
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[actix_web::test]
async fn a_reset_request_takes_the_same_time_for_a_known_and_an_unknown_address() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = app.register("mei@example.com").await;
    execute(
        app.db_url(),
        format!(
            "UPDATE users SET email_verified_at = now() WHERE id = '{}'",
            mei.id
        ),
    );
    const TRIES: usize = 100;
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..TRIES {
        let mut pair = [
            ("mei@example.com", &mut known),
            ("nobody@example.com", &mut unknown),
        ];
        if i % 2 == 1 {
            pair.reverse();
        }
        for (email, times) in pair {
            // Every try takes the whole path: the per-email mail limit is refilled first.
            execute(
                app.db_url(),
                "DELETE FROM rate_limits WHERE key LIKE 'mail:%'".into(),
            );
            let started = Instant::now();
            let res = app
                .post("/v1/auth/password-reset", json!({"email": email}))
                .await;
            times.push(started.elapsed());
            assert_eq!(res.status, 202, "{}", res.text());
        }
    }
    let (known, unknown) = (median(known), median(unknown));
    let gap = known.abs_diff(unknown);
    println!(
        "password reset over {TRIES} tries each: median {known:?} for a verified account, {unknown:?} for no account, {gap:?} apart"
    );
    assert!(gap < Duration::from_millis(2), "{known:?} vs {unknown:?}");
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM mail_outbox WHERE template = 'password_reset'".into()
        ),
        TRIES as i64,
        "every try for the verified address wrote its message"
    );
}

#[actix_web::test]
async fn a_burst_of_1000_queued_messages_drains_through_smtp_once_each() {
    use acupress::mail::{self, Outgoing, Template};
    use diesel_async::AsyncConnection;
    const BURST: usize = 1000;
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    // A second sender, as a second instance runs one.
    let second = Arc::new(mail::Mailer::from_config(&app.state.config.mail).unwrap());
    tokio::spawn(mail::run(second.clone(), app.state.pool.clone()));
    let mut conn = acupress::db::conn(&app.state.pool).await.unwrap();
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        for i in 0..BURST {
            let to = format!("reader{i}@example.org");
            let params = [
                ("name", "Reader"),
                ("device", "Pixel"),
                ("time", "2026-12-02 08:00"),
            ];
            let message = Outgoing {
                user: None,
                to: &to,
                lang: acupress::lang::Lang::En,
                template: Template::NewSignIn,
                params: &params,
            };
            mail::enqueue(conn, message).await?;
        }
        Ok(())
    })
    .await
    .unwrap();
    drop(conn);
    let started = Instant::now();
    app.state.mailer.wake();
    second.wake();
    smtp.wait_for(BURST, Duration::from_secs(120)).await;
    let took = started.elapsed();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let got = smtp.received();
    assert_eq!(got.len(), BURST, "none twice");
    let ids: std::collections::HashSet<String> = got
        .iter()
        .map(|m| {
            let text = m.text();
            let start = text.find("Message-ID: ").expect("a Message-ID");
            text[start..].lines().next().unwrap().to_owned()
        })
        .collect();
    let to: std::collections::HashSet<String> = got.iter().map(|m| m.to.join(",")).collect();
    assert_eq!((ids.len(), to.len()), (BURST, BURST), "each message once");
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM mail_outbox WHERE sent_at IS NOT NULL AND attempts = 1"
                .into()
        ),
        BURST as i64
    );
    println!(
        "{BURST} queued messages drained by two senders in {took:?}: {:.0} messages/s",
        BURST as f64 / took.as_secs_f64()
    );
}
