//! Routines: the list by condition and single routines.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{CatalogHeaders, NoQuery, Read};
use crate::auth::Reader;
use crate::catalog::cache::{Page, ReadKey};
use crate::catalog::model::{RoutineDetail, RoutineList};
use crate::catalog::store::CatalogStore;
use crate::error::{ApiError, ApiResult};
use crate::pagination;
use crate::problems::ProblemCode;

/// Paging and filters for routines.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RoutinesQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Only routines meant for this condition (slug); an unknown slug is a 422.
    #[param(example = "insomnia", pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub condition: Option<String>,
}

/// List curated routines.
///
/// Curated routines in name order, with their level, the conditions they address, step
/// count and total duration. Cursor-paginated; filter by condition or level.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::ValidationFailed]))),
    tag = "catalog",
    params(RoutinesQuery, CatalogHeaders),
    responses(
        (status = 200, description = "A page of routines", body = RoutineList),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/routines")]
pub async fn list_routines(
    req: HttpRequest,
    params: web::Query<RoutinesQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let condition = pagination::known("condition", params.condition.as_deref(), |s| {
        read.snapshot.condition_slug(s)
    })?;
    let page = Page::parse(
        params.limit.as_deref(),
        params.cursor.as_deref(),
        &condition,
    )?;
    let key = ReadKey::Routines(condition.clone(), page.clone());
    read.answer(&req, key, |tr| {
        read.snapshot.routine_page(tr, &condition, &page)
    })
}

/// Get one routine with its ordered steps and total duration.
///
/// The routine with its ordered steps: the point, side, seconds and pressure of each, ready
/// to guide a person through it or to copy into a session.
///
/// Signed in (optional), the answer also carries `warnings`: what your safety profile
/// says about it, as `POST /v1/safety/check` would. That answer is `private`, with an
/// ETag of its own.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery, ProblemCode::NotFound]))),
    tag = "catalog",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "Routine slug", example = "sleep-wind-down"), CatalogHeaders),
    responses(
        (status = 200, description = "The routine", body = RoutineDetail),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/routines/{slug}")]
pub async fn get_routine(
    req: HttpRequest,
    reader: Reader,
    _query: web::Query<NoQuery>,
    slug: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let ri = read
        .snapshot
        .routine_index(&slug)
        .ok_or_else(|| ApiError::not_found(format!("no routine {}", slug.as_str())))?;
    read.answer_for(
        &req,
        &reader,
        ReadKey::Routine(ri),
        |tr| read.snapshot.routine_detail(ri, tr),
        || read.snapshot.routine_presses(ri),
    )
}
