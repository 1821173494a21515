//! The meridians and each meridian's points.

use actix_web::{HttpRequest, HttpResponse, get, web};

use super::{CatalogHeaders, NoQuery, Read};
use crate::catalog::cache::ReadKey;
use crate::catalog::model::{MeridianDetail, MeridianList};
use crate::catalog::store::CatalogStore;
use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;

/// List the 14 meridians.
///
/// The twelve regular meridians and the Governor (GV) and Conception (CV) vessels,
/// in WHO order. Names follow `Accept-Language`.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery]))),
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "All meridians", body = MeridianList),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/meridians")]
pub async fn list_meridians(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let snapshot = &read.snapshot;
    read.answer(&req, ReadKey::Meridians, |tr| MeridianList {
        items: snapshot.meridians.iter().map(|m| m.localized(tr)).collect(),
        next_cursor: None,
    })
}

/// Get one meridian and its points in order.
///
/// The code is matched case-insensitively, and older codes resolve to the WHO code
/// (`SJ` → `TE`, `LV` → `LR`, `DU` → `GV`, `REN` → `CV`).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery, ProblemCode::NotFound]))),
    tag = "catalog",
    params(("code" = String, Path, description = "Meridian code or alias", example = "LI"), CatalogHeaders),
    responses(
        (status = 200, description = "The meridian with its points", body = MeridianDetail),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/meridians/{code}")]
pub async fn get_meridian(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    code: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let snapshot = &read.snapshot;
    let meridian = snapshot
        .meridian(&code)
        .ok_or_else(|| ApiError::not_found(format!("no meridian with code {}", code.as_str())))?;
    read.answer(&req, ReadKey::Meridian(meridian.code.clone()), |tr| {
        MeridianDetail {
            meridian: meridian.localized(tr),
            points: snapshot
                .meridian_points(&meridian.code)
                .map(|i| snapshot.point_summary(i, tr, Vec::new()))
                .collect(),
        }
    })
}
