//! Operations endpoints: liveness, readiness and metrics.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{self, ApiResult};

/// How long readiness waits for the database before answering 503.
const READY_DEADLINE: Duration = Duration::from_millis(1500);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
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

/// Metrics in the Prometheus text format.
///
/// Requests by method, route template and status with a latency histogram; database
/// pool connections (idle, in use, waiting); the catalog version; the process start
/// time. Meant for the operator's scraper: expose it only inside your network. When
/// the server is configured with a separate metrics address (`ACUPRESS_METRICS_LISTEN`),
/// they are served there only and this port answers 404, as for any unknown route.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String,
            content_type = "text/plain; version=0.0.4",
            example = "# TYPE acupress_http_requests_total counter\nacupress_http_requests_total{method=\"GET\",route=\"/v1/points/{code}\",status=\"200\"} 1042\n"),
        (status = 404, response = error::NotFound),
    )
)]
#[get("/metrics")]
pub async fn metrics(
    req: actix_web::HttpRequest,
    config: web::Data<crate::config::Config>,
    routes: web::Data<crate::http::RouteTable>,
    pool: web::Data<DbPool>,
    catalog: web::Data<CatalogStore>,
) -> ApiResult<HttpResponse> {
    if config.metrics_listen.is_some() {
        return crate::http::unmatched(req, routes).await;
    }
    Ok(crate::metrics::serve::response(&pool, &catalog))
}
