//! Catalog endpoints: public, cacheable, served from the in-memory snapshot (search
//! included), with rendered bodies kept per canonical request.

//! One file per resource: `meridians`, `points`, `conditions`, `routines`, and
//! `bundle` (safety, the offline catalog and its version).

mod bundle;
mod conditions;
mod meridians;
mod points;
mod routines;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalog::cache::ReadKey;
use crate::catalog::store::{CatalogStore, Snapshot};
use crate::error::{ApiError, ApiResult};
use crate::http::{Cacheable, Lang};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(meridians::list_meridians)
        .service(meridians::get_meridian)
        .service(points::list_points)
        .service(points::get_point)
        .service(conditions::list_conditions)
        .service(conditions::get_condition)
        .service(routines::list_routines)
        .service(routines::get_routine)
        .service(bundle::get_safety)
        .service(bundle::get_catalog)
        .service(bundle::get_catalog_version);
}

/// Headers every catalog read accepts.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CatalogHeaders {
    /// Preferred language: `en`, `zh-Hans` or `zh-Hant` (q-values honoured).
    #[param(rename = "accept-language", example = "zh-Hans")]
    #[serde(rename = "accept-language")]
    pub accept_language: Option<String>,
    /// The `ETag` of a copy the client already holds, exactly as it was received (quotes
    /// included); answered with 304 while that copy is current.
    #[param(rename = "if-none-match")]
    #[serde(rename = "if-none-match")]
    pub if_none_match: Option<String>,
}

/// Endpoints without query parameters refuse any (400), as the list endpoints do.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoQuery {}

/// The snapshot, language and cache validator for one request.
struct Read {
    snapshot: std::sync::Arc<Snapshot>,
    lang: Lang,
    cache: Cacheable,
}

impl Read {
    fn new(req: &HttpRequest, catalog: &CatalogStore) -> Self {
        let snapshot = catalog.get();
        let lang = Lang::negotiate(req);
        let cache = Cacheable::new(req, &snapshot.version, lang);
        Self {
            snapshot,
            lang,
            cache,
        }
    }

    /// Answers a request that has passed validation (so a 304 is never given for one
    /// that would fail): 304 when the client already holds it, else the body rendered
    /// for an equivalent earlier request, else `render`'s, kept for the next one.
    fn answer<T: serde::Serialize>(
        &self,
        req: &HttpRequest,
        key: ReadKey,
        render: impl FnOnce() -> T,
    ) -> ApiResult<HttpResponse> {
        if let Some(not_modified) = self.cache.not_modified(req) {
            return Ok(not_modified);
        }
        let key = (self.lang, key);
        let body = match self.snapshot.cached_response(&key) {
            Some(body) => body,
            None => {
                let body =
                    web::Bytes::from(serde_json::to_vec(&render()).map_err(ApiError::internal)?);
                self.snapshot.cache_response(key, body.clone());
                body
            }
        };
        Ok(self.cache.json_bytes(body))
    }
}
