//! `/account/delete`: deleting an account from a browser, the public link app stores
//! ask for beside the in-app path. A person gives the account's email and password, or
//! a code (or link) mailed to the address, and ticks a box; the account goes as with
//! `DELETE /v1/me`. No script, no cookie: the password or the mailed code is the proof,
//! and a post from another site is refused.

use std::collections::HashMap;
use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::AuthService;
use crate::auth::events::Client;
use crate::auth::recovery::{self, Purpose};
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::http::page::{form_fields, page};
use crate::mail::Mailer;
use crate::me::account;
use crate::me::account::WebProof;
use crate::users::Email;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(delete_page)
        .service(delete_page_post)
        .service(delete_code_post);
}

const TITLE: &str = "Delete your acupress account";

/// `s` safe in HTML text or an attribute.
fn escape(s: &str) -> String {
    crate::mail::templates::escape_html(s)
}

/// The warning every form of the page starts with.
const WHAT_GOES: &str = "<p>This deletes your account and everything it holds: your profile, your devices, \
     every session you logged, your routines, reminders and favorites. It cannot be undone.</p>";

const CONFIRM_BOX: &str = "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> \
     I understand that everything is deleted for good</label><br>";

fn alert(problem: Option<&str>) -> String {
    problem
        .map(|p| format!("<p role=\"alert\"><strong>{}</strong></p>", escape(p)))
        .unwrap_or_default()
}

fn email_field(email: &str) -> String {
    format!(
        "<label>Email<br><input type=\"email\" name=\"email\" autocomplete=\"username\" maxlength=\"254\" required value=\"{}\"></label><br>",
        escape(email)
    )
}

/// The page's two ways in: the password, or a code mailed to the address.
fn form(email: &str, problem: Option<&str>) -> String {
    format!(
        "{WHAT_GOES}{}<form method=\"post\" action=\"/account/delete\">{}\
         <label>Password<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" maxlength=\"128\" required></label><br>\
         {CONFIRM_BOX}<button type=\"submit\">Delete my account</button></form>\
         <h2>No password?</h2><p>If you sign in another way, we can mail a code to your address instead.</p>\
         <form method=\"post\" action=\"/account/delete/code\">{}<button type=\"submit\">Mail me a code</button></form>",
        alert(problem),
        email_field(email),
        email_field(email),
    )
}

/// The form for the code that was mailed to `email`.
fn code_form(email: &str, problem: Option<&str>) -> String {
    format!(
        "{WHAT_GOES}{}<p>If an account uses this address, a code to delete it is on its way. It works \
         for 15 minutes.</p><form method=\"post\" action=\"/account/delete\">{}\
         <label>Code<br><input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required></label><br>\
         {CONFIRM_BOX}<button type=\"submit\">Delete my account</button></form>",
        alert(problem),
        email_field(email),
    )
}

/// The form a mailed link opens: its token, and the box to tick.
fn link_form(token: &str, problem: Option<&str>) -> String {
    format!(
        "{WHAT_GOES}{}<form method=\"post\" action=\"/account/delete\">\
         <input type=\"hidden\" name=\"token\" value=\"{}\">{CONFIRM_BOX}\
         <button type=\"submit\">Delete my account</button></form>",
        alert(problem),
        escape(token),
    )
}

#[derive(Deserialize, IntoParams)]
pub struct DeletePageQuery {
    /// The token of a mailed deletion link.
    #[param(max_length = 64)]
    pub token: Option<String>,
}

/// The account deletion page.
///
/// Forms for the account's email and password, or for a code mailed to the address;
/// opened from a mailed link (`token`), a form that deletes with it. No script.
#[utoipa::path(
    tag = "me",
    params(DeletePageQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
    )
)]
#[get("/account/delete")]
pub async fn delete_page(query: web::Query<DeletePageQuery>) -> HttpResponse {
    match query
        .token
        .as_deref()
        .filter(|t| !t.is_empty() && t.len() <= 64)
    {
        Some(token) => page(StatusCode::OK, TITLE, &link_form(token, None)),
        None => page(StatusCode::OK, TITLE, &form("", None)),
    }
}

/// Mail a deletion code to an account's address.
///
/// Takes `email`. The answer is the same page, in about the same time, whether or not
/// an account has the address; only then is a code and a link mailed. Limited per client
/// address and per email (429 page).
#[utoipa::path(
    tag = "me",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`email`"),
    responses(
        (status = 200, description = "The form for the code", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 403, description = "The form was posted from another site", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 422, description = "Not an email address", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 429, description = "Too many attempts", content_type = "text/html; charset=utf-8", body = String,
            headers(("retry-after" = u64, description = "Seconds to wait before trying again")),
            example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
    )
)]
#[post("/account/delete/code")]
pub async fn delete_code_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let arrived = Instant::now();
    if !posted_here(&req) {
        return Ok(cross_site());
    }
    let fields = form_fields(&body);
    let given = text_field(&fields, "email");
    let Ok(email) = Email::parse(&given) else {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form(&given, Some(NOT_AN_ADDRESS)),
        ));
    };
    let client = Client::of(&req);
    let asked = match auth.check_limits(&pool, &client.address, None).await {
        Ok(()) => {
            recovery::request_code(&pool, &auth, &mailer, &email, Purpose::AccountDelete).await
        }
        Err(e) => Err(e),
    };
    recovery::answer_floor(arrived).await;
    match asked {
        Ok(()) => Ok(page(
            StatusCode::OK,
            TITLE,
            &code_form(email.as_str(), None),
        )),
        Err(e) => limited(e, &form(email.as_str(), None)),
    }
}

