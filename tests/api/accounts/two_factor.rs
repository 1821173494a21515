//! Two-factor sign-in with an authenticator (TOTP, RFC 6238) and recovery codes:
//! enrolment (verified address, password, a first code; other devices signed out),
//! challenges on every first factor (password, ID token, password reset), codes within
//! one step of the clock and each only once, 5 wrong codes per challenge, a limit per
//! account, recovery codes single use, and turning it off.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use super::id_tokens::{app_with, apple_claims, apple_sign_in};
use super::recovery::{WAIT, app_mailing_to, verified};
use crate::support::{
    Account, Idp, LocalApp, PASSWORD, SmtpServer, TestApp, count_rows, execute,
    guesses_per_account, rsa1,
};
use acupress::config::IdProvider;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Waits out the last seconds of a 30-second step, so that codes made here for the
/// steps around now are judged against the same steps by the server.
async fn steady() {
    let into = unix_now() % 30;
    if into >= 25 {
        tokio::time::sleep(Duration::from_secs(31 - into)).await;
    }
}

/// The authenticator app: codes of `secret` (base 32) at a time.
struct Authenticator(TOTP);

impl Authenticator {
    fn new(secret: &str) -> Self {
        let bytes = Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
        Self(TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).unwrap())
    }

    /// The code `steps` steps from now.
    fn code(&self, steps: i64) -> String {
        let at = unix_now() as i64 + steps * 30;
        self.0.generate(at as u64)
    }
}

