//! HTTP plumbing shared by every feature: problem+json for actix's own errors,
//! 404/405 for unmatched requests, language negotiation and conditional GETs.

use std::collections::BTreeSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::error::ApiError;

/// Reads a body that must be a JSON object. serde would also build a struct from an
/// array of its fields in order (`[]` for one whose fields are all optional), which no
/// client means; here the body is read as a map, so anything else is a 422, and the
/// struct is built from that map as usual (duplicate and unknown fields are refused).
struct ObjectBody<T>(T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for ObjectBody<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
            type Value = T;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }

        d.deserialize_map(Object(std::marker::PhantomData))
            .map(Self)
    }
}

/// A JSON object body, with the problems of `web::Json` (400/413/415/422) for anything
/// else; every handler reads its body with this (or [`OptionalJson`]).
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = read_json(req, payload);
        Box::pin(async move {
            match body.await? {
                Some(value) => Ok(Self(value)),
                None => Err(ApiError::bad_request(
                    "malformed_json",
                    "the request needs a JSON object as its body",
                )
                .into()),
            }
        })
    }
}

/// A JSON body that may be left out: no body (empty or only whitespace, however it is
/// framed, or `null`) gives `None`, but a body that is sent must be valid, with the same
/// 400/413/415/422 problems as [`Json`]. actix's own `Option<Json<T>>` would silently
/// drop a body it cannot read.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let body = read_json(req, payload);
        Box::pin(async move { Ok(Self(body.await?)) })
    }
}

/// Reads a body as a JSON object: `None` for no body (empty, whitespace or `null`); 413
/// beyond the body limit, 408 when it arrives too slowly, 503 when the bodies in flight
/// hold the whole memory budget (see [`crate::body`]), 415 when it is not sent as JSON,
/// 400 when it is not JSON, 422 naming the field when a value has the wrong type.
fn read_json<T: serde::de::DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
) -> futures_util::future::LocalBoxFuture<'static, Result<Option<T>, actix_web::Error>> {
    let is_json = matches!(actix_web::HttpMessage::mime_type(req), Ok(Some(m))
        if m.subtype() == actix_web::mime::JSON || m.suffix() == Some(actix_web::mime::JSON));
    let limit = req
        .app_data::<web::Data<crate::config::Config>>()
        .map_or(usize::MAX, |c| c.body_limit);
    let body = crate::body::read(req, payload);
    Box::pin(async move {
        let held = body.await?;
        let body = &held.bytes;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        if !is_json {
            return Err(json_error(JsonPayloadError::ContentType, limit).into());
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        let value: Option<ObjectBody<T>> =
            serde_path_to_error::deserialize(&mut de).map_err(body_error)?;
        de.end()
            .map_err(|e| ApiError::bad_request("malformed_json", format!("malformed JSON: {e}")))?;
        Ok(value.map(|b| b.0))
    })
}

/// A body that could not be read: 422 naming the field for a well-formed body with a
/// wrong value, 400 for broken JSON.
fn body_error(e: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = e.path().to_string();
    let inner = e.into_inner();
    if !inner.is_data() {
        return ApiError::bad_request("malformed_json", format!("malformed JSON: {inner}"));
    }
    // serde names a missing or unknown field in its message; a wrong value by position
    let message = inner.to_string();
    let named = ["missing field `", "unknown field `", "duplicate field `"]
        .iter()
        .find_map(|p| message.split_once(p))
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(name, _)| name);
    let field = match (path.as_str(), named) {
        ("." | "", Some(name)) => name.to_owned(),
        (parent, Some(name)) if message.starts_with("missing field") => format!("{parent}.{name}"),
        ("." | "", None) => "body".to_owned(),
        (path, _) => path.to_owned(),
    };
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    ApiError::Validation {
        detail: format!("{field}: {message}"),
        errors: vec![crate::error::FieldError::new(field, message)],
    }
}

