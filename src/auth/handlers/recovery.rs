//! Email verification and password reset: the app's endpoints (a code typed in) and the
//! small pages a mailed link opens in a browser (a form posted back, no script).

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{check_limits, device_of};
use crate::auth::email_change::{self, Undone};
use crate::auth::events::Client;
use crate::auth::model::*;
use crate::auth::recovery::{self, CODE_MINUTES, Proof, Purpose};
use crate::auth::{AuthService, AuthUser, password};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::http::page::{form_fields, page};
use crate::mail::Mailer;
use crate::mail::templates::escape_html;
use crate::problems::ProblemCode;
use crate::users::Email;
use crate::users::model::User;
use crate::users::store as user_store;

/// Confirm the account's email address with the mailed code.
///
/// Sets `email_verified_at`. Any code that does not work (mistyped, expired, used,
/// replaced, or dead after 5 wrong tries) is the same 422 `code_invalid`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::CodeInvalid, ProblemCode::AlreadyVerified]))),
    tag = "auth",
    security(("bearer" = [])),
    request_body = VerifyEmailRequest,
    responses(
        (status = 200, description = "The account, verified", body = User),
    )
)]
#[post("/auth/verify-email")]
pub async fn verify_email(
    req: HttpRequest,
    user: AuthUser,
    body: Json<VerifyEmailRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let code = recovery::typed_code(&body.code)?;
    let proof = Proof::Code {
        user: user.user_id,
        code,
    };
    let verified = recovery::verify_email(&pool, &auth, &Client::of(&req), proof).await?;
    Ok(HttpResponse::Ok().json(verified))
}

/// Mail a new verification code.
///
/// The older code stops working. At most 3 at once per account, then one per 5 minutes
/// (429 with `Retry-After`).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::AlreadyVerified, ProblemCode::GuestAccount, ProblemCode::RateLimited]))),
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "A new code is on its way", body = CodeSent),
    )
)]
#[post("/auth/verify-email/resend")]
pub async fn resend_verification(
    user: AuthUser,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let sent_to = recovery::resend_verification(&pool, &auth, &mailer, user.user_id).await?;
    Ok(HttpResponse::Accepted().json(CodeSent {
        sent_to,
        expires_in: CODE_MINUTES as u64 * 60,
    }))
}

/// Ask for a password reset code.
///
/// Always 202 with the same body, in about the same time, whether or not an account has
/// this address: only a verified address is mailed a code and a link. Limited per
/// client address and per email (429 with `Retry-After`).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 202, description = "Accepted; a code is mailed if the address is an account's verified one", body = PasswordResetAccepted),
    )
)]
#[post("/auth/password-reset")]
pub async fn request_password_reset(
    req: HttpRequest,
    body: Json<PasswordResetRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let arrived = Instant::now();
    let email = Email::parse(&body.email)?;
    check_limits(&pool, &auth, &req, None).await?;
    recovery::request_code(&pool, &auth, &mailer, &email, Purpose::PasswordReset).await?;
    recovery::answer_floor(arrived).await;
    Ok(HttpResponse::Accepted().json(PasswordResetAccepted {
        detail: "If this is the verified address of an account, a code to reset its password is on its way.".into(),
    }))
}

