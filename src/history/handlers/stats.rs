//! `/v1/me/stats`: personal statistics.

use actix_web::{HttpResponse, get, web};

use crate::auth::AuthUser;
use crate::db::{self, DbPool};
use crate::error::ApiResult;
use crate::history::model::*;
use crate::history::stats;
use crate::problems::ProblemCode;

/// Personal statistics in the user's time zone.
///
/// Sessions and minutes per local day and week, streaks (local days, correct across
/// daylight-saving changes), average pain and stress change overall and per condition,
/// routine and point, the most used points, and what works: for each condition logged,
/// the routines and points with the largest average improvement, each with the number
/// of sessions behind it, none on fewer than 3.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed]))),
    tag = "history",
    security(("bearer" = [])),
    params(StatsQuery),
    responses(
        (status = 200, description = "Statistics", body = Stats),
    )
)]
#[get("/me/stats")]
pub async fn get_stats(
    user: AuthUser,
    params: web::Query<StatsQuery>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let body = stats::of_user(&mut conn, user.user_id, &params).await?;
    Ok(HttpResponse::Ok().json(body))
}
