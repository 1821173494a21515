//! Catalog endpoints: public, cacheable, served from the in-memory snapshot (search
//! included), with rendered bodies kept per canonical request.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::catalog::cache::{Page, PointFilters, ReadKey};
use crate::catalog::data::{BODY_REGIONS, CONDITION_CATEGORIES, PointKind, Pregnancy};
use crate::catalog::model::*;
use crate::catalog::query;
use crate::catalog::search::{self, Umlaut};
use crate::catalog::store::{CatalogStore, Snapshot};
use crate::error::{self, ApiError, ApiResult};
use crate::http::{Cacheable, Lang};
use crate::pagination::{self, SortKey};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_meridians)
        .service(get_meridian)
        .service(list_points)
        .service(get_point)
        .service(list_conditions)
        .service(get_condition)
        .service(list_routines)
        .service(get_routine)
        .service(get_safety)
        .service(get_catalog)
        .service(get_catalog_version);
}

/// Headers every catalog read accepts.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct CatalogHeaders {
    /// Preferred language: `en`, `zh-Hans` or `zh-Hant` (q-values honoured).
    #[param(rename = "accept-language", example = "zh-Hans")]
    #[serde(rename = "accept-language")]
    pub accept_language: Option<String>,
    /// ETag of a copy the client already holds; answered with 304 when still current.
    #[param(
        rename = "if-none-match",
        example = "\"06d1ecd225887869-en-2977582f8158cb71\""
    )]
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

/// List the 14 meridians.
///
/// The twelve regular meridians and the Governor (GV) and Conception (CV) vessels,
/// in WHO order. Names follow `Accept-Language`.
#[utoipa::path(
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "All meridians", body = MeridianList,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
    )
)]
#[get("/meridians")]
pub async fn list_meridians(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    read.answer(&req, ReadKey::Meridians, || MeridianList {
        items: snapshot
            .meridians
            .iter()
            .map(|m| m.localized(lang))
            .collect(),
        next_cursor: None,
    })
}

/// Get one meridian and its points in order.
///
/// The code is matched case-insensitively, and older codes resolve to the WHO code
/// (`SJ` → `TE`, `LV` → `LR`, `DU` → `GV`, `REN` → `CV`).
#[utoipa::path(
    tag = "catalog",
    params(("code" = String, Path, description = "Meridian code or alias", example = "LI"), CatalogHeaders),
    responses(
        (status = 200, description = "The meridian with its points", body = MeridianDetail,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, response = error::NotFound),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
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
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let meridian = snapshot
        .meridian(&code)
        .ok_or_else(|| ApiError::not_found(format!("no meridian with code {}", code.as_str())))?;
    read.answer(&req, ReadKey::Meridian(meridian.code.clone()), || {
        MeridianDetail {
            meridian: meridian.localized(lang),
            points: snapshot
                .meridian_points(&meridian.code)
                .map(|i| snapshot.point_summary(i, lang, Vec::new()))
                .collect(),
        }
    })
}

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
    #[param(example = "LI")]
    pub meridian: Option<String>,
    /// Body region.
    #[param(
        example = "hand",
        pattern = "^(head|face|neck|shoulder_scapula|axilla|chest|upper_back|lower_back|sacrum_buttock_perineum|abdomen|upper_arm_elbow|forearm_wrist|hand|hip_thigh|knee|lower_leg|ankle|foot)$"
    )]
    pub region: Option<String>,
    /// One to ten condition slugs, comma-separated; points serving more of them rank
    /// first. An unknown slug is a 422.
    #[param(
        example = "insomnia,stress",
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*(,[a-z0-9]+(-[a-z0-9]+)*){0,9}$"
    )]
    pub condition: Option<String>,
    /// Pregnancy level: `safe`, `caution` or `contraindicated`.
    #[param(value_type = Option<Pregnancy>, example = "safe")]
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

