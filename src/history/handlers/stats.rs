//! `/v1/me/stats`: personal statistics.

use actix_web::{HttpResponse, get, web};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{in_supported_range, time_zone};
use crate::auth::AuthUser;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::history::model::*;
use crate::history::stats;
use crate::problems::ProblemCode;

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatsQuery {
    /// First local date (default: 29 days before `to`). The range may cover at most
    /// 1,098 days (three years) and may not run backwards.
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub from: Option<String>,
    /// Last local date, inclusive (default: today in the user's time zone).
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<String>,
}

/// Longest range one stats request may cover.
const MAX_STATS_DAYS: i64 = 3 * 366;

impl StatsQuery {
    /// The local days asked for, `from` to `to` inclusive: by default the 30 days up to
    /// `today`, never backwards nor [`MAX_STATS_DAYS`] or longer.
    fn range(&self, today: NaiveDate) -> ApiResult<(NaiveDate, NaiveDate)> {
        let to = date("to", self.to.as_deref())?.unwrap_or(today);
        let from = date("from", self.from.as_deref())?
            .unwrap_or_else(|| to.checked_sub_signed(Duration::days(29)).unwrap_or(to));
        if from > to {
            return Err(ApiError::invalid("from", "must not be after `to`"));
        }
        if (to - from).num_days() >= MAX_STATS_DAYS {
            return Err(ApiError::invalid(
                "from",
                format!("the range must be shorter than {MAX_STATS_DAYS} days"),
            ));
        }
        Ok((from, to))
    }
}

/// A local date parameter (400 when it is not a date).
fn date(field: &str, raw: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    raw.map(|r| {
        let date = r
            .trim()
            .parse()
            .map_err(|_| ApiError::bad_param(field, "must be a date (YYYY-MM-DD)"))?;
        in_supported_range(field, date)
    })
    .transpose()
}

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
    let tz = time_zone(&pool, &user).await?;
    let today = Utc::now().with_timezone(&tz).date_naive();
    let (from, to) = params.range(today)?;
    let mut conn = db::conn(&pool).await?;
    let body = stats::compute(&mut conn, user.user_id, tz.name(), from, to, today).await?;
    Ok(HttpResponse::Ok().json(body))
}
