//! Conditions: the list by category and single conditions.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{CatalogHeaders, NoQuery, Read};
use crate::auth::Reader;
use crate::catalog::cache::{Page, ReadKey};
use crate::catalog::data::ConditionCategory;
use crate::catalog::model::{ConditionDetail, ConditionList};
use crate::catalog::query;
use crate::catalog::store::CatalogStore;
use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;

/// Paging and filters for conditions.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConditionsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 20)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Only conditions of this category.
    #[param(value_type = Option<ConditionCategory>, example = "pain")]
    pub category: Option<String>,
}

/// List conditions.
///
/// Conditions in name order, each with its category and the number of points that serve it.
/// Cursor-paginated; filter by category.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::ValidationFailed]))),
    tag = "catalog",
    params(ConditionsQuery, CatalogHeaders),
    responses(
        (status = 200, description = "A page of conditions", body = ConditionList),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/conditions")]
pub async fn list_conditions(
    req: HttpRequest,
    params: web::Query<ConditionsQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let category: Option<ConditionCategory> =
        query::parse_choice("category", params.category.as_deref())?;
    let page = Page::parse(params.limit.as_deref(), params.cursor.as_deref(), &category)?;
    let key = ReadKey::Conditions(category, page.clone());
    read.answer(&req, key, |tr| {
        read.snapshot.condition_page(tr, &category, &page)
    })
}

/// Get one condition: red flags, ranked points with evidence, routines.
///
/// Everything an app shows on a condition's page: when to see a doctor instead, the points
/// ranked by how often they are used for it with an honest evidence level, and the routines
/// that address it.
///
/// Signed in (optional), the answer also carries `warnings`: what your safety profile
/// says about it, as `POST /v1/safety/check` would. That answer is `private`, with an
/// ETag of its own.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery, ProblemCode::NotFound]))),
    tag = "catalog",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "Condition slug", example = "tension-headache"), CatalogHeaders),
    responses(
        (status = 200, description = "The condition", body = ConditionDetail),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/conditions/{slug}")]
pub async fn get_condition(
    req: HttpRequest,
    reader: Reader,
    _query: web::Query<NoQuery>,
    slug: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let ci = read
        .snapshot
        .condition_index(&slug)
        .ok_or_else(|| ApiError::not_found(format!("no condition {}", slug.as_str())))?;
    read.answer_for(
        &req,
        &reader,
        ReadKey::Condition(ci),
        |tr| read.snapshot.condition_detail(ci, tr),
        || read.snapshot.condition_presses(ci),
    )
}
