//! `POST /v1/safety/check`: the warnings for points or a routine, before anyone presses.

use actix_web::{HttpResponse, post, web};
use uuid::Uuid;

use super::routines;
use super::routines::store::StoredStep;
use crate::auth::{Reader, SignedReader};
use crate::catalog::safety::{Press, ProfileSource, SafetyCheck, SafetyCheckResult, warnings};
use crate::catalog::store::{CatalogStore, Snapshot};
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::Json;
use crate::problems::ProblemCode;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(check);
}

/// The most points one check takes (the schema's `maxItems`).
const MAX_POINTS: usize = 100;

/// Check points or a routine against a safety profile.
///
/// Signed in, the account's safety profile is used (send no `profile`), and `routine` may
/// name one of the account's own routines by id; otherwise send the `profile` to check
/// for. Points are judged without a known pressure, a routine's steps with theirs.
/// Nothing is stored.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed]))),
    tag = "catalog",
    security((), ("bearer" = [])),
    request_body = SafetyCheck,
    responses(
        (status = 200, description = "The warnings, and whose profile they are for", body = SafetyCheckResult),
    )
)]
#[post("/safety/check")]
pub async fn check(
    reader: Reader,
    body: Json<SafetyCheck>,
    catalog: web::Data<CatalogStore>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let snapshot = catalog.get();
    let own = own_steps(&pool, reader.0.as_ref(), body.routine.as_deref()).await?;
    let presses = presses(&snapshot, &body, &own)?;
    let (profile, profile_source) = match (reader.0, body.profile) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "profile",
                "leave it out when signed in: the account's own safety profile is used",
            ));
        }
        (Some(reader), None) => (reader.profile, ProfileSource::Account),
        (None, Some(profile)) => (profile, ProfileSource::Request),
        (None, None) => {
            return Err(ApiError::invalid(
                "profile",
                "is required when not signed in",
            ));
        }
    };
    let result = SafetyCheckResult {
        warnings: warnings(&profile, presses),
        profile_source,
        profile,
    };
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(result))
}

/// What `routine` names when it is an id rather than a curated routine's slug.
enum Own {
    NotAnId,
    Steps(Vec<StoredStep>),
    /// No live routine of the reader by that id, or no reader to own one.
    Missing,
}

async fn own_steps(
    pool: &DbPool,
    reader: Option<&SignedReader>,
    routine: Option<&str>,
) -> ApiResult<Own> {
    let Some(id) = routine.and_then(|raw| raw.trim().parse::<Uuid>().ok()) else {
        return Ok(Own::NotAnId);
    };
    let Some(reader) = reader else {
        return Ok(Own::Missing);
    };
    let mut conn = db::conn(pool).await?;
    let row = routines::store::find(&mut conn, reader.user_id, id).await?;
    Ok(row.map_or(Own::Missing, |row| Own::Steps(row.steps())))
}

/// The points and routine steps asked about, each known to the catalog (422 naming
/// every one that is not).
fn presses<'a>(snapshot: &'a Snapshot, body: &SafetyCheck, own: &Own) -> ApiResult<Vec<Press<'a>>> {
    let mut unknown = Vec::new();
    if body.points.len() > MAX_POINTS {
        return Err(ApiError::invalid(
            "points",
            format!("must be at most {MAX_POINTS} points"),
        ));
    }
    let mut presses = Vec::new();
    for (i, code) in body.points.iter().enumerate() {
        match snapshot.point_index(&code.0) {
            Some(pi) => presses.extend(snapshot.point_presses(pi)),
            None => unknown.push(FieldError::new(
                format!("points[{i}]"),
                format!("unknown point `{}`", code.0),
            )),
        }
    }
    match (&body.routine, own) {
        (_, Own::Steps(steps)) => presses.extend(routines::presses(snapshot, steps)),
        (Some(id), Own::Missing) => unknown.push(FieldError::new(
            "routine",
            format!("no own routine `{id}` of this account (sign in to check one)"),
        )),
        (Some(slug), Own::NotAnId) => match snapshot.routine_index(slug) {
            Some(ri) => presses.extend(snapshot.routine_presses(ri)),
            None => unknown.push(FieldError::new(
                "routine",
                format!("unknown routine `{slug}`"),
            )),
        },
        (None, _) => {}
    }
    if body.points.is_empty() && body.routine.is_none() {
        unknown.push(FieldError::new("points", "send points, a routine, or both"));
    }
    ApiError::unless_invalid(unknown, presses)
}
