//! Email verification and password reset: the app's endpoints (a code typed in) and the
//! small pages a mailed link opens in a browser (a form posted back, no script).

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{check_limits, device_of, signed_in};
use crate::auth::email_change::{self, Undone};
use crate::auth::events::Client;
use crate::auth::model::*;
use crate::auth::recovery::{self, CODE_MINUTES, Proof, Purpose};
use crate::auth::{AuthService, AuthUser, password};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::http::page::{LinkForm, LinkQuery, PageTexts, alert, form, language, page, too_many};
use crate::lang::Lang;
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
/// Signs out every device of the account and signs this one in (with two-factor
/// sign-in on, gives it a challenge to answer first). Any code that does
/// not work (mistyped, expired, used, replaced, dead after 5 wrong tries, or for an
/// address with no account) is the same 422 `code_invalid`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::WeakPassword, ProblemCode::CodeInvalid, ProblemCode::AccountDisabled, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "Password set; this device is signed in", body = AuthResponse),
        (status = 202, description = "Password set; the account asks for a second factor before this device is signed in", body = MfaChallenge),
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
    // The new password is judged and hashed before the address is looked up, so that
    // neither the answer nor its time tells whether an account has it.
    let hash = password::hash_new("new_password", &body.new_password, &[email.as_str()]).await?;
    let account = user_store::user_by_email(&mut *db::conn(&pool).await?, &email).await?;
    let Some(account) = account else {
        return Err(recovery::code_refused());
    };
    let proof = Proof::Code {
        user: account.id,
        code,
    };
    let (user, outcome) =
        recovery::reset_password(&pool, &auth, &client, proof, &hash, Some(&device)).await?;
    let outcome = outcome.ok_or_else(|| ApiError::internal("no device was signed in"))?;
    Ok(signed_in(user, outcome, false))
}

fn token_field(token: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\">",
        escape_html(token)
    )
}

fn no_link(lang: Lang, t: &PageTexts) -> HttpResponse {
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        lang,
        &t.no_link_title,
        &format!("<p>{}</p>", t.no_link_body),
    )
}

/// A page whose body is one paragraph.
fn said(status: StatusCode, lang: Lang, title: &str, text: &str) -> HttpResponse {
    page(status, lang, title, &format!("<p>{text}</p>"))
}

/// A form of one button, posting the link's token back.
fn button_form(token: &str, button: &str) -> String {
    format!(
        "<form method=\"post\">{}<button type=\"submit\">{button}</button></form>",
        token_field(token)
    )
}

/// The page a verification link opens.
///
/// A form that confirms the address when posted (opening the link alone changes
/// nothing, so a mail scanner that follows links verifies nobody). In the language
/// `Accept-Language` asks for.
#[utoipa::path(
    tag = "auth",
    params(LinkQuery),
    responses(
        (status = 200, description = "The confirmation form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Confirm your email address</h1>..."),
        (status = 422, description = "The link has no token, or not one the server gives", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
    )
)]
#[get("/auth/verify-email/page")]
pub async fn verify_email_page(req: HttpRequest, query: web::Query<LinkQuery>) -> HttpResponse {
    let (lang, t) = language(&req);
    let Some(token) = query.link_token() else {
        return no_link(lang, t);
    };
    let form = button_form(token, &t.verify_button);
    page(StatusCode::OK, lang, &t.verify_title, &form)
}

/// Confirm an address from the verification page.
///
/// The form of the verification page posts the link's token here; the answer is a page
/// saying the address is confirmed, or (422) that the link no longer works.
#[utoipa::path(
    tag = "auth",
    request_body(content = LinkForm, content_type = "application/x-www-form-urlencoded", description = "The link's token"),
    responses(
        (status = 200, description = "Confirmed", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Address confirmed</h1>..."),
        (status = 422, description = "The link no longer works", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
    )
)]
#[post("/auth/verify-email/page")]
pub async fn verify_email_page_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let (lang, t) = language(&req);
    let posted: LinkForm = form(&body);
    let Some(token) = posted.token.as_deref() else {
        return Ok(no_link(lang, t));
    };
    let client = Client::of(&req);
    match recovery::verify_email(&pool, &auth, &client, Proof::Link { token }).await {
        Ok(_) => Ok(said(
            StatusCode::OK,
            lang,
            &t.verified_title,
            &t.verified_body,
        )),
        Err(ApiError::Unprocessable { .. }) => Ok(no_link(lang, t)),
        Err(e) => Err(e),
    }
}

/// The form of the reset page.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ResetForm {
    /// The token of the mailed link.
    #[schema(max_length = 64)]
    pub token: Option<String>,
    /// 8 to 128 characters, not easy to guess.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: Option<String>,
}

fn reset_form(t: &PageTexts, token: &str, problem: Option<&str>) -> String {
    let problem = alert(problem);
    format!(
        "{problem}<form method=\"post\">{}\
         <label>{}<br><input type=\"password\" name=\"new_password\" autocomplete=\"new-password\" minlength=\"8\" maxlength=\"128\" required></label><br>\
         <button type=\"submit\">{}</button></form><p>{}</p>",
        token_field(token),
        t.new_password_label,
        t.reset_button,
        t.reset_note,
    )
}