/// Extractor settings whose errors are problem+json instead of actix's plain text.
pub fn extractor_configs(
    body_limit: usize,
) -> (web::JsonConfig, web::PathConfig, web::QueryConfig) {
    let json = web::JsonConfig::default()
        .limit(body_limit)
        .error_handler(move |err, _req| json_error(err, body_limit).into());
    let path = web::PathConfig::default()
        .error_handler(|err: PathError, _req| ApiError::bad_param("path", err.to_string()).into());
    let query = web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req| {
        let message = match &err {
            QueryPayloadError::Deserialize(e) => e.to_string(),
            other => other.to_string(),
        };
        ApiError::bad_request("bad_query", format!("query string: {message}")).into()
    });
    (json, path, query)
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge { limit }
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "the body must be JSON, sent with Content-Type: application/json".into(),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => ApiError::Validation {
            detail: e.to_string(),
            errors: Vec::new(),
        },
        JsonPayloadError::Deserialize(e) => {
            ApiError::bad_request("malformed_json", format!("malformed JSON: {e}"))
        }
        other => ApiError::bad_request("malformed_body", other.to_string()),
    }
}

/// The routes the app serves, used to tell 404 from 405 for unmatched requests.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, BTreeSet<String>)>,
}

impl RouteTable {
    /// Builds the table from the generated OpenAPI paths plus extra fixed routes.
    pub fn from_openapi(api: &utoipa::openapi::OpenApi, extra: &[(&str, &str)]) -> Self {
        let mut table = Self::default();
        for (path, item) in api.paths.paths.iter() {
            for method in method_names(item) {
                table.add(path, method);
            }
        }
        for (method, path) in extra {
            table.add(path, method);
        }
        table
    }

    fn add(&mut self, path: &str, method: &str) {
        let segments = split(path);
        match self.routes.iter_mut().find(|(s, _)| *s == segments) {
            Some((_, methods)) => {
                methods.insert(method.to_owned());
            }
            None => self
                .routes
                .push((segments, BTreeSet::from([method.to_owned()]))),
        }
    }

    /// Methods allowed on a concrete path, if any route template matches it.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let segments = split(path);
        let methods: BTreeSet<&str> = self
            .routes
            .iter()
            .filter(|(template, _)| matches_template(template, &segments))
            .flat_map(|(_, m)| m.iter().map(String::as_str))
            .collect();
        let head = methods.contains("GET").then_some("HEAD");
        (!methods.is_empty()).then(|| {
            methods
                .into_iter()
                .chain(head)
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

fn method_names(item: &utoipa::openapi::PathItem) -> Vec<&'static str> {
    [
        (item.get.is_some(), "GET"),
        (item.post.is_some(), "POST"),
        (item.put.is_some(), "PUT"),
        (item.patch.is_some(), "PATCH"),
        (item.delete.is_some(), "DELETE"),
    ]
    .into_iter()
    .filter_map(|(present, name)| present.then_some(name))
    .collect()
}

fn split(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn matches_template(template: &[String], segments: &[String]) -> bool {
    template.len() == segments.len()
        && template
            .iter()
            .zip(segments)
            .all(|(t, s)| (t.starts_with('{') && t.ends_with('}')) || t == s)
}

/// The default service: 405 with `Allow` when the path exists, 404 otherwise.
pub async fn unmatched(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    let method = req.method().as_str();
    Err(match routes.allowed(req.path()) {
        Some(allow) if !allow.split(", ").any(|m| m == method) => {
            ApiError::MethodNotAllowed { allow }
        }
        _ => ApiError::not_found(format!("no route for {} {}", req.method(), req.path())),
    })
}

/// Languages the catalog is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum Lang {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-Hans")]
    ZhHans,
    #[serde(rename = "zh-Hant")]
    ZhHant,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::ZhHans => "zh-Hans",
            Self::ZhHant => "zh-Hant",
        }
    }

