//! The auth endpoints, by resource: accounts (register, guest, upgrade) and device
//! sessions (log in, refresh, log out), and recovery by email (verification, password
//! reset, and the pages their links open).

mod accounts;
mod recovery;
mod sessions;

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::auth::{AuthService, client_address};
use crate::db::DbPool;
use crate::error::ApiResult;
use crate::validate;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(accounts::register)
        .service(sessions::login)
        .service(sessions::refresh)
        .service(sessions::logout)
        .service(sessions::logout_all)
        .service(accounts::create_guest)
        .service(accounts::upgrade_guest)
        .service(recovery::verify_email)
        .service(recovery::resend_verification)
        .service(recovery::request_password_reset)
        .service(recovery::confirm_password_reset)
        .service(recovery::verify_email_page)
        .service(recovery::verify_email_page_post)
        .service(recovery::password_reset_page)
        .service(recovery::password_reset_page_post);
}

/// The `User-Agent` of the request, cleaned for storing with a device session.
fn user_agent(req: &HttpRequest) -> Option<String> {
    validate::user_agent(
        req.headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok()),
    )
}

/// The device name a request gives (or one made from its `User-Agent`), with that agent.
fn device_of(req: &HttpRequest, device_name: Option<&str>) -> ApiResult<(String, Option<String>)> {
    let agent = user_agent(req);
    let device = validate::device_name(device_name, agent.as_deref())?;
    Ok((device, agent))
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