/// The page a password-reset link opens.
///
/// A form for the new password, posted back with the link's token; no script.
#[utoipa::path(
    tag = "auth",
    params(LinkQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
        (status = 422, description = "The link has no token, or not one the server gives", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
    )
)]
#[get("/auth/password-reset/page")]
pub async fn password_reset_page(req: HttpRequest, query: web::Query<LinkQuery>) -> HttpResponse {
    let (lang, t) = language(&req);
    let Some(token) = query.link_token() else {
        return no_link(lang, t);
    };
    page(
        StatusCode::OK,
        lang,
        &t.reset_title,
        &reset_form(t, token, None),
    )
}

/// Set a new password from the reset page.
///
/// Signs out every device of the account; no device is signed in.
#[utoipa::path(
    tag = "auth",
    request_body(content = ResetForm, content_type = "application/x-www-form-urlencoded", description = "The link's token and the new password"),
    responses(
        (status = 200, description = "Password set", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Password changed</h1>..."),
        (status = 422, description = "The link no longer works, or the password is too weak", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
        (status = 429, description = "Too many attempts", content_type = "text/html; charset=utf-8", body = String,
            example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Choose a new password</h1>..."),
    )
)]
#[post("/auth/password-reset/page")]
pub async fn password_reset_page_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let (lang, t) = language(&req);
    let posted: ResetForm = form(&body);
    let (Some(token), Some(new_password)) = (posted.token.as_deref(), posted.new_password) else {
        return Ok(no_link(lang, t));
    };
    if let Err(e) = check_limits(&pool, &auth, &req, None).await {
        return too_many(e, lang, &t.reset_title, &reset_form(t, token, None));
    }
    let hash = match password::hash_new("new_password", &new_password, &[]).await {
        Ok(hash) => hash,
        Err(ApiError::Unprocessable { .. } | ApiError::Validation { .. }) => {
            let form = reset_form(t, token, Some(&t.weak_password));
            return Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                &t.reset_title,
                &form,
            ));
        }
        Err(e) => return Err(e),
    };
    let client = Client::of(&req);
    match recovery::reset_password(&pool, &auth, &client, Proof::Link { token }, &hash, None).await
    {
        Ok(_) => Ok(said(
            StatusCode::OK,
            lang,
            &t.reset_done_title,
            &t.reset_done_body,
        )),
        Err(ApiError::Unprocessable { .. }) => Ok(no_link(lang, t)),
        Err(e) => Err(e),
    }
}

/// The page the undo link of an email change opens.
///
/// A form that, when posted, keeps the old address (opening the link alone changes
/// nothing).
#[utoipa::path(
    tag = "auth",
    params(LinkQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Keep your email address</h1>..."),
        (status = 422, description = "The link has no token, or not one the server gives", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
    )
)]
#[get("/auth/email-change/undo/page")]
pub async fn undo_email_change_page(
    req: HttpRequest,
    query: web::Query<LinkQuery>,
) -> HttpResponse {
    let (lang, t) = language(&req);
    let Some(token) = query.link_token() else {
        return no_link(lang, t);
    };
    let body = format!(
        "<p>{}</p>{}",
        t.undo_body,
        button_form(token, &t.undo_button)
    );
    page(StatusCode::OK, lang, &t.undo_title, &body)
}

/// Undo an email change from the undo page.
///
/// The old address is the account's again, every device is signed out, and a password
/// reset code is mailed to it. 409 when another account has taken the address since.
#[utoipa::path(
    tag = "auth",
    request_body(content = LinkForm, content_type = "application/x-www-form-urlencoded", description = "The link's token"),
    responses(
        (status = 200, description = "Undone", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Your address is kept</h1>..."),
        (status = 409, description = "Another account has this address now", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This address is taken</h1>..."),
        (status = 422, description = "The link no longer works", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>This link no longer works</h1>..."),
        (status = 429, description = "Too many attempts", content_type = "text/html; charset=utf-8", body = String,
            example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Keep your email address</h1>..."),
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
    let (lang, t) = language(&req);
    let posted: LinkForm = form(&body);
    let Some(token) = posted.token.as_deref() else {
        return Ok(no_link(lang, t));
    };
    if let Err(e) = check_limits(&pool, &auth, &req, None).await {
        let form = button_form(token, &t.undo_button);
        return too_many(e, lang, &t.undo_title, &form);
    }
    match email_change::undo(&pool, &auth, &mailer, &Client::of(&req), token).await {
        Ok(Undone::Restored) => Ok(said(
            StatusCode::OK,
            lang,
            &t.undo_done_title,
            &t.undo_done_body,
        )),
        Ok(Undone::AddressTaken) => Ok(said(
            StatusCode::CONFLICT,
            lang,
            &t.undo_taken_title,
            &t.undo_taken_body,
        )),
        Err(ApiError::Unprocessable { .. }) => Ok(no_link(lang, t)),
        Err(e) => Err(e),
    }
}
