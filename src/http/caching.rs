//! Caching: conditional GETs of catalog responses (strong ETags per language and
//! content coding, 304), HEAD answered as GET, and `no-store` for account answers.

use std::hash::{DefaultHasher, Hash, Hasher};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use super::Lang;

/// Content codings the server produces; each gets its own strong ETag.
const CODINGS: [&str; 4] = ["gzip", "br", "deflate", "zstd"];

/// `"tag-gzip"` → `"tag"`: the representation's tag without its content coding.
pub fn strip_coding(tag: &str) -> String {
    for coding in CODINGS {
        if let Some(base) = tag.strip_suffix(&format!("-{coding}\"")) {
            return format!("{base}\"");
        }
    }
    tag.to_owned()
}

/// Middleware (outside compression): a compressed body is another representation,
/// so its strong ETag gets the coding appended (`"v-en-1a2b-gzip"`).
pub async fn etag_per_coding(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let coding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .filter(|c| CODINGS.contains(c))
        .map(str::to_owned);
    let etag = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let (Some(coding), Some(etag)) = (coding, etag)
        && etag.starts_with('"')
        && etag.ends_with('"')
        && let Ok(value) = HeaderValue::from_str(&format!("{}-{coding}\"", &etag[..etag.len() - 1]))
    {
        res.headers_mut().insert(header::ETAG, value);
    }
    Ok(res)
}

/// Middleware: HEAD is answered like GET (routing, validation, headers); the HTTP
/// layer sends no body for it.
pub async fn head_as_get(
    mut req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Middleware: answers about an account (tokens, profile, history) are never stored by
/// a browser, an app's HTTP cache or a proxy.
pub async fn private_no_store(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let path = req.path();
    let private = path == "/v1/me"
        || ["/v1/auth/", "/v1/me/", "/v1/admin/"]
            .iter()
            .any(|prefix| path.starts_with(prefix));
    let mut res = next.call(req).await?;
    if private {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// How long clients and shared caches may reuse a catalog response without asking.
const CATALOG_MAX_AGE: u32 = 300;

/// A cacheable catalog response: strong ETag over (content version, language, URL),
/// 304 when `If-None-Match` matches, `Vary` set (and a 200's `Content-Language`). A personal one
/// (signed in, with the reader's warnings) has an ETag of its own and is `private`.
pub struct Cacheable {
    etag: String,
    personal: bool,
}

impl Cacheable {
    pub fn new(req: &HttpRequest, version: &str, lang: Lang) -> Self {
        let mut hasher = DefaultHasher::new();
        req.uri().path().hash(&mut hasher);
        req.uri().query().unwrap_or_default().hash(&mut hasher);
        let etag = format!("\"{version}-{}-{:016x}\"", lang.tag(), hasher.finish());
        Self {
            etag,
            personal: false,
        }
    }

    /// The representation for a signed-in reader whose safety profile is `profile` (any
    /// number that differs between profiles): never the public ETag, never shared.
    pub fn personal(&self, profile: u32) -> Self {
        let base = self.etag.trim_end_matches('"');
        Self {
            etag: format!("{base}.p{profile:02x}\""),
            personal: true,
        }
    }

    /// The 304 for a request whose `If-None-Match` names this representation (in any
    /// content coding). Only call it for a request that would otherwise get 200.
    pub fn not_modified(&self, req: &HttpRequest) -> Option<HttpResponse> {
        let header = req.headers().get(header::IF_NONE_MATCH)?.to_str().ok()?;
        let matched = header
            .split(',')
            .map(str::trim)
            .find(|tag| *tag == "*" || strip_coding(tag.trim_start_matches("W/")) == self.etag)?;
        let mut res = self.headers(HttpResponse::NotModified()).finish();
        // Echo the validator the client holds (it may carry a coding suffix).
        if let Ok(value) = HeaderValue::from_str(if matched == "*" { &self.etag } else { matched })
        {
            res.headers_mut().insert(header::ETAG, value);
        }
        Some(res)
    }

    fn headers(
        &self,
        mut builder: actix_web::HttpResponseBuilder,
    ) -> actix_web::HttpResponseBuilder {
        let cache_control = if self.personal {
            // Only the reader's own client may keep it, and it asks again before reuse.
            "private, no-cache".to_owned()
        } else {
            format!("public, max-age={CATALOG_MAX_AGE}")
        };
        builder
            .insert_header((header::ETAG, self.etag.clone()))
            .insert_header((header::CACHE_CONTROL, cache_control))
            // A signed-in reader gets another representation: no cache may hand the
            // public one to them, or theirs to anyone.
            .insert_header((
                header::VARY,
                HeaderValue::from_static("Accept-Language, Accept-Encoding, Authorization"),
            ));
        builder
    }

    /// Sends bytes that are already JSON (pre-rendered responses), written in
    /// `content_language` (the language asked for, with `en` where texts fell back).
    pub fn json_bytes(
        &self,
        body: actix_web::web::Bytes,
        content_language: &'static str,
    ) -> HttpResponse {
        self.headers(HttpResponse::Ok())
            .insert_header((header::CONTENT_LANGUAGE, content_language))
            .content_type(header::ContentType::json())
            .body(body)
    }
}
