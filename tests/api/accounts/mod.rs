//! Accounts: registration, sign-in, tokens, devices, profile, reminders, guests, deletion and
//! export, and the races between devices of one account.

mod access_tokens;
mod admin;
mod admin_users;
mod delete_export;
mod delete_page;
mod devices;
mod email_change;
mod favorites;
mod guests;
mod id_tokens;
mod own_routines;
mod profile;
mod races;
mod rate_limits;
mod recommendations;
mod recovery;
mod register;
mod reminders;
mod security_log;
mod sign_in;
mod text_input;

mod tokens;
mod two_factor;

use actix_web::test::TestRequest;
use serde_json::json;

use crate::support::{Account, count_rows};

const NEW_PASSWORD: &str = "amber heron copper willow";

fn login_request(email: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/v1/auth/login")
        .set_json(json!({"email": email, "password": password}))
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