/// Set a new password with the mailed reset code.
///
/// Signs out every device of the account and signs this one in. Any code that does
/// not work (mistyped, expired, used, replaced, dead after 5 wrong tries, or for an
/// address with no account) is the same 422 `code_invalid`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::WeakPassword, ProblemCode::CodeInvalid, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "Password set; this device is signed in", body = AuthResponse),
    )
)]
#[post("/auth/password-reset/confirm")]
pub async fn confirm_password_reset(
    req: HttpRequest,
    body: Json<PasswordResetConfirm>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let email = Email::parse(&body.email)?;
    let code = recovery::typed_code(&body.code)?;
    check_limits(&pool, &auth, &req, Some(email.as_str())).await?;
    let client = Client::of(&req);
    let device = device_of(&client, body.device_name.as_deref())?;
    let account = user_store::user_by_email(&mut *db::conn(&pool).await?, &email).await?;
    let Some(account) = account else {
        return Err(recovery::code_refused());
    };
    let hash = password::hash_new("new_password", &body.new_password, &[email.as_str()]).await?;
    let proof = Proof::Code {
        user: account.id,
        code,
    };
    let (user, tokens) =
        recovery::reset_password(&pool, &auth, &client, proof, &hash, Some(&device)).await?;
    let tokens = tokens.ok_or_else(|| ApiError::internal("no device was signed in"))?;
    Ok(HttpResponse::Ok().json(AuthResponse { user, tokens }))
}

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// The token of the mailed link.
    #[param(max_length = 64)]
    pub token: Option<String>,
}

/// The longest token a link carries (32 bytes in base64url are 43 characters).
const MAX_TOKEN: usize = 64;

impl PageQuery {
    /// The token, when there is one that could be the server's.
    fn link_token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN)
    }
}

fn token_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\">",
        escape_html(token)
    )
}

fn no_link() -> HttpResponse {
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        "This link no longer works",
        "<p>The link has expired, was used already, or a newer message replaced it. Ask for a new one in the app.</p>",
    )
}

/// The page a verification link opens.
///
/// A form that confirms the address when posted (opening the link alone changes
/// nothing, so a mail scanner that follows links verifies nobody).
#[utoipa::path(
    tag = "auth",
    params(PageQuery),
    responses(
        (status = 200, description = "The confirmation form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
        (status = 422, description = "The link has no token, or not one the server gives", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
    )
)]
#[get("/auth/verify-email/page")]
pub async fn verify_email_page(query: web::Query<PageQuery>) -> HttpResponse {
    let Some(token) = query.link_token() else {
        return no_link();
    };
    page(
        StatusCode::OK,
        "Confirm your email address",
        &format!(
            "<form method=\"post\">{}<button type=\"submit\">Confirm my address</button></form>",
            token_field(token)
        ),
    )
}

/// Confirm an address from the verification page.
///
/// The form of the verification page posts the link's token here; the answer is a page
/// saying the address is confirmed, or (422) that the link no longer works.
#[utoipa::path(
    tag = "auth",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token` from the link"),
    responses(
        (status = 200, description = "Confirmed", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
        (status = 422, description = "The link no longer works", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
    )
)]
#[post("/auth/verify-email/page")]
pub async fn verify_email_page_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let fields = form_fields(&body);
    let Some(token) = fields.get("token") else {
        return Ok(no_link());
    };
    let client = Client::of(&req);
    match recovery::verify_email(&pool, &auth, &client, Proof::Link { token }).await {
        Ok(_) => Ok(page(
            StatusCode::OK,
            "Address confirmed",
            "<p>Thank you: your email address is confirmed. You can close this page.</p>",
        )),
        Err(ApiError::Unprocessable { .. }) => Ok(no_link()),
        Err(e) => Err(e),
    }
}

fn reset_form(token: &str, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p role=\"alert\"><strong>{}</strong></p>", escape_html(p)))
        .unwrap_or_default();
    format!(
        "{problem}<form method=\"post\">{}\
         <label>New password<br><input type=\"password\" name=\"new_password\" autocomplete=\"new-password\" minlength=\"8\" maxlength=\"128\" required></label><br>\
         <button type=\"submit\">Set the new password</button></form>\
         <p>Every device signed in to the account will be signed out.</p>",
        token_field(token)
    )
}

/// The page a password-reset link opens.
///
/// A form for the new password, posted back with the link's token; no script.
#[utoipa::path(
    tag = "auth",
    params(PageQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
        (status = 422, description = "The link has no token, or not one the server gives", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
    )
)]
#[get("/auth/password-reset/page")]
pub async fn password_reset_page(query: web::Query<PageQuery>) -> HttpResponse {
    let Some(token) = query.link_token() else {
        return no_link();
    };
    page(
        StatusCode::OK,
        "Choose a new password",
        &reset_form(token, None),
    )
}

/// Set a new password from the reset page.
///
/// Signs out every device of the account; no device is signed in.
#[utoipa::path(
    tag = "auth",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token` from the link and `new_password`"),
    responses(
        (status = 200, description = "Password set", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
        (status = 422, description = "The link no longer works, or the password is too weak", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
    )
)]
#[post("/auth/password-reset/page")]
pub async fn password_reset_page_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let fields = form_fields(&body);
    let (Some(token), Some(new_password)) = (fields.get("token"), fields.get("new_password"))
    else {
        return Ok(no_link());
    };
    check_limits(&pool, &auth, &req, None).await?;
    let hash = match password::hash_new("new_password", new_password, &[]).await {
        Ok(hash) => hash,
        Err(ApiError::Unprocessable { detail, .. }) => {
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose a new password",
                &reset_form(token, Some(&detail)),
            ));
        }
        Err(e) => return Err(e),
    };
    let client = Client::of(&req);
    match recovery::reset_password(&pool, &auth, &client, Proof::Link { token }, &hash, None).await
    {
        Ok(_) => Ok(page(
            StatusCode::OK,
            "Password changed",
            "<p>Your new password is set, and every device was signed out. Sign in again in the app.</p>",
        )),
        Err(ApiError::Unprocessable { .. }) => Ok(no_link()),
        Err(e) => Err(e),
    }
}

