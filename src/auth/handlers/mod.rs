//! The auth endpoints, by resource: accounts (register, guest, upgrade), device
//! sessions (log in, refresh, log out), Apple and Google ID tokens with the two-factor
//! step, and recovery by email (verification, password
//! reset, and the pages their links open).

mod accounts;
mod id_token;
mod recovery;
mod sessions;

use actix_web::{HttpRequest, HttpResponse};

use crate::auth::events::Client;
use crate::auth::model::AuthResponse;
use crate::auth::sessions::SignIn;
use crate::auth::{AuthService, client_address};
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::users::model::User;
use crate::validate;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(accounts::register)
        .service(sessions::login)
        .service(sessions::refresh)
        .service(sessions::logout)
        .service(sessions::logout_all)
        .service(id_token::sign_in_with_id_token)
        .service(id_token::answer_mfa_challenge)
        .service(accounts::create_guest)
        .service(accounts::upgrade_guest)
        .service(recovery::verify_email)
        .service(recovery::resend_verification)
        .service(recovery::request_password_reset)
        .service(recovery::confirm_password_reset)
        .service(recovery::verify_email_page)
        .service(recovery::verify_email_page_post)
        .service(recovery::password_reset_page)
        .service(recovery::password_reset_page_post)
        .service(recovery::undo_email_change_page)
        .service(recovery::undo_email_change_page_post);
}

/// The device name a request gives, or one made from the client's `User-Agent`.
fn device_of(client: &Client, device_name: Option<&str>) -> ApiResult<String> {
    validate::device_name(device_name, client.agent.as_deref())
}

/// [`AuthService::check_limits`] for the address of this request.
async fn check_limits(
    pool: &DbPool,
    auth: &AuthService,
    req: &HttpRequest,
    account: Option<&str>,
) -> ApiResult<()> {
    auth.check_limits(pool, &client_address(req), account).await
}

/// The answer to a sign-in that passed its first factor: 200 (201 for a new account)
/// with the account and tokens, or 202 with the challenge a second factor answers.
fn signed_in(user: User, outcome: SignIn, created: bool) -> HttpResponse {
    match outcome {
        SignIn::Tokens(tokens) if created => {
            HttpResponse::Created().json(AuthResponse { user, tokens })
        }
        SignIn::Tokens(tokens) => HttpResponse::Ok().json(AuthResponse { user, tokens }),
        SignIn::Challenge(challenge) => HttpResponse::Accepted().json(challenge),
    }
}
