//! The server's own small HTML pages (a mailed link's form, account deletion): one
//! layout, no script, never cached; and the fields of the forms they post.

use std::collections::HashMap;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

/// A page with `title` and `body` (HTML the caller escaped), stored by no cache.
pub fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title><style>body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em;line-height:1.5}}\
             input,button{{font-size:1em;padding:.4em;margin:.3em 0}}</style></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
        ))
}

/// The fields of a posted form (`application/x-www-form-urlencoded`).
pub fn form_fields(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}
