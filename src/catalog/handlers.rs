//! Catalog endpoints: public, cacheable, served from the in-memory snapshot.

use actix_web::{HttpRequest, HttpResponse, get, web};

use crate::catalog::model::{Meridian, MeridianList};
use crate::catalog::store::CatalogStore;
use crate::error::{self, ApiError, ApiResult};
use crate::http::{Cacheable, Lang};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_meridians).service(get_meridian);
}

/// List the 14 meridians.
///
/// The twelve regular meridians and the Governor (GV) and Conception (CV) vessels,
/// in the WHO order. Names follow `Accept-Language` (`en`, `zh-Hans`, `zh-Hant`).
#[utoipa::path(
    tag = "catalog",
    params(
        ("accept-language" = Option<String>, Header, description = "Preferred language: en, zh-Hans or zh-Hant", example = "zh-Hans"),
        ("if-none-match" = Option<String>, Header, description = "ETag of a copy the client holds"),
    ),
    responses(
        (status = 200, description = "All meridians", body = MeridianList,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 500, response = error::Internal),
    )
)]
#[get("/meridians")]
pub async fn list_meridians(req: HttpRequest, catalog: web::Data<CatalogStore>) -> HttpResponse {
    let snapshot = catalog.get();
    let lang = Lang::negotiate(&req);
    let cache = Cacheable::new(&req, &snapshot.version, lang);
    if let Some(not_modified) = cache.not_modified(&req) {
        return not_modified;
    }
    cache.json(&MeridianList {
        items: snapshot
            .meridians
            .iter()
            .map(|m| m.localized(lang))
            .collect(),
        next_cursor: None,
    })
}

/// Get one meridian.
///
/// The code is matched case-insensitively, and older codes resolve to the WHO code
/// (`SJ` → `TE`, `LV` → `LR`, `DU` → `GV`, `REN` → `CV`).
#[utoipa::path(
    tag = "catalog",
    params(
        ("code" = String, Path, description = "Meridian code or alias", example = "LI"),
        ("accept-language" = Option<String>, Header, description = "Preferred language: en, zh-Hans or zh-Hant"),
        ("if-none-match" = Option<String>, Header, description = "ETag of a copy the client holds"),
    ),
    responses(
        (status = 200, description = "The meridian", body = Meridian,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, response = error::NotFound),
        (status = 500, response = error::Internal),
    )
)]
#[get("/meridians/{code}")]
pub async fn get_meridian(
    req: HttpRequest,
    code: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let snapshot = catalog.get();
    let meridian = snapshot
        .meridian(&code)
        .ok_or_else(|| ApiError::not_found(format!("no meridian with code {}", code.as_str())))?;
    let lang = Lang::negotiate(&req);
    let cache = Cacheable::new(&req, &snapshot.version, lang);
    if let Some(not_modified) = cache.not_modified(&req) {
        return Ok(not_modified);
    }
    Ok(cache.json(&meridian.localized(lang)))
}
