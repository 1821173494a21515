//! `/account/delete`: deleting an account from a browser, the public link app stores
//! ask for beside the in-app path. A person signs in on the form with email and password
//! and ticks a box; the account goes as with `DELETE /v1/me`. No script, no cookie: the
//! password is the proof, and a post from another site is refused.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::auth::AuthService;
use crate::auth::events::Client;
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::http::page::{form_fields, page};
use crate::me::account;
use crate::users::Email;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(delete_page).service(delete_page_post);
}

const TITLE: &str = "Delete your acupress account";

/// `s` safe in HTML text or an attribute.
fn escape(s: &str) -> String {
    crate::mail::templates::escape_html(s)
}

fn form(email: &str, problem: Option<&str>) -> String {
    let problem = problem
        .map(|p| format!("<p role=\"alert\"><strong>{}</strong></p>", escape(p)))
        .unwrap_or_default();
    format!(
        "<p>This deletes your account and everything it holds: your profile, your devices, \
         every session you logged, your routines, reminders and favorites. It cannot be undone.</p>\
         {problem}<form method=\"post\">\
         <label>Email<br><input type=\"email\" name=\"email\" autocomplete=\"username\" maxlength=\"254\" required value=\"{}\"></label><br>\
         <label>Password<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" maxlength=\"128\" required></label><br>\
         <label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> I understand that everything is deleted for good</label><br>\
         <button type=\"submit\">Delete my account</button></form>",
        escape(email)
    )
}

/// The account deletion page.
///
/// A form for the account's email and password; no script.
#[utoipa::path(
    tag = "me",
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
    )
)]
#[get("/account/delete")]
pub async fn delete_page() -> HttpResponse {
    page(StatusCode::OK, TITLE, &form("", None))
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
/// Takes `email`, `password` and `confirm=yes`. The account and everything it owns go in
/// one transaction, as with `DELETE /v1/me`. A wrong email or password is the same 422
/// page; attempts are limited per client address and per email (429 page).
#[utoipa::path(
    tag = "me",
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`email`, `password` and `confirm=yes`"),
    responses(
        (status = 200, description = "The account is deleted", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Your account is deleted</h1>..."),
        (status = 403, description = "The form was posted from another site", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 422, description = "The email or password is not right, or the box is not ticked", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
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
    let refuse = |status: StatusCode, email: &str, problem: &str| {
        page(status, TITLE, &form(email, Some(problem)))
    };
    if !posted_here(&req) {
        return Ok(refuse(
            StatusCode::FORBIDDEN,
            "",
            "This form only works from this page. Open the page again and send it from there.",
        ));
    }
    let fields = form_fields(&body);
    let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or_default();
    let given = field("email").chars().take(254).collect::<String>();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let Ok(email) = Email::parse(&given) else {
        return Ok(refuse(
            unprocessable,
            &given,
            "Please enter the email address of your account.",
        ));
    };
    if field("confirm") != "yes" {
        return Ok(refuse(
            unprocessable,
            &given,
            "Please tick the box to confirm that everything is deleted.",
        ));
    }
    let client = Client::of(&req);
    let password = field("password").to_owned();
    match account::delete_with_password(&pool, &auth, &client, &email, password).await {
        Ok(true) => Ok(page(
            StatusCode::OK,
            "Your account is deleted",
            "<p>Your account and everything it held are deleted. Every device it was signed in \
             on is signed out. Thank you for using acupress.</p>",
        )),
        Ok(false) => Ok(refuse(
            unprocessable,
            &given,
            "The email or password is not right.",
        )),
        Err(ApiError::TooManyRequests { retry_after }) => {
            let mut answer = refuse(
                StatusCode::TOO_MANY_REQUESTS,
                &given,
                &format!("Too many attempts. Please try again in {retry_after} seconds."),
            );
            answer
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, retry_after.into());
            Ok(answer)
        }
        Err(e) => Err(e),
    }
}