const NOT_AN_ADDRESS: &str = "Please enter the email address of your account.";

/// A form field as posted, cut to the longest text any of the page's fields takes.
fn text_field(fields: &HashMap<String, String>, name: &str) -> String {
    fields
        .get(name)
        .map(|v| v.chars().take(254).collect())
        .unwrap_or_default()
}

fn refuse(status: StatusCode, body: &str) -> HttpResponse {
    page(status, TITLE, body)
}

fn cross_site() -> HttpResponse {
    refuse(
        StatusCode::FORBIDDEN,
        &form(
            "",
            Some(
                "This form only works from this page. Open the page again and send it from there.",
            ),
        ),
    )
}

/// A rate limit met: the page again with 429 and `Retry-After`; any other error as is.
fn limited(error: ApiError, body: &str) -> ApiResult<HttpResponse> {
    let ApiError::TooManyRequests { retry_after } = error else {
        return Err(error);
    };
    let notice = format!(
        "<p role=\"alert\"><strong>Too many attempts. Please try again in {retry_after} seconds.</strong></p>"
    );
    let mut answer = refuse(StatusCode::TOO_MANY_REQUESTS, &format!("{notice}{body}"));
    answer
        .headers_mut()
        .insert(actix_web::http::header::RETRY_AFTER, retry_after.into());
    Ok(answer)
}

/// Whether a posted form comes from this server's own page: a browser says where a
/// request comes from in `Sec-Fetch-Site` and `Origin`; one from another site is refused.
/// (The page's `Referrer-Policy: no-referrer` makes its own posts say `Origin: null`,
/// so only a real origin other than this server's counts against a post.)
fn posted_here(req: &HttpRequest) -> bool {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("?").to_owned())
    };
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site.as_str(), "same-origin" | "none")
    {
        return false;
    }
    match header("origin") {
        None => true,
        Some(origin) if origin == "null" => true,
        Some(origin) => {
            let info = req.connection_info();
            origin == format!("{}://{}", info.scheme(), info.host())
        }
    }
}

/// Delete an account from the deletion page.
///
/// Takes `confirm=yes` with `email` and `password`, `email` and the mailed `code`, or
/// the mailed link's `token`. The account and everything it owns go in one transaction,
/// as with `DELETE /v1/me`. Anything that does not prove the account is the same 422
/// page; attempts are limited per client address and per email (429 page).
#[utoipa::path(
    tag = "me",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`confirm=yes`, and `email` with `password` or `code`, or `token`"),
    responses(
        (status = 200, description = "The account is deleted", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Your account is deleted</h1>..."),
        (status = 403, description = "The form was posted from another site", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 422, description = "The email, password, code or link is not right, or the box is not ticked", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 429, description = "Too many attempts", content_type = "text/html; charset=utf-8", body = String,
            headers(("retry-after" = u64, description = "Seconds to wait before trying again")),
            example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
    )
)]
#[post("/account/delete")]
pub async fn delete_page_post(
    req: HttpRequest,
    body: web::Bytes,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    if !posted_here(&req) {
        return Ok(cross_site());
    }
    let fields = form_fields(&body);
    let given = text_field(&fields, "email");
    let (token, code) = (text_field(&fields, "token"), text_field(&fields, "code"));
    // The form to show again, for what was posted.
    let again = |problem: &str| {
        let body = if !token.is_empty() {
            link_form(&token, Some(problem))
        } else if fields.contains_key("code") {
            code_form(&given, Some(problem))
        } else {
            form(&given, Some(problem))
        };
        refuse(StatusCode::UNPROCESSABLE_ENTITY, &body)
    };
    if fields.get("confirm").map(String::as_str) != Some("yes") {
        return Ok(again(
            "Please tick the box to confirm that everything is deleted.",
        ));
    }
    let email = Email::parse(&given);
    let proof = match (&email, fields.get("password")) {
        _ if !token.is_empty() => WebProof::Link { token: &token },
        (Ok(email), Some(password)) => WebProof::Password {
            email,
            password: password.clone(),
        },
        (Ok(email), None) => WebProof::Code { email, code: &code },
        (Err(_), _) => return Ok(again(NOT_AN_ADDRESS)),
    };
    let wrong = match &proof {
        WebProof::Password { .. } => "The email or password is not right.",
        WebProof::Code { .. } => "The code is not right, or no longer works: ask for a new one.",
        WebProof::Link { .. } => "This link no longer works: ask for a new code.",
    };
    match account::delete_from_web(&pool, &auth, &Client::of(&req), proof).await {
        Ok(true) => Ok(page(
            StatusCode::OK,
            "Your account is deleted",
            "<p>Your account and everything it held are deleted. Every device it was signed in \
             on is signed out. Thank you for using acupress.</p>",
        )),
        Ok(false) => Ok(again(wrong)),
        Err(e) => limited(e, &form(&given, None)),
    }
}