/// The page the undo link of an email change opens.
///
/// A form that, when posted, keeps the old address (opening the link alone changes
/// nothing).
#[utoipa::path(
    tag = "auth",
    params(PageQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Keep your email address</h1>..."),
        (status = 422, description = "The link has no token, or not one the server gives", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
    )
)]
#[get("/auth/email-change/undo/page")]
pub async fn undo_email_change_page(query: web::Query<PageQuery>) -> HttpResponse {
    let Some(token) = query.link_token() else {
        return no_link();
    };
    page(
        StatusCode::OK,
        "Keep your email address",
        &format!(
            "<p>Someone asked to move your account to another email address. If it was not you, \
             keep yours: every device will be signed out, and a code to choose a new password \
             will be mailed to you.</p>\
             <form method=\"post\">{}<button type=\"submit\">This was not me: keep my address</button></form>",
            token_field(token)
        ),
    )
}

/// Undo an email change from the undo page.
///
/// The old address is the account's again, every device is signed out, and a password
/// reset code is mailed to it. 409 when another account has taken the address since.
#[utoipa::path(
    tag = "auth",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`token` from the link"),
    responses(
        (status = 200, description = "Undone", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Your address is kept</h1>..."),
        (status = 409, description = "Another account has this address now", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This address is taken</h1>..."),
        (status = 422, description = "The link no longer works", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
    )
)]
#[post("/auth/email-change/undo/page")]
pub async fn undo_email_change_page_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let fields = form_fields(&body);
    let Some(token) = fields.get("token") else {
        return Ok(no_link());
    };
    check_limits(&pool, &auth, &req, None).await?;
    match email_change::undo(&pool, &auth, &mailer, &Client::of(&req), token).await {
        Ok(Undone::Restored) => Ok(page(
            StatusCode::OK,
            "Your address is kept",
            "<p>Your account keeps this email address, and every device was signed out. \
             We have mailed you a code: use it in the app to choose a new password.</p>",
        )),
        Ok(Undone::AddressTaken) => Ok(page(
            StatusCode::CONFLICT,
            "This address is taken",
            "<p>Every device of your account was signed out and the change was stopped, but \
             another account uses this address now, so it cannot be given back. Please write \
             to the app's support.</p>",
        )),
        Err(ApiError::Unprocessable { .. }) => Ok(no_link()),
        Err(e) => Err(e),
    }
}
