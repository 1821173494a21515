//! Whole-catalog reads: safety data, the offline bundle and the content version.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};

use serde::Deserialize;
use utoipa::IntoParams;

use super::{CatalogHeaders, NoQuery, Read};
use crate::catalog::cache::ReadKey;
use crate::catalog::model::{Catalog, CatalogVersion, Safety};
use crate::catalog::query;
use crate::catalog::store::CatalogStore;
use crate::error::ApiResult;
use crate::http::Lang;
use crate::problems::ProblemCode;

/// Safety: general precautions, pregnancy lists and the disclaimer.
///
/// Acupressure complements medical care and does not replace it; apps should show the
/// disclaimer before a first routine.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery]))),
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "Precautions and disclaimer", body = Safety),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/safety")]
pub async fn get_safety(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let snapshot = &read.snapshot;
    read.answer(&req, ReadKey::Safety, |tr| snapshot.safety(tr))
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|part| {
                let mut pieces = part.split(';');
                let name = pieces.next().unwrap_or_default().trim();
                let refused = pieces.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
                });
                (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
            })
        })
}

/// Which language of the offline bundle to send.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    /// The bundle's language, overriding `Accept-Language`: a download link of its own
    /// per language. Texts not yet translated are in English (`Content-Language` says
    /// so: `zh-Hans, en`).
    #[param(value_type = Option<Lang>, example = "zh-Hant")]
    pub lang: Option<String>,
}

/// The whole catalog in one document, for an app's offline copy.
///
/// Points, meridians, conditions, routines and safety data in the requested language
/// (`lang`, else `Accept-Language`), each text in English where it has no translation.
/// Pre-rendered and pre-compressed: send `Accept-Encoding: gzip` and `If-None-Match`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery, ProblemCode::ValidationFailed]))),
    tag = "catalog",
    params(BundleQuery, CatalogHeaders),
    responses(
        (status = 200, description = "The complete catalog", body = Catalog),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/catalog")]
pub async fn get_catalog(
    req: HttpRequest,
    query: web::Query<BundleQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let lang = query::parse_choice::<Lang>("lang", query.lang.as_deref())?;
    let read = Read::in_lang(&req, &catalog, lang);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    if let Some(not_modified) = read.cache.not_modified(&req) {
        return Ok(not_modified);
    }
    let bundle = snapshot.bundle(lang);
    let language = bundle.content_language;
    let mut res = if accepts_gzip(&req) {
        let mut res = read.cache.json_bytes(bundle.gzip.clone(), language);
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
        res
    } else {
        read.cache.json_bytes(bundle.json.clone(), language)
    };
    res.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Accept-Encoding"),
    );
    Ok(res)
}

/// The catalog's content version, to check cheaply whether an offline copy is current.
///
/// The version changes whenever any catalog content changes. An app that keeps the offline
/// bundle compares it with its copy's version, or revalidates with `If-None-Match` and gets
/// 304 while nothing changed.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery]))),
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "Version and counts", body = CatalogVersion),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/catalog/version")]
pub async fn get_catalog_version(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let snapshot = &read.snapshot;
    read.answer(&req, ReadKey::Version, |_| snapshot.catalog_version())
}