/// The claims of an access token, read without checking (the server checked them).
fn claims(access: &str) -> Value {
    let payload = access.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn mark_verified(app: &LocalApp, email: &str) {
    execute(
        app.db_url(),
        format!("UPDATE users SET email_verified_at = now() WHERE email = '{email}'"),
    );
}

/// Enrols `account` (password confirmed if it has one) and confirms with the current
/// code: the account on its new aal2 tokens, the authenticator and the recovery codes.
async fn enrol<'a>(
    app: &'a TestApp,
    account: &Account<'a>,
    password: Option<&str>,
) -> (Account<'a>, Authenticator, Vec<String>) {
    let body = password.map_or(json!({}), |p| json!({"password": p}));
    let started = account.post("/v1/me/mfa/totp", body).await;
    assert_eq!(started.status, 200, "{}", started.text());
    let started = started.json();
    assert!(
        started["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/acupress:")
    );
    assert_eq!(
        (started["digits"].as_u64(), started["period"].as_u64()),
        (Some(6), Some(30))
    );
    let authenticator = Authenticator::new(started["secret"].as_str().unwrap());
    steady().await;
    let done = account
        .post(
            "/v1/me/mfa/totp/confirm",
            json!({"code": authenticator.code(0)}),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let done = done.json();
    let codes: Vec<String> = done["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let mut auth = json!({"user": {"id": account.id}, "tokens": done["tokens"]});
    auth["tokens"] = done["tokens"].clone();
    (app.account(&auth, &account.email), authenticator, codes)
}

/// A challenge from a password sign-in (202 expected).
async fn challenge(app: &TestApp, email: &str, password: &str) -> String {
    let res = app.login(email, password).await;
    assert_eq!(res.status, 202, "{}", res.text());
    let body = res.json();
    assert_eq!(body["tries_left"], 5);
    assert!(body.get("tokens").is_none(), "nothing is signed in yet");
    body["challenge"].as_str().unwrap().to_owned()
}

async fn answer(
    app: &TestApp,
    challenge: &str,
    field: &str,
    code: &str,
) -> crate::support::Response {
    app.post("/v1/auth/mfa", json!({"challenge": challenge, field: code}))
        .await
}

fn kinds(account_events: &Value) -> Vec<String> {
    account_events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn enrolment_needs_a_verified_address_the_password_and_a_code_and_signs_out_other_devices() {
    let app = local_app!("marks the address verified in the database");
    let mei = app.register("mei@example.com").await;
    mei.post("/v1/me/mfa/totp", json!({"password": PASSWORD}))
        .await
        .problem(409, "email_not_verified");
    mark_verified(&app, "mei@example.com");
    let tablet = mei.second_device().await;
    mei.post("/v1/me/mfa/totp", json!({"password": "not the password"}))
        .await
        .problem(403, "forbidden");
    mei.post("/v1/me/mfa/totp", json!({}))
        .await
        .problem(422, "validation_failed");
    let guest = app.guest().await;
    guest
        .post("/v1/me/mfa/totp", json!({}))
        .await
        .problem(409, "guest_account");
    // A pending secret changes nothing: confirming needs a code of that secret.
    let started = mei
        .post("/v1/me/mfa/totp", json!({"password": PASSWORD}))
        .await
        .json();
    let wrong = Authenticator::new("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    mei.post("/v1/me/mfa/totp/confirm", json!({"code": wrong.code(0)}))
        .await
        .problem(422, "mfa_code_invalid");
    assert_eq!(app.login("mei@example.com", PASSWORD).await.status, 200);
    drop(started);

    let (mei, _, codes) = enrol(&app, &mei, Some(PASSWORD)).await;
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 14 && c.chars().nth(4) == Some('-'))
    );
    assert_eq!(claims(&mei.access)["aal"], "aal2");
    assert_eq!(mei.me().await.status, 200, "this device stays signed in");
    tablet.me().await.problem(401, "session_revoked");
    mei.post("/v1/me/mfa/totp", json!({"password": PASSWORD}))
        .await
        .problem(409, "mfa_already_enabled");
    let status = mei.get("/v1/me/mfa").await.json();
    assert_eq!(status["totp_enabled"], true);
    assert_eq!(status["recovery_codes_left"], 10);
    assert!(kinds(&mei.get("/v1/me/security-events?limit=1").await.json()) == ["mfa_enabled"]);
    // Only hashes are stored.
    assert_eq!(
        count_rows(
            app.db_url(),
            "SELECT count(*) AS n FROM mfa_recovery_codes WHERE hash LIKE '$argon2id$%'".into()
        ),
        10
    );
}

#[actix_web::test]
async fn a_password_sign_in_waits_for_a_code_within_a_step_of_the_clock_each_used_once() {
    let app = local_app!("marks the address verified in the database");
    let mei = app.register("mei@example.com").await;
    mark_verified(&app, "mei@example.com");
    let (_mei, authenticator, _) = enrol(&app, &mei, Some(PASSWORD)).await;
    steady().await;
    // The clock of the phone may be a step behind or ahead: both work, in order, once.
    // (The confirmation used the current step, so start a step ahead of it.)
    let ahead = challenge(&app, "mei@example.com", PASSWORD).await;
    let signed = answer(&app, &ahead, "code", &authenticator.code(1)).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    let body = signed.json();
    assert_eq!(body["tokens"]["aal"], "aal2");
    assert_eq!(
        claims(body["tokens"]["access_token"].as_str().unwrap())["aal"],
        "aal2"
    );
    let phone = app.account(&body, "mei@example.com");
    assert_eq!(phone.me().await.status, 200);
    answer(&app, &ahead, "code", &authenticator.code(1))
        .await
        .problem(401, "mfa_challenge_invalid");

    // The same code on a new challenge is a replay; so is an older step's.
    for (steps, why) in [
        (1, "the same code"),
        (0, "an earlier step"),
        (-1, "a step behind"),
    ] {
        let again = challenge(&app, "mei@example.com", PASSWORD).await;
        let refused = answer(&app, &again, "code", &authenticator.code(steps)).await;
        let problem = refused.problem(422, "mfa_code_invalid");
        eprintln!("{why}: {}", problem["detail"]);
    }
    // Two steps off is too far, whatever was used before.
    let far = challenge(&app, "mei@example.com", PASSWORD).await;
    answer(&app, &far, "code", &authenticator.code(3))
        .await
        .problem(422, "mfa_code_invalid");
    let events = phone.get("/v1/me/security-events?limit=20").await.json();
    let failed = kinds(&events).iter().filter(|k| *k == "mfa_failed").count();
    assert_eq!(failed, 4);
    let signed_in = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "signed_in")
        .unwrap();
    assert_eq!(signed_in["method"], "password");
}

#[actix_web::test]
async fn a_challenge_dies_after_five_wrong_codes_and_codes_are_limited_per_account() {
    let app = local_app!("marks the address verified in the database");
    let mei = app.register("mei@example.com").await;
    mark_verified(&app, "mei@example.com");
    let (_mei, authenticator, _) = enrol(&app, &mei, Some(PASSWORD)).await;
    let open = challenge(&app, "mei@example.com", PASSWORD).await;
    for left in (0..5).rev() {
        let wrong = answer(&app, &open, "code", "000000").await;
        let detail = wrong.problem(422, "mfa_code_invalid")["detail"]
            .as_str()
            .unwrap()
            .to_owned();
        if left > 0 {
            assert!(detail.contains(&format!("{left} tr")), "{detail}");
        } else {
            assert!(detail.contains("last try"), "{detail}");
        }
    }
    steady().await;
    answer(&app, &open, "code", &authenticator.code(1))
        .await
        .problem(401, "mfa_challenge_invalid");
    answer(&app, "not-a-challenge", "code", "123456")
        .await
        .problem(401, "mfa_challenge_invalid");
    answer(&app, &open, "code", "12345678")
        .await
        .problem(422, "validation_failed");
    // A fresh challenge still works with the right code.
    let fresh = challenge(&app, "mei@example.com", PASSWORD).await;
    assert_eq!(
        answer(&app, &fresh, "code", &authenticator.code(1))
            .await
            .status,
        200
    );

    // Per account: a few answers, then 429 whatever the challenge.
    let limited = LocalApp::with_config(guesses_per_account(6, Duration::from_secs(600))).await;
    let li = limited.register("li@example.com").await;
    mark_verified(&limited, "li@example.com");
    let (_li, _, _) = enrol(&limited, &li, Some(PASSWORD)).await;
    // Two challenges, so that the limit, not a challenge's own five tries, ends it.
    let first = challenge(&limited, "li@example.com", PASSWORD).await;
    let second = challenge(&limited, "li@example.com", PASSWORD).await;
    let mut statuses = Vec::new();
    for open in [
        &first, &first, &first, &first, &second, &second, &second, &second,
    ] {
        statuses.push(answer(&limited, open, "code", "000000").await.status);
    }
    assert!(statuses[..4].iter().all(|s| *s == 422), "{statuses:?}");
    assert!(
        statuses[4..].contains(&429),
        "the account's limit ends the guessing on a challenge with tries left: {statuses:?}"
    );
}

#[actix_web::test]
async fn recovery_codes_work_once_and_can_be_replaced() {
    let app = local_app!("marks the address verified in the database");
    let mei = app.register("mei@example.com").await;
    mark_verified(&app, "mei@example.com");
    let (mei, authenticator, codes) = enrol(&app, &mei, Some(PASSWORD)).await;
    let open = challenge(&app, "mei@example.com", PASSWORD).await;
    answer(&app, &open, "recovery_code", "ZZZZ-ZZZZ-ZZZZ")
        .await
        .problem(422, "mfa_code_invalid");
    let used = answer(&app, &open, "recovery_code", &codes[0].to_lowercase()).await;
    assert_eq!(used.status, 200, "{}", used.text());
    let again = challenge(&app, "mei@example.com", PASSWORD).await;
    answer(&app, &again, "recovery_code", &codes[0])
        .await
        .problem(422, "mfa_code_invalid");
    assert_eq!(mei.get("/v1/me/mfa").await.json()["recovery_codes_left"], 9);
    app.post(
        "/v1/auth/mfa",
        json!({"challenge": again, "code": "123456", "recovery_code": codes[1]}),
    )
    .await
    .problem(422, "validation_failed");
    let events = kinds(&mei.get("/v1/me/security-events?limit=5").await.json());
    assert!(
        events.contains(&"recovery_code_used".to_owned()),
        "{events:?}"
    );

    steady().await;
    let replaced = mei
        .post(
            "/v1/me/mfa/recovery-codes",
            json!({"code": authenticator.code(1)}),
        )
        .await;
    assert_eq!(replaced.status, 200, "{}", replaced.text());
    let fresh: Vec<String> = replaced.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let old = challenge(&app, "mei@example.com", PASSWORD).await;
    answer(&app, &old, "recovery_code", &codes[1])
        .await
        .problem(422, "mfa_code_invalid");
    assert_eq!(
        answer(&app, &old, "recovery_code", &fresh[9]).await.status,
        200
    );
}

#[actix_web::test]
async fn turning_it_off_needs_the_password_and_a_code() {
    let app = local_app!("marks the address verified in the database");
    let mei = app.register("mei@example.com").await;
    mark_verified(&app, "mei@example.com");
    let (mei, authenticator, _) = enrol(&app, &mei, Some(PASSWORD)).await;
    steady().await;
    let off = |password: &str, code: Option<String>| {
        let mut body = json!({"password": password});
        if let Some(code) = code {
            body["code"] = json!(code);
        }
        mei.post("/v1/me/mfa/totp/disable", body)
    };
    off("not the password", Some(authenticator.code(1)))
        .await
        .problem(403, "forbidden");
    off(PASSWORD, None).await.problem(422, "validation_failed");
    off(PASSWORD, Some("000000".into()))
        .await
        .problem(422, "mfa_code_invalid");
    assert_eq!(off(PASSWORD, Some(authenticator.code(1))).await.status, 204);
    assert_eq!(mei.get("/v1/me/mfa").await.json()["totp_enabled"], false);
    off(PASSWORD, Some(authenticator.code(1)))
        .await
        .problem(409, "mfa_not_enabled");
    let signed = app.login("mei@example.com", PASSWORD).await;
    assert_eq!(signed.status, 200, "one factor again");
    assert_eq!(signed.json()["tokens"]["aal"], "aal1");
}

#[actix_web::test]
async fn the_deletion_page_does_not_take_the_password_alone_for_a_two_factor_account() {
    let app = local_app!("marks the address verified in the database");
    let mei = app.register("mei@example.com").await;
    mark_verified(&app, "mei@example.com");
    let (mei, _, _) = enrol(&app, &mei, Some(PASSWORD)).await;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", "mei@example.com")
        .append_pair("password", PASSWORD)
        .append_pair("confirm", "yes")
        .finish();
    let page = app
        .send(
            actix_web::test::TestRequest::post()
                .uri("/account/delete")
                .insert_header(("content-type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.text().contains("second factor"), "{}", page.text());
    assert_eq!(mei.me().await.status, 200, "nothing was deleted");
}

#[actix_web::test]
async fn an_apple_sign_in_asks_for_the_second_factor_too() {
    let apple = Idp::start(IdProvider::Apple, &[&rsa1()]).await;
    let Some(app) = app_with(&[&apple]).await else {
        return;
    };
    let relay = "mfa@privaterelay.appleid.com";
    let first = apple_sign_in(&app, &apple_claims(&apple, "mfa.apple", Some(relay))).await;
    let mei = app.account(&first.json(), relay);
    // No password to confirm: the address came verified from Apple.
    let (_mei, authenticator, _) = enrol(&app, &mei, None).await;
    let later = apple_sign_in(&app, &apple_claims(&apple, "mfa.apple", None)).await;
    assert_eq!(later.status, 202, "{}", later.text());
    let open = later.json()["challenge"].as_str().unwrap().to_owned();
    steady().await;
    let signed = answer(&app, &open, "code", &authenticator.code(1)).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    assert_eq!(signed.json()["user"]["id"], mei.id.as_str());
    let events = app.account(&signed.json(), relay);
    let items = events.get("/v1/me/security-events?limit=1").await.json();
    assert_eq!(items["items"][0]["method"], "apple");
}

#[actix_web::test]
async fn a_provider_address_joins_a_two_factor_account_only_once_the_code_is_given() {
    let google = Idp::start(IdProvider::Google, &[&rsa1()]).await;
    let Some(app) = app_with(&[&google]).await else {
        return;
    };
    let mei = app.register("mei@example.com").await;
    mark_verified(&app, "mei@example.com");
    let (_mei, authenticator, _) = enrol(&app, &mei, Some(PASSWORD)).await;
    let identities = || {
        count_rows(
            app.db_url(),
            format!(
                "SELECT count(*) AS n FROM identities WHERE user_id = '{}'",
                mei.id
            ),
        )
    };
    let mut claims = google.claims("g-mei-2fa");
    claims["email"] = json!("mei@example.com");
    claims["email_verified"] = json!(true);
    let token = crate::support::sign(&rsa1(), &claims);
    let body = json!({"provider": "google", "id_token": token});
    // Asked, not answered: nothing is linked.
    let first = app.post("/v1/auth/id-token", body.clone()).await;
    assert_eq!(first.status, 202, "{}", first.text());
    assert_eq!(identities(), 0, "an unanswered challenge links nothing");
    let second = app.post("/v1/auth/id-token", body).await;
    let open = second.json()["challenge"].as_str().unwrap().to_owned();
    steady().await;
    let signed = answer(&app, &open, "code", &authenticator.code(1)).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    assert_eq!(signed.json()["user"]["id"], mei.id.as_str());
    assert_eq!(identities(), 1, "linked once the second factor was given");
    // An aal1 session cannot exist on a two-factor account: one made behind the API's
    // back is refused.
    let phone = app.account(&signed.json(), "mei@example.com");
    execute(
        app.db_url(),
        format!(
            "UPDATE auth_sessions SET aal = 1 WHERE id = '{}'",
            phone.session
        ),
    );
    phone.me().await.problem(401, "session_revoked");
}

#[actix_web::test]
async fn a_password_reset_does_not_skip_the_second_factor() {
    let smtp = SmtpServer::start().await;
    let Some(app) = app_mailing_to(&smtp).await else {
        return;
    };
    let mei = verified(&app, &smtp, "mei@example.com").await;
    let (_mei, authenticator, _) = enrol(&app, &mei, Some(PASSWORD)).await;
    let before = smtp.received().len();
    app.post(
        "/v1/auth/password-reset",
        json!({"email": "mei@example.com"}),
    )
    .await;
    let reset = smtp.wait_for(before + 1, WAIT).await.remove(before);
    let code = reset.code_after("Subject:");
    let new_password = "seven amber kites drifting";
    let done = app
        .post(
            "/v1/auth/password-reset/confirm",
            json!({"email": "mei@example.com", "code": code, "new_password": new_password,
                   "device_name": "Laptop"}),
        )
        .await;
    assert_eq!(done.status, 202, "{}", done.text());
    let open = done.json()["challenge"].as_str().unwrap().to_owned();
    steady().await;
    let signed = answer(&app, &open, "code", &authenticator.code(1)).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    // A challenge from the old password died with it.
    assert_eq!(app.login("mei@example.com", PASSWORD).await.status, 401);
    assert_eq!(app.login("mei@example.com", new_password).await.status, 202);
}
