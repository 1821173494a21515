//! The server's own small HTML pages (a mailed link's form, account deletion): one
//! layout, no script, never cached, in the language the browser asks for; and the
//! fields of the forms they post.

use std::collections::HashMap;
use std::sync::LazyLock;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::lang::Lang;

/// The words of the pages in one language (`templates/pages.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageTexts {
    pub no_link_title: String,
    pub no_link_body: String,
    pub verify_title: String,
    pub verify_button: String,
    pub verified_title: String,
    pub verified_body: String,
    pub reset_title: String,
    pub new_password_label: String,
    pub reset_button: String,
    pub reset_note: String,
    pub weak_password: String,
    pub reset_done_title: String,
    pub reset_done_body: String,
    pub undo_title: String,
    pub undo_body: String,
    pub undo_button: String,
    pub undo_done_title: String,
    pub undo_done_body: String,
    pub undo_taken_title: String,
    pub undo_taken_body: String,
    pub delete_title: String,
    pub what_goes: String,
    pub confirm_box: String,
    pub email_label: String,
    pub password_label: String,
    pub code_label: String,
    pub delete_button: String,
    pub no_password_heading: String,
    pub no_password_body: String,
    pub mail_code_button: String,
    pub code_sent: String,
    pub deleted_title: String,
    pub deleted_body: String,
    pub cross_site: String,
    pub not_an_address: String,
    pub untick: String,
    pub wrong_password: String,
    /// A right password for an account with two-factor sign-in, on the deletion page.
    pub second_factor: String,
    pub wrong_code: String,
    pub dead_link: String,
    pub too_many: String,
}

static TEXTS: LazyLock<HashMap<String, PageTexts>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../templates/pages.toml"))
        .unwrap_or_else(|e| panic!("templates/pages.toml: {e}"))
});

/// The pages' words in `lang`.
pub fn texts(lang: Lang) -> &'static PageTexts {
    TEXTS
        .get(lang.tag())
        .unwrap_or_else(|| panic!("templates/pages.toml has no [{}]", lang.tag()))
}

/// The language of a page: the best of `Accept-Language`, with its words.
pub fn language(req: &HttpRequest) -> (Lang, &'static PageTexts) {
    let lang = Lang::negotiate(req);
    (lang, texts(lang))
}

/// A page in `lang` with `title` and `body` (HTML the caller escaped), stored by no
/// cache; it says its language, which depends on `Accept-Language`.
pub fn page(status: StatusCode, lang: Lang, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("content-language", lang.tag()))
        .insert_header(("vary", "Accept-Language"))
        .body(format!(
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em;line-height:1.5}}\
             input,button{{font-size:1em;padding:.4em;margin:.3em 0}}</style></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n",
            lang.tag()
        ))
}

/// A problem shown at the top of a form (one of the pages' own texts), or nothing.
pub fn alert(problem: Option<&str>) -> String {
    problem
        .map(|p| format!("<p role=\"alert\"><strong>{p}</strong></p>"))
        .unwrap_or_default()
}

/// A rate limit met on a page: `body` again under a notice, with 429 and
/// `Retry-After`; any other error as it is.
pub fn too_many(
    error: crate::error::ApiError,
    lang: Lang,
    title: &str,
    body: &str,
) -> Result<HttpResponse, crate::error::ApiError> {
    let crate::error::ApiError::TooManyRequests { retry_after } = error else {
        return Err(error);
    };
    let notice = texts(lang)
        .too_many
        .replace("{seconds}", &retry_after.to_string());
    let body = format!("{}{body}", alert(Some(&notice)));
    let mut answer = page(StatusCode::TOO_MANY_REQUESTS, lang, title, &body);
    answer
        .headers_mut()
        .insert(actix_web::http::header::RETRY_AFTER, retry_after.into());
    Ok(answer)
}

/// The query of a page a mailed link opens.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct LinkQuery {
    /// The token of the mailed link.
    #[param(max_length = 64)]
    pub token: Option<String>,
}

/// The longest token a link carries (32 bytes in base64url are 43 characters).
const MAX_TOKEN: usize = 64;

impl LinkQuery {
    /// The token, when there is one that could be the server's.
    pub fn link_token(&self) -> Option<&str> {
        self.token
            .as_deref()
            .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN)
    }
}

/// Reads a posted form (`application/x-www-form-urlencoded`) into `T`, whose fields
/// are optional strings; unknown fields are ignored, and a body that does not fit reads
/// as an empty form (which the page then refuses).
pub fn form<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> T {
    let fields: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(body)
        .into_owned()
        .map(|(name, value)| (name, serde_json::Value::String(value)))
        .collect();
    serde_json::from_value(serde_json::Value::Object(fields)).unwrap_or_default()
}

/// The form a mailed link's page posts back: the link's token.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct LinkForm {
    /// The token of the mailed link.
    #[schema(max_length = 64)]
    pub token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_word_of_the_pages() {
        for lang in Lang::ALL {
            let t = texts(lang);
            assert!(!t.delete_title.is_empty() && t.too_many.contains("{seconds}"));
        }
        assert_eq!(TEXTS.len(), Lang::ALL.len());
    }
}