const PREGNANCY_LEVELS: [&str; 3] = ["safe", "caution", "contraindicated"];
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
    let region = query::parse_choice("region", p.region.as_deref(), &BODY_REGIONS)?;
    let pregnancy = query::parse_choice("pregnancy", p.pregnancy.as_deref(), &PREGNANCY_LEVELS)?
        .map(|level| level.parse::<Pregnancy>())
        .transpose()
        .map_err(ApiError::internal)?;
    let kind = query::parse_choice("kind", p.kind.as_deref(), &["standard", "extra"])?;
    Ok(PointFilters {
        meridian,
        region: region.map(str::to_owned),
        conditions: parse_conditions(snapshot, p.condition.as_deref())?,
        pregnancy,
        standard: kind.map(|k| k == "standard"),
        q: query::parse_text("q", p.q.as_deref())?.map(|q| search::key(&q, Umlaut::U)),
    })
}

/// One page of the points passing `f`, ranked. Only the items of the page get their
/// `matches` (a short prefix matches hundreds of points; their reasons would be dropped).
fn point_page(
    snapshot: &Snapshot,
    lang: Lang,
    f: &PointFilters,
    page: &Page,
    hash: u64,
) -> PointList {
    let hits = f.q.as_deref().map(|k| snapshot.search(k));
    let served = |i: usize| {
        f.conditions
            .iter()
            .filter_map(move |&ci| snapshot.condition_rank(i, ci).map(|rank| (ci, rank)))
    };
    let mut items: Vec<(SortKey, usize)> = Vec::new();
    for (i, point) in snapshot.points.iter().enumerate() {
        if f.meridian
            .as_ref()
            .is_some_and(|m| point.meridian.as_ref() != Some(m))
            || f.region.as_ref().is_some_and(|r| &point.body_region != r)
            || f.pregnancy.is_some_and(|level| point.pregnancy != level)
            || f.standard
                .is_some_and(|s| (point.kind == PointKind::Standard) != s)
        {
            continue;
        }
        let mut key: SortKey = [0, 0, i as i64];
        if !f.conditions.is_empty() {
            let (count, ranks) =
                served(i).fold((0i64, 0i64), |(n, sum), (_, r)| (n + 1, sum + r as i64));
            if count == 0 {
                continue;
            }
            key[1] = -(count * 1000) + ranks;
        }
        if let Some(hits) = &hits {
            let Some(hit) = hits[i] else {
                continue;
            };
            key[0] = -(hit.score * 1000.0).round() as i64;
        }
        items.push((key, i));
    }
    items.sort_unstable_by_key(|(key, _)| *key);
    let (page, next_cursor) = pagination::paginate(items, page.after, page.limit, hash);
    let items = page
        .into_iter()
        .map(|i| {
            let hit = hits.as_ref().and_then(|hits| hits[i]);
            let matches = hit
                .map(|hit| MatchReason {
                    field: hit.field.as_str().into(),
                    value: hit.value.into(),
                })
                .into_iter()
                .chain(served(i).map(|(ci, _)| MatchReason {
                    field: "condition".into(),
                    value: snapshot.conditions[ci].slug.clone(),
                }))
                .collect();
            snapshot.point_summary(i, lang, matches)
        })
        .collect();
    PointList { items, next_cursor }
}

/// List and search points.
///
/// Without `q`, points come in WHO order (meridian by meridian, extra points last).
/// With `condition`, points serving more of the conditions, and ranked higher for them,
/// come first. With `q`, the best matches come first and each item's `matches` says
/// why it matched.
#[utoipa::path(
    tag = "catalog",
    params(PointsQuery, CatalogHeaders),
    responses(
        (status = 200, description = "A page of points", body = PointList,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 422, response = error::Unprocessable),
        (status = 500, response = error::Internal),
    )
)]
#[get("/points")]
pub async fn list_points(
    req: HttpRequest,
    params: web::Query<PointsQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let p = params.into_inner();
    let limit = pagination::parse_limit(p.limit.as_deref())?;
    let filters = point_filters(snapshot, &p)?;
    let hash = pagination::filter_hash(&filters);
    let page = Page {
        limit,
        after: pagination::decode_cursor(p.cursor.as_deref(), hash)?,
    };
    let key = ReadKey::Points(filters.clone(), page.clone());
    read.answer(&req, key, || {
        point_page(snapshot, lang, &filters, &page, hash)
    })
}

