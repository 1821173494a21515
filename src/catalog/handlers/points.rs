//! The point list (filters and search) and single points.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{CatalogHeaders, NoQuery, Read};
use crate::auth::Reader;
use crate::catalog::cache::{Page, PointFilters, ReadKey};
use crate::catalog::data::{BodyRegion, PointKind, Pregnancy};
use crate::catalog::model::{PointDetail, PointList};
use crate::catalog::query;
use crate::catalog::search::{self, Umlaut};
use crate::catalog::store::{CatalogStore, Snapshot};
use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;

/// Filters for the point list. All are optional and combine with AND.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PointsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page, with the same filters (opaque; any other value
    /// is a 400).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Meridian code or alias (`LI`, `SJ`).
    #[param(example = "LI", max_length = 40)]
    pub meridian: Option<String>,
    /// Body region.
    #[param(value_type = Option<BodyRegion>, example = "hand")]
    pub region: Option<String>,
    /// One to ten condition slugs, comma-separated; points serving more of them rank
    /// first. An unknown slug is a 422.
    #[param(
        example = "insomnia,stress",
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*(,[a-z0-9]+(-[a-z0-9]+)*){0,9}$"
    )]
    pub condition: Option<String>,
    /// Pregnancy level: `not_listed` (on none of the caution lists), `caution` or
    /// `contraindicated`.
    #[param(value_type = Option<Pregnancy>, example = "not_listed")]
    pub pregnancy: Option<String>,
    /// `standard` (the 361 WHO points) or `extra`.
    #[param(value_type = Option<PointKind>, example = "standard")]
    pub kind: Option<String>,
    /// Search: a code in any spelling, pinyin with or without tones and spaces, Chinese
    /// characters, English names, old names, condition names; tolerates typos. Results
    /// are ranked and each says why it matched. 1 to 100 characters, no control characters.
    #[param(example = "hegu", min_length = 1, max_length = 100)]
    pub q: Option<String>,
}

const MAX_CONDITIONS: usize = 10;

fn parse_conditions(snapshot: &Snapshot, raw: Option<&str>) -> ApiResult<Vec<usize>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let slugs: Vec<&str> = raw.split(',').map(str::trim).collect();
    if slugs.len() > MAX_CONDITIONS || slugs.iter().any(|s| s.is_empty()) {
        return Err(ApiError::invalid(
            "condition",
            format!("must be 1 to {MAX_CONDITIONS} comma-separated condition slugs"),
        ));
    }
    let mut indexes = Vec::new();
    for slug in slugs {
        let ci = snapshot
            .condition_index(slug)
            .ok_or_else(|| ApiError::invalid("condition", format!("unknown condition `{slug}`")))?;
        if !indexes.contains(&ci) {
            indexes.push(ci);
        }
    }
    Ok(indexes)
}

/// Parses and canonicalises the point-list filters (422 naming the field otherwise).
fn point_filters(snapshot: &Snapshot, p: &PointsQuery) -> ApiResult<PointFilters> {
    let meridian = p
        .meridian
        .as_deref()
        .map(|m| {
            snapshot
                .meridian(m)
                .map(|m| m.code.clone())
                .ok_or_else(|| ApiError::invalid("meridian", format!("unknown meridian `{m}`")))
        })
        .transpose()?;
    let kind: Option<PointKind> = query::parse_choice("kind", p.kind.as_deref())?;
    Ok(PointFilters {
        meridian,
        region: query::parse_choice("region", p.region.as_deref())?,
        conditions: parse_conditions(snapshot, p.condition.as_deref())?,
        pregnancy: query::parse_choice::<Pregnancy>("pregnancy", p.pregnancy.as_deref())?,
        standard: kind.map(|k| k == PointKind::Standard),
        q: query::parse_text("q", p.q.as_deref())?.map(|q| search::key(&q, Umlaut::U)),
    })
}

/// List and search points.
///
/// Without `q`, points come in WHO order (meridian by meridian, extra points last).
/// With `condition`, points serving more of the conditions, and ranked higher for them,
/// come first. With `q`, the best matches come first and each item's `matches` says
/// why it matched.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::InvalidCursor, ProblemCode::ValidationFailed]))),
    tag = "catalog",
    params(PointsQuery, CatalogHeaders),
    responses(
        (status = 200, description = "A page of points", body = PointList),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/points")]
pub async fn list_points(
    req: HttpRequest,
    params: web::Query<PointsQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let filters = point_filters(&read.snapshot, &params)?;
    let page = Page::parse(params.limit.as_deref(), params.cursor.as_deref(), &filters)?;
    let key = ReadKey::Points(filters.clone(), page.clone());
    read.answer(&req, key, |tr| {
        read.snapshot.point_page(tr, &filters, &page)
    })
}

/// Get one point with its self-care guidance, conditions and routines.
///
/// The code may be written in any spelling (`LI4`, `li-4`, `Li 4`); old names
/// (`Renzhong` for GV26) and unambiguous pinyin (`hegu`) resolve too.
///
/// Signed in (optional), the answer also carries `warnings`: what your safety profile
/// says about it, as `POST /v1/safety/check` would. That answer is `private`, with an
/// ETag of its own.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::BadQuery, ProblemCode::NotFound]))),
    tag = "catalog",
    security((), ("bearer" = [])),
    params(("code" = String, Path, description = "Point code, alias or pinyin", example = "LI4"), CatalogHeaders),
    responses(
        (status = 200, description = "The point", body = PointDetail),
        (status = 304, description = "The client's copy is current"),
    )
)]
#[get("/points/{code}")]
pub async fn get_point(
    req: HttpRequest,
    reader: Reader,
    _query: web::Query<NoQuery>,
    code: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let snapshot = &read.snapshot;
    let i = snapshot
        .point_index(&code)
        .ok_or_else(|| ApiError::not_found(format!("no point with code {}", code.as_str())))?;
    read.answer_for(
        &req,
        &reader,
        ReadKey::Point(i),
        |tr| snapshot.point_detail(i, tr),
        || snapshot.point_presses(i),
    )
}
