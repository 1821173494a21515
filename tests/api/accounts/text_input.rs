//! Text input (checklist 33): limits after Unicode normalisation, characters refused in
//! names and free text, passwords compared in NFKC form.

use acupress::auth::password;
use serde_json::json;

use crate::support::{PASSWORD, Response, TestApp, count_rows, execute};

/// Right-to-left override, zero-width space, line separator, a noncharacter.
const REFUSED: [char; 4] = ['\u{202E}', '\u{200B}', '\u{2028}', '\u{FFFE}'];

/// Asserts a 422 whose only problem is `field`.
fn refused(res: &Response, field: &str) {
    let body = res.problem(422, "validation_failed");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, [field], "{body}");
}

#[actix_web::test]
async fn an_email_over_254_octets_once_normalised_is_refused() {
    let app = local_app!("counts the accounts in the database");
    // 73 characters as typed; NFKC turns each ⅷ into viii: 256 octets
    let grows = format!("{}@example.com", "\u{2177}".repeat(61));
    // 245 characters, ten of them é: 255 octets
    let wide = format!("{}{}@example.com", "\u{e9}".repeat(10), "a".repeat(223));
    for email in [&grows, &wide] {
        let res = app
            .post(
                "/v1/auth/register",
                json!({"email": email, "password": PASSWORD, "display_name": "Mei"}),
            )
            .await;
        refused(&res, "email");
        refused(&app.login(email, PASSWORD).await, "email");
    }
    let url = app.db_url();
    assert_eq!(count_rows(url, "SELECT count(*) AS n FROM users".into()), 0);
}

#[actix_web::test]
async fn names_mood_and_notes_refuse_invisible_and_separator_characters() {
    let app = local_app!("counts rows in the database");
    let mei = app.register("mei@example.com").await;
    let session_id = mei
        .new_session(json!({"started_at": "2026-11-21T07:45:00Z", "duration_seconds": 300}))
        .await;
    for c in REFUSED {
        let bad = format!("Mei{c}Lin");
        let res = app
            .post(
                "/v1/auth/register",
                json!({"email": "lin@example.com", "password": PASSWORD, "display_name": bad}),
            )
            .await;
        refused(&res, "display_name");
        let res = app
            .post(
                "/v1/auth/register",
                json!({"email": "lin@example.com", "password": PASSWORD,
                    "display_name": "Lin", "device_name": bad}),
            )
            .await;
        refused(&res, "device_name");
        let res = app
            .post(
                "/v1/auth/login",
                json!({"email": mei.email, "password": PASSWORD, "device_name": bad}),
            )
            .await;
        refused(&res, "device_name");
        refused(
            &app.post("/v1/auth/guest", json!({"device_name": bad}))
                .await,
            "device_name",
        );
        refused(
            &mei.patch("/v1/me", json!({"display_name": bad})).await,
            "display_name",
        );
        for field in ["mood", "notes"] {
            let res = mei
                .create_session(
                    json!({"started_at": "2026-11-21T07:45:00Z", "duration_seconds": 300,
                        field: bad}),
                )
                .await;
            refused(&res, field);
            refused(
                &mei.edit_session(&session_id, json!({ field: bad })).await,
                field,
            );
        }
    }
    // nothing was stored: one account, its name and its one session unchanged
    let url = app.db_url();
    assert_eq!(
        count_rows(
            url,
            "SELECT count(*) AS n FROM users WHERE is_guest OR display_name <> 'Tester'".into()
        ),
        0
    );
    assert_eq!(
        count_rows(
            url,
            "SELECT count(*) AS n FROM massage_sessions
              WHERE mood IS NULL AND notes IS NULL"
                .into()
        ),
        1
    );
    assert_eq!(
        count_rows(url, "SELECT count(*) AS n FROM massage_sessions".into()),
        1
    );
    // multi-line notes keep their line breaks, Windows ones as \n
    let res = mei
        .edit_session(&session_id, json!({"notes": "Calmer.\r\nSlept well."}))
        .await
        .assert_status(200);
    assert_eq!(res.json()["session"]["notes"], "Calmer.\nSlept well.");
}

#[actix_web::test]
async fn a_password_signs_in_whatever_unicode_form_it_is_typed_in() {
    let app = TestApp::new().await;
    // é decomposed at registration, precomposed at sign-in; digits full-width or not
    let cases = [
        (
            "ren@example.com",
            "Rene\u{301}e otter lantern river",
            "Ren\u{e9}e otter lantern river",
        ),
        (
            "kai@example.com",
            "quiet otter lantern \u{ff11}\u{ff19}\u{ff18}\u{ff14}",
            "quiet otter lantern 1984",
        ),
    ];
    for (email, registered, typed) in cases {
        let email = &app.email(email);
        let res = app
            .post(
                "/v1/auth/register",
                json!({"email": email, "password": registered, "display_name": "Ren"}),
            )
            .await
            .assert_status(201);
        let account = app.account(&res.json(), email);
        for form in [registered, typed] {
            assert_eq!(app.login(email, form).await.status, 200, "{form:?}");
        }
        // confirming with the current password takes either form too
        account
            .change_password(typed, "seven copper kites at dawn")
            .await
            .assert_status(204);
    }
}

#[actix_web::test]
async fn a_hash_of_a_password_as_typed_before_normalisation_still_signs_in() {
    let app = local_app!("writes a password hash into the database");
    let url = app.db_url().to_owned();
    let mei = app.register("mei@example.com").await;
    // stored before passwords were normalised: the decomposed form, hashed as typed
    let typed = "Rene\u{301}e otter lantern river";
    let old = password::hash_blocking(typed);
    execute(
        &url,
        format!(
            "UPDATE users SET password_hash = '{old}' WHERE id = '{}'",
            mei.id
        ),
    );
    let res = app.login(&mei.email, typed).await.assert_status(200);
    let signed_in = app.account(&res.json(), &mei.email);
    // the NFKC form is not what was hashed then, so it does not match that hash
    assert_eq!(
        app.login(&mei.email, "Ren\u{e9}e otter lantern river")
            .await
            .status,
        401
    );
    // changing the password stores its NFKC form: from then on either form signs in
    let new = "Rene\u{301}e copper kites at dawn";
    signed_in
        .change_password(typed, new)
        .await
        .assert_status(204);
    for form in [new, "Ren\u{e9}e copper kites at dawn"] {
        assert_eq!(app.login(&mei.email, form).await.status, 200, "{form:?}");
    }
}
