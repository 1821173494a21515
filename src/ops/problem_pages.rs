//! The page a problem's `type` URI points to, built from the table of problem types.

use actix_web::{HttpResponse, get, web};

use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;

/// HTML text, with `quoted` parts set as code.
fn html(text: &str) -> String {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    escaped
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

/// What a problem type means.
///
/// The page a problem's `type` (`/problems/email-taken`) points to: its code, status,
/// meaning and what a client should do, as a short HTML page.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "operations",
    params(("type" = String, Path, description = "The problem type: a `code` with dashes", example = "email-taken")),
    responses(
        (status = 200, description = "A short page about the problem type", body = String,
            content_type = "text/html; charset=utf-8",
            example = "<!doctype html><title>email_taken</title><h1>email_taken (409)</h1>..."),
    )
)]
#[get("/problems/{type}")]
pub async fn problem_page(path: web::Path<String>) -> ApiResult<HttpResponse> {
    let code = path.into_inner().replace('-', "_");
    let p = ProblemCode::parse(&code)
        .ok_or_else(|| ApiError::NotFound(format!("no problem type {code}")))?;
    let code = p.as_str();
    let page = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code}</title></head>\n\
         <body><h1>{code} ({status}): {title}</h1>\n<p>{meaning}</p>\n<h2>What to do</h2>\n<p>{todo}</p>\n\
         <p>Every acupress error is an RFC 9457 problem document with this <code>code</code>; \
         see <a href=\"/docs/\">the API reference</a>.</p></body></html>\n",
        status = p.status(),
        title = html(p.title()),
        meaning = html(p.meaning()),
        todo = html(p.what_to_do()),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=86400"))
        .body(page))
}