/// Get one point with its self-care guidance, conditions and routines.
///
/// The code may be written in any spelling (`LI4`, `li-4`, `Li 4`); old names
/// (`Renzhong` for GV26) and unambiguous pinyin (`hegu`) resolve too.
#[utoipa::path(
    tag = "catalog",
    params(("code" = String, Path, description = "Point code, alias or pinyin", example = "LI4"), CatalogHeaders),
    responses(
        (status = 200, description = "The point", body = PointDetail,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, response = error::NotFound),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
    )
)]
#[get("/points/{code}")]
pub async fn get_point(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    code: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let i = snapshot
        .point_index(&code)
        .ok_or_else(|| ApiError::not_found(format!("no point with code {}", code.as_str())))?;
    read.answer(&req, ReadKey::Point(i), || snapshot.point_detail(i, lang))
}

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
    /// Category: pain, digestive, mind_sleep, womens_health, respiratory,
    /// energy_circulation, eyes_head or musculoskeletal.
    #[param(
        example = "pain",
        pattern = "^(pain|digestive|mind_sleep|womens_health|respiratory|energy_circulation|eyes_head|musculoskeletal)$"
    )]
    pub category: Option<String>,
}

/// List conditions.
#[utoipa::path(
    tag = "catalog",
    params(ConditionsQuery, CatalogHeaders),
    responses(
        (status = 200, description = "A page of conditions", body = ConditionList,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 422, response = error::Unprocessable),
        (status = 500, response = error::Internal),
    )
)]
#[get("/conditions")]
pub async fn list_conditions(
    req: HttpRequest,
    params: web::Query<ConditionsQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let limit = pagination::parse_limit(params.limit.as_deref())?;
    let category = query::parse_choice(
        "category",
        params.category.as_deref(),
        &CONDITION_CATEGORIES,
    )?
    .map(str::to_owned);
    let hash = pagination::filter_hash(&category);
    let page = Page {
        limit,
        after: pagination::decode_cursor(params.cursor.as_deref(), hash)?,
    };
    let key = ReadKey::Conditions(category.clone(), page.clone());
    read.answer(&req, key, || {
        let items = (0..snapshot.conditions.len())
            .filter(|&ci| {
                category
                    .as_ref()
                    .is_none_or(|c| &snapshot.conditions[ci].category == c)
            })
            .map(|ci| ([0, 0, ci as i64], snapshot.condition_summary(ci, lang)))
            .collect();
        let (items, next_cursor) = pagination::paginate(items, page.after, page.limit, hash);
        ConditionList { items, next_cursor }
    })
}

