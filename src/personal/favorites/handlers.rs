//! `/v1/me/favorites`: keep points, curated and own routines, order them, run them.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};

use super::model::{Favorite, FavoriteKind, FavoriteList, FavoriteOrder, FavoritesRoutine};
use crate::auth::{AuthUser, SignedReader};
use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::{Json, Lang};
use crate::problems::ProblemCode;
use crate::users::answers::{self, Answers};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_favorites)
        .service(reorder_favorites)
        .service(favorites_routine)
        .service(add_favorite)
        .service(remove_favorite);
}

/// The kind in a path: 404 for one that does not exist.
fn kind_of(raw: &str) -> ApiResult<FavoriteKind> {
    FavoriteKind::parse(raw)
        .ok_or_else(|| ApiError::not_found(format!("no kind of favorite `{raw}`")))
}

/// List the favorites in the account's order.
///
/// Names are in the language asked for (`Accept-Language`); an item that left the
/// catalog is listed with `retired: true` and no name until it is removed.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The favorites", body = FavoriteList),
    )
)]
#[get("/me/favorites")]
pub async fn list_favorites(
    req: HttpRequest,
    reader: SignedReader,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
    answers: web::Data<Answers>,
) -> ApiResult<HttpResponse> {
    let snapshot = catalog.get();
    let lang = Lang::negotiate(&req);
    let key = answers::key(&snapshot.version, lang, &reader.profile, "favorites");
    answers
        .answer(&pool, reader.user_id, key, async |conn| {
            let items = super::list(conn, &snapshot, lang, reader.user_id).await?;
            Ok(FavoriteList { items })
        })
        .await
}

/// Keep a point, a curated routine or an own routine as a favorite.
///
/// Idempotent: a repeat answers the same and changes nothing. A new favorite goes to the
/// end of the order. At most 100; an unknown code or slug is a 422, an unknown kind a 404.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound, ProblemCode::ValidationFailed]))),
    tag = "me",
    security(("bearer" = [])),
    params(
        ("kind" = FavoriteKind, Path, description = "`point`, `routine` or `own_routine`"),
        ("id" = String, Path, description = "Point code (any spelling), curated routine slug or own routine id", example = "PC6"),
    ),
    responses(
        (status = 200, description = "The favorite", body = Favorite),
    )
)]
#[put("/me/favorites/{kind}/{id}")]
pub async fn add_favorite(
    req: HttpRequest,
    user: AuthUser,
    path: web::Path<(String, String)>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let (kind, id) = path.into_inner();
    let kind = kind_of(&kind)?;
    let mut conn = db::conn(&pool).await?;
    let lang = Lang::negotiate(&req);
    let favorite = super::add(&mut conn, &catalog.get(), lang, user.user_id, kind, &id).await?;
    Ok(HttpResponse::Ok().json(favorite))
}

/// Stop keeping a favorite.
///
/// Idempotent: removing one that is not kept answers the same 204. A retired item is
/// removed by the id it is listed with.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "me",
    security(("bearer" = [])),
    params(
        ("kind" = FavoriteKind, Path, description = "`point`, `routine` or `own_routine`"),
        ("id" = String, Path, description = "Point code (any spelling), curated routine slug or own routine id", example = "PC6"),
    ),
    responses(
        (status = 204, description = "Not a favorite (any more)"),
    )
)]
#[delete("/me/favorites/{kind}/{id}")]
pub async fn remove_favorite(
    user: AuthUser,
    path: web::Path<(String, String)>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let (kind, id) = path.into_inner();
    let kind = kind_of(&kind)?;
    let mut conn = db::conn(&pool).await?;
    super::remove(&mut conn, &catalog.get(), user.user_id, kind, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Put the favorites in a new order.
///
/// The body names every favorite of the account exactly once, in the order wanted (422
/// otherwise); the answer is the list in that order.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = FavoriteOrder,
    responses(
        (status = 200, description = "The favorites in their new order", body = FavoriteList),
    )
)]
#[put("/me/favorites/order")]
pub async fn reorder_favorites(
    req: HttpRequest,
    user: AuthUser,
    body: Json<FavoriteOrder>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    let order = body.into_inner().items;
    if order.len() > super::MAX_FAVORITES {
        return Err(ApiError::invalid(
            "items",
            format!(
                "an account keeps at most {} favorites",
                super::MAX_FAVORITES
            ),
        ));
    }
    let mut conn = db::conn(&pool).await?;
    let lang = Lang::negotiate(&req);
    let items = super::reorder(&mut conn, &catalog.get(), lang, user.user_id, order).await?;
    Ok(HttpResponse::Ok().json(FavoriteList { items }))
}

/// Run the favorite points as one routine.
///
/// The favorite points in the account's order, each a step timed and pressed as its
/// self-care guidance says, with the warnings of the account's safety profile. Points
/// without guidance, and retired ones, are listed in `left_out`.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The favorites routine", body = FavoritesRoutine),
    )
)]
#[get("/me/favorites/routine")]
pub async fn favorites_routine(
    req: HttpRequest,
    reader: SignedReader,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
    answers: web::Data<Answers>,
) -> ApiResult<HttpResponse> {
    let snapshot = catalog.get();
    let lang = Lang::negotiate(&req);
    let key = answers::key(
        &snapshot.version,
        lang,
        &reader.profile,
        "favorites/routine",
    );
    answers
        .answer(&pool, reader.user_id, key, async |conn| {
            super::routine(conn, &snapshot, lang, reader.user_id, &reader.profile).await
        })
        .await
}
