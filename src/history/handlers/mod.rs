//! `/v1/me/sessions`, `/v1/me/sync` and `/v1/me/stats`: HTTP in and out.

mod sessions;
mod stats;
mod sync;

use chrono::{Datelike, NaiveDate};

use crate::auth::AuthUser;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::users::store as user_store;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(sessions::create_session)
        .service(sessions::list_sessions)
        .service(sessions::get_session)
        .service(sessions::update_session)
        .service(sessions::delete_session)
        .service(sync::pull_changes)
        .service(sync::push_changes)
        .service(stats::get_stats);
}

/// The user's time zone.
async fn time_zone(pool: &DbPool, user: &AuthUser) -> ApiResult<chrono_tz::Tz> {
    let mut conn = db::conn(pool).await?;
    Ok(user_store::time_zone_of(&mut conn, user.user_id)
        .await?
        .tz())
}

/// Dates a query may name: anything else is refused before it reaches the database.
fn in_supported_range(field: &str, date: NaiveDate) -> ApiResult<NaiveDate> {
    if (1970..=9999).contains(&date.year()) {
        Ok(date)
    } else {
        Err(ApiError::invalid(field, "must be between 1970 and 9999"))
    }
}