    fn from_tag(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "*" || tag == "en" || tag.starts_with("en-") {
            return Some(Self::En);
        }
        if tag == "zh-hant" || tag.starts_with("zh-hant-") {
            return Some(Self::ZhHant);
        }
        // Regions that write traditional characters.
        if ["zh-tw", "zh-hk", "zh-mo"].contains(&tag.as_str()) {
            return Some(Self::ZhHant);
        }
        if tag == "zh" || tag.starts_with("zh-") {
            return Some(Self::ZhHans);
        }
        None
    }

    /// Picks the best language from `Accept-Language` (q-values honoured); English otherwise.
    pub fn negotiate(req: &HttpRequest) -> Self {
        let Some(value) = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::En;
        };
        let mut best: Option<(f32, usize, Self)> = None;
        for (index, part) in value.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(lang) = Self::from_tag(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bi, _)) => q > bq || (q == bq && index < bi),
                };
                if better {
                    best = Some((q, index, lang));
                }
            }
        }
        best.map_or(Self::En, |(_, _, lang)| lang)
    }
}

/// Content codings the server produces; each gets its own strong ETag.
const CODINGS: [&str; 4] = ["gzip", "br", "deflate", "zstd"];

/// `"tag-gzip"` → `"tag"`: the representation's tag without its content coding.
fn strip_coding(tag: &str) -> String {
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
/// 304 when `If-None-Match` matches, `Content-Language` and `Vary` set.
pub struct Cacheable {
    etag: String,
    lang: Lang,
}

impl Cacheable {
    pub fn new(req: &HttpRequest, version: &str, lang: Lang) -> Self {
        let mut hasher = DefaultHasher::new();
        req.uri().path().hash(&mut hasher);
        req.uri().query().unwrap_or_default().hash(&mut hasher);
        let etag = format!("\"{version}-{}-{:016x}\"", lang.tag(), hasher.finish());
        Self { etag, lang }
    }

    /// The 304 response when the client already holds this representation.
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
        builder
            .insert_header((header::ETAG, self.etag.clone()))
            .insert_header((
                header::CACHE_CONTROL,
                format!("public, max-age={CATALOG_MAX_AGE}"),
            ))
            .insert_header((header::CONTENT_LANGUAGE, self.lang.tag()))
            .insert_header((
                header::VARY,
                HeaderValue::from_static("Accept-Language, Accept-Encoding"),
            ));
        builder
    }

    /// Sends bytes that are already JSON (pre-rendered responses).
    pub fn json_bytes(&self, body: actix_web::web::Bytes) -> HttpResponse {
        self.headers(HttpResponse::Ok())
            .content_type(header::ContentType::json())
            .body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn lang(header: &str) -> Lang {
        Lang::negotiate(
            &TestRequest::default()
                .insert_header((header::ACCEPT_LANGUAGE, header))
                .to_http_request(),
        )
    }

    #[test]
    fn negotiates_languages() {
        assert_eq!(lang("zh-CN,zh;q=0.9,en;q=0.8"), Lang::ZhHans);
        assert_eq!(lang("zh-TW"), Lang::ZhHant);
        assert_eq!(lang("zh-Hant-HK, en;q=0.5"), Lang::ZhHant);
        assert_eq!(lang("fr-FR, en;q=0.3, zh;q=0.2"), Lang::En);
        assert_eq!(lang("fr"), Lang::En);
        assert_eq!(lang("en;q=0.1, zh-Hans;q=0.9"), Lang::ZhHans);
        assert_eq!(lang("zh;q=0, en"), Lang::En);
    }

    #[test]
    fn route_table_tells_404_from_405() {
        let mut t = RouteTable::default();
        t.add("/v1/points/{code}", "GET");
        t.add("/v1/me", "GET");
        t.add("/v1/me", "PATCH");
        assert_eq!(t.allowed("/v1/points/LI4").as_deref(), Some("GET, HEAD"));
        assert_eq!(t.allowed("/v1/me").as_deref(), Some("GET, PATCH, HEAD"));
        assert_eq!(t.allowed("/v1/nothing"), None);
    }
}
