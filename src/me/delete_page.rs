//! `/account/delete`: deleting an account from a browser, the public link app stores
//! ask for beside the in-app path. A person gives the account's email and password, or
//! a code (or link) mailed to the address, and ticks a box; the account goes as with
//! `DELETE /v1/me`. No script, no cookie: the password or the mailed code is the proof,
//! and a post from another site is refused. In the language `Accept-Language` asks for.

use std::time::Instant;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::AuthService;
use crate::auth::events::Client;
use crate::auth::recovery::{self, Purpose};
use crate::db::DbPool;
use crate::error::{ApiError, ApiResult};
use crate::http::page::{LinkQuery, PageTexts, alert, form, language, page, too_many};
use crate::lang::Lang;
use crate::mail::Mailer;
use crate::mail::templates::escape_html as escape;
use crate::me::account::{self, WebDeletion, WebProof};
use crate::users::Email;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(delete_page)
        .service(delete_page_post)
        .service(delete_code_post);
}

/// The page in one language: its words, and the forms built from them.
struct Page {
    lang: Lang,
    t: &'static PageTexts,
}

impl Page {
    fn of(req: &HttpRequest) -> Self {
        let (lang, t) = language(req);
        Self { lang, t }
    }

    fn answer(&self, status: StatusCode, body: &str) -> HttpResponse {
        page(status, self.lang, &self.t.delete_title, body)
    }

    /// The warning every form starts with, and a problem to show.
    fn head(&self, problem: Option<&str>) -> String {
        format!("<p>{}</p>{}", self.t.what_goes, alert(problem))
    }

    fn email_field(&self, email: &str) -> String {
        format!(
            "<label>{}<br><input type=\"email\" name=\"email\" autocomplete=\"username\" maxlength=\"254\" required value=\"{}\"></label><br>",
            self.t.email_label,
            escape(email)
        )
    }

    /// The box to tick and the button, closing a deletion form.
    fn confirm(&self) -> String {
        format!(
            "<label><input type=\"checkbox\" name=\"confirm\" value=\"yes\" required> {}</label><br>\
             <button type=\"submit\">{}</button></form>",
            self.t.confirm_box, self.t.delete_button
        )
    }

    /// The page's two ways in: the password, or a code mailed to the address.
    fn form(&self, email: &str, problem: Option<&str>) -> String {
        let t = self.t;
        format!(
            "{}<form method=\"post\" action=\"/account/delete\">{}\
             <label>{}<br><input type=\"password\" name=\"password\" autocomplete=\"current-password\" maxlength=\"128\" required></label><br>{}\
             <h2>{}</h2><p>{}</p>\
             <form method=\"post\" action=\"/account/delete/code\">{}<button type=\"submit\">{}</button></form>",
            self.head(problem),
            self.email_field(email),
            t.password_label,
            self.confirm(),
            t.no_password_heading,
            t.no_password_body,
            self.email_field(email),
            t.mail_code_button,
        )
    }

    /// The form for the code that was mailed to `email`.
    fn code_form(&self, email: &str, problem: Option<&str>) -> String {
        format!(
            "{}<p>{}</p><form method=\"post\" action=\"/account/delete\">{}\
             <label>{}<br><input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required></label><br>{}",
            self.head(problem),
            self.t.code_sent,
            self.email_field(email),
            self.t.code_label,
            self.confirm(),
        )
    }

    /// The form a mailed link opens: its token, and the box to tick.
    fn link_form(&self, token: &str, problem: Option<&str>) -> String {
        format!(
            "{}<form method=\"post\" action=\"/account/delete\">\
             <input type=\"hidden\" name=\"token\" value=\"{}\">{}",
            self.head(problem),
            escape(token),
            self.confirm(),
        )
    }

    fn cross_site(&self) -> HttpResponse {
        self.answer(
            StatusCode::FORBIDDEN,
            &self.form("", Some(&self.t.cross_site)),
        )
    }

    /// A rate limit met: `body` again with 429 and `Retry-After`; any other error as is.
    fn limited(&self, error: ApiError, body: &str) -> ApiResult<HttpResponse> {
        too_many(error, self.lang, &self.t.delete_title, body)
    }
}

/// The account deletion page.
///
/// Forms for the account's email and password, or for a code mailed to the address;
/// opened from a mailed link (`token`), a form that deletes with it. No script.
#[utoipa::path(
    tag = "me",
    params(LinkQuery),
    responses(
        (status = 200, description = "The form", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 422, description = "A `token` no mailed link carries", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
    )
)]
#[get("/account/delete")]
pub async fn delete_page(req: HttpRequest, query: web::Query<LinkQuery>) -> HttpResponse {
    let p = Page::of(&req);
    match (query.link_token(), query.token.as_deref()) {
        (Some(token), _) => p.answer(StatusCode::OK, &p.link_form(token, None)),
        // A token no link of ours carries.
        (None, Some(given)) if !given.is_empty() => p.answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            &p.form("", Some(&p.t.dead_link)),
        ),
        (None, _) => p.answer(StatusCode::OK, &p.form("", None)),
    }
}

