//! Operations endpoints: liveness and readiness.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{self, DbPool};
use crate::error::{self, ApiResult};

/// How long readiness waits for the database before answering 503.
const READY_DEADLINE: Duration = Duration::from_millis(1500);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    /// `ok` for liveness, `ready` for readiness.
    pub status: &'static str,
}

/// Liveness: the process is up. Never touches the database.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Health { status: "ok" })
}

/// Readiness: the database answers within a short deadline.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health, example = json!({"status": "ready"})),
        (status = 503, response = error::Unavailable),
    )
)]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    db::ping(&pool, READY_DEADLINE).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Health { status: "ready" }))
}
