//! Catalog endpoints: public, cacheable, served from the in-memory snapshot (search
//! included), with rendered bodies kept per canonical request.

//! One file per resource: `meridians`, `points`, `conditions`, `routines`, and
//! `bundle` (safety, the offline catalog and its version). `POST /v1/safety/check`,
//! which may check an own routine, is in `personal`.

mod bundle;
mod conditions;
mod meridians;
mod points;
mod routines;

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Reader;
use crate::catalog::cache::{ReadKey, Rendered};
use crate::catalog::model::{self, Localizer};
use crate::catalog::safety::{Press, Warning, warnings};
use crate::catalog::store::{CatalogStore, Snapshot};
use crate::error::{ApiError, ApiResult};
use crate::http::{Cacheable, Lang};
use crate::users::model::SafetyProfile;

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
        Self::in_lang(req, catalog, None)
    }

    /// [`Read::new`] in `lang` when one is given, else as `Accept-Language` asks.
    fn in_lang(req: &HttpRequest, catalog: &CatalogStore, lang: Option<Lang>) -> Self {
        let snapshot = catalog.get();
        let lang = lang.unwrap_or_else(|| Lang::negotiate(req));
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
        render: impl FnOnce(&Localizer) -> T,
    ) -> ApiResult<HttpResponse> {
        if let Some(not_modified) = self.cache.not_modified(req) {
            return Ok(not_modified);
        }
        let (body, content_language) = self.body(key, render)?;
        Ok(self.cache.json_bytes(body, content_language))
    }

    /// The public body and its language: rendered for an equivalent earlier request,
    /// else now, and kept.
    fn body<T: serde::Serialize>(
        &self,
        key: ReadKey,
        render: impl FnOnce(&Localizer) -> T,
    ) -> ApiResult<Rendered> {
        let key = (self.lang, key);
        Ok(match self.snapshot.cached_response(&key) {
            Some(rendered) => rendered,
            None => {
                let tr = Localizer::new(self.lang);
                let body = serde_json::to_vec(&render(&tr)).map_err(ApiError::internal)?;
                let rendered = (web::Bytes::from(body), tr.content_language());
                self.snapshot.cache_response(key, rendered.clone());
                rendered
            }
        })
    }

    /// [`Read::answer`] for a reader who may be signed in. Signed in, the public body
    /// also carries `warnings`: what the reader's safety profile says about `presses`,
    /// under a private ETag of its own (their messages are in English).
    fn answer_for<'s, T: serde::Serialize>(
        &'s self,
        req: &HttpRequest,
        reader: &Reader,
        key: ReadKey,
        render: impl FnOnce(&Localizer) -> T,
        presses: impl FnOnce() -> Vec<Press<'s>>,
    ) -> ApiResult<HttpResponse> {
        let Some(signed) = reader.0 else {
            return self.answer(req, key, render);
        };
        let personal = self.cache.personal(profile_key(&signed.profile));
        if let Some(not_modified) = personal.not_modified(req) {
            return Ok(not_modified);
        }
        let (body, content_language) = self.body(key, render)?;
        let warnings = warnings(&signed.profile, presses());
        let content_language = if warnings.is_empty() {
            content_language
        } else {
            model::content_language(self.lang, true)
        };
        Ok(personal.json_bytes(with_warnings(&body, &warnings)?, content_language))
    }
}

/// A number per safety profile: one bit per fact.
fn profile_key(profile: &SafetyProfile) -> u32 {
    [
        profile.pregnant,
        profile.bleeding_risk,
        profile.varicose_veins,
        profile.recent_surgery_or_fracture,
        profile.skin_condition,
    ]
    .iter()
    .enumerate()
    .map(|(bit, &fact)| u32::from(fact) << bit)
    .sum()
}

/// A rendered JSON object with `"warnings": [...]` added as its last member.
fn with_warnings(body: &[u8], warnings: &[Warning]) -> ApiResult<web::Bytes> {
    let open = body
        .strip_suffix(b"}")
        .ok_or_else(|| ApiError::internal("a catalog body is not a JSON object"))?;
    let mut out = Vec::with_capacity(body.len() + 64 + warnings.len() * 256);
    out.extend_from_slice(open);
    out.extend_from_slice(if open.ends_with(b"{") {
        b"\"warnings\":"
    } else {
        b",\"warnings\":"
    });
    serde_json::to_writer(&mut out, warnings).map_err(ApiError::internal)?;
    out.push(b'}');
    Ok(web::Bytes::from(out))
}