/// The longest text any field of the page takes (an email address); a longer one is
/// refused as it is (never cut down to something else), and is not shown back.
const MAX_FIELD: usize = 254;

/// A form field as posted; empty when absent or longer than [`MAX_FIELD`] (which makes
/// it an address, code or token that does not work: a 422).
fn text_field(field: &Option<String>) -> String {
    field
        .as_ref()
        .filter(|v| v.chars().count() <= MAX_FIELD)
        .cloned()
        .unwrap_or_default()
}

/// The form that asks for a deletion code.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CodeRequestForm {
    #[schema(max_length = 254, format = "email")]
    pub email: Option<String>,
}

/// The deletion form: `confirm`, and the email with the password or the mailed code, or
/// the mailed link's token.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DeleteForm {
    #[schema(max_length = 254, format = "email")]
    pub email: Option<String>,
    #[schema(max_length = 128)]
    pub password: Option<String>,
    /// The six digits mailed to the address.
    #[schema(max_length = 6)]
    pub code: Option<String>,
    /// The token of the mailed link.
    #[schema(max_length = 64)]
    pub token: Option<String>,
    /// `yes`: the box that says everything goes.
    #[schema(max_length = 3)]
    pub confirm: Option<String>,
}

/// Mail a deletion code to an account's address.
///
/// Takes `email`. The answer is the same page, in about the same time, whether or not
/// an account has the address; only then is a code and a link mailed. Limited per client
/// address and per email (429 page).
#[utoipa::path(
    tag = "me",
    request_body(content = CodeRequestForm, content_type = "application/x-www-form-urlencoded", description = "The account's email"),
    responses(
        (status = 200, description = "The form for the code", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 403, description = "The form was posted from another site", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 422, description = "Not an email address", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 429, description = "Too many attempts", content_type = "text/html; charset=utf-8", body = String,
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
    let p = Page::of(&req);
    if !posted_here(&req) {
        return Ok(p.cross_site());
    }
    let posted: CodeRequestForm = form(&body);
    let given = text_field(&posted.email);
    let Ok(email) = Email::parse(&given) else {
        let form = p.form(&given, Some(&p.t.not_an_address));
        return Ok(p.answer(StatusCode::UNPROCESSABLE_ENTITY, &form));
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
        Ok(()) => Ok(p.answer(StatusCode::OK, &p.code_form(email.as_str(), None))),
        Err(e) => p.limited(e, &p.form(email.as_str(), None)),
    }
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
    request_body(content = DeleteForm, content_type = "application/x-www-form-urlencoded", description = "`confirm=yes`, and `email` with `password` or `code`, or `token`"),
    responses(
        (status = 200, description = "The account is deleted", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Your account is deleted</h1>..."),
        (status = 403, description = "The form was posted from another site", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 422, description = "The email, password, code or link is not right, or the box is not ticked", content_type = "text/html; charset=utf-8", body = String, example = "<!DOCTYPE html>\n<html lang=\"en\">...<h1>Delete your acupress account</h1>..."),
        (status = 429, description = "Too many attempts", content_type = "text/html; charset=utf-8", body = String,
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
    let arrived = Instant::now();
    let p = Page::of(&req);
    if !posted_here(&req) {
        return Ok(p.cross_site());
    }
    let posted: DeleteForm = form(&body);
    let given = text_field(&posted.email);
    let (token, code) = (text_field(&posted.token), text_field(&posted.code));
    // The form to show again, for what was posted.
    let again = |problem: &str| {
        let body = if !token.is_empty() {
            p.link_form(&token, Some(problem))
        } else if posted.code.is_some() {
            p.code_form(&given, Some(problem))
        } else {
            p.form(&given, Some(problem))
        };
        p.answer(StatusCode::UNPROCESSABLE_ENTITY, &body)
    };
    if posted.confirm.as_deref() != Some("yes") {
        return Ok(again(&p.t.untick));
    }
    let email = Email::parse(&given);
    let proof = match (&email, &posted.password) {
        _ if !token.is_empty() => WebProof::Link { token: &token },
        (Ok(email), Some(password)) => WebProof::Password {
            email,
            password: password.clone(),
        },
        (Ok(email), None) => WebProof::Code { email, code: &code },
        (Err(_), _) => return Ok(again(&p.t.not_an_address)),
    };
    let wrong = match &proof {
        WebProof::Password { .. } => &p.t.wrong_password,
        WebProof::Code { .. } => &p.t.wrong_code,
        WebProof::Link { .. } => &p.t.dead_link,
    };
    let deleted = account::delete_from_web(&pool, &auth, &Client::of(&req), proof).await;
    // Whatever the proof and whether the account exists, the answer takes as long.
    recovery::answer_floor(arrived).await;
    match deleted {
        Ok(WebDeletion::Deleted) => {
            let body = format!("<p>{}</p>", p.t.deleted_body);
            Ok(page(StatusCode::OK, p.lang, &p.t.deleted_title, &body))
        }
        Ok(WebDeletion::Refused) => Ok(again(wrong)),
        Ok(WebDeletion::NeedsMailedProof) => Ok(again(&p.t.second_factor)),
        Err(e) => p.limited(e, &p.form(&given, None)),
    }
}