/// Get one condition: red flags, ranked points with evidence, routines.
#[utoipa::path(
    tag = "catalog",
    params(("slug" = String, Path, description = "Condition slug", example = "tension-headache"), CatalogHeaders),
    responses(
        (status = 200, description = "The condition", body = ConditionDetail,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, response = error::NotFound),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
    )
)]
#[get("/conditions/{slug}")]
pub async fn get_condition(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    slug: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let ci = snapshot
        .condition_index(&slug)
        .ok_or_else(|| ApiError::not_found(format!("no condition {}", slug.as_str())))?;
    read.answer(&req, ReadKey::Condition(ci), || {
        snapshot.condition_detail(ci, lang)
    })
}

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
#[utoipa::path(
    tag = "catalog",
    params(RoutinesQuery, CatalogHeaders),
    responses(
        (status = 200, description = "A page of routines", body = RoutineList,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 422, response = error::Unprocessable),
        (status = 500, response = error::Internal),
    )
)]
#[get("/routines")]
pub async fn list_routines(
    req: HttpRequest,
    params: web::Query<RoutinesQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let limit = pagination::parse_limit(params.limit.as_deref())?;
    let condition = pagination::known("condition", params.condition.as_deref(), |s| {
        snapshot.condition_slug(s)
    })?;
    let hash = pagination::filter_hash(&condition);
    let page = Page {
        limit,
        after: pagination::decode_cursor(params.cursor.as_deref(), hash)?,
    };
    let key = ReadKey::Routines(condition.clone(), page.clone());
    read.answer(&req, key, || {
        let items = (0..snapshot.routines.len())
            .filter(|&ri| {
                condition
                    .as_ref()
                    .is_none_or(|c| snapshot.routines[ri].conditions.contains(c))
            })
            .map(|ri| ([0, 0, ri as i64], snapshot.routine_summary(ri, lang)))
            .collect();
        let (items, next_cursor) = pagination::paginate(items, page.after, page.limit, hash);
        RoutineList { items, next_cursor }
    })
}

/// Get one routine with its ordered steps and total duration.
#[utoipa::path(
    tag = "catalog",
    params(("slug" = String, Path, description = "Routine slug", example = "sleep-wind-down"), CatalogHeaders),
    responses(
        (status = 200, description = "The routine", body = RoutineDetail,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, response = error::NotFound),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
    )
)]
#[get("/routines/{slug}")]
pub async fn get_routine(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    slug: web::Path<String>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    let ri = snapshot
        .routine_index(&slug)
        .ok_or_else(|| ApiError::not_found(format!("no routine {}", slug.as_str())))?;
    read.answer(&req, ReadKey::Routine(ri), || {
        snapshot.routine_detail(ri, lang)
    })
}

/// Safety: general precautions, pregnancy lists and the disclaimer.
///
/// Acupressure complements medical care and does not replace it; apps should show the
/// disclaimer before a first routine.
#[utoipa::path(
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "Precautions and disclaimer", body = Safety,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
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
    read.answer(&req, ReadKey::Safety, || snapshot.safety())
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

/// The whole catalog in one document, for an app's offline copy.
///
/// Points, meridians, conditions, routines and safety data in the requested language.
/// Pre-rendered and pre-compressed: send `Accept-Encoding: gzip` and `If-None-Match`.
#[utoipa::path(
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "The complete catalog", body = Catalog,
            headers(("etag" = String), ("cache-control" = String), ("content-language" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
    )
)]
#[get("/catalog")]
pub async fn get_catalog(
    req: HttpRequest,
    _query: web::Query<NoQuery>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let read = Read::new(&req, &catalog);
    let (snapshot, lang) = (&read.snapshot, read.lang);
    if let Some(not_modified) = read.cache.not_modified(&req) {
        return Ok(not_modified);
    }
    let bundle = snapshot.bundle(lang);
    let mut res = if accepts_gzip(&req) {
        let mut res = read.cache.json_bytes(bundle.gzip.clone());
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
        res
    } else {
        read.cache.json_bytes(bundle.json.clone())
    };
    res.headers_mut().insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Accept-Encoding"),
    );
    Ok(res)
}

/// The catalog's content version, to check cheaply whether an offline copy is current.
#[utoipa::path(
    tag = "catalog",
    params(CatalogHeaders),
    responses(
        (status = 200, description = "Version and counts", body = CatalogVersion,
            headers(("etag" = String), ("cache-control" = String))),
        (status = 304, description = "The client's copy is current"),
        (status = 400, response = error::BadRequest),
        (status = 500, response = error::Internal),
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
    read.answer(&req, ReadKey::Version, || snapshot.catalog_version())
}
