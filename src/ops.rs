//! Operations endpoints: liveness, readiness, metrics and the problem type pages.

pub mod metrics_scrape;
mod problem_pages;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalog::store::CatalogStore;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::problems::ProblemCode;

/// How long readiness waits for the database before answering 503.
const READY_DEADLINE: Duration = Duration::from_millis(1500);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(healthz)
        .service(readyz)
        .service(metrics)
        .service(problem_pages::problem_page);
}

/// What a probe found.
#[derive(Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// Liveness: the process answers.
    Ok,
    /// Readiness: the database answers and the instance is not draining.
    Ready,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok"}))]
pub struct Health {
    pub status: HealthStatus,
}

/// Liveness: the process is up. Never touches the database.
///
/// Answers 200 as long as the process can serve HTTP; use it as the liveness probe. It
/// reads nothing, so a database outage does not make it fail.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Health {
            status: HealthStatus::Ok,
        })
}

/// Whether this instance is draining: set by the server once SIGTERM or SIGINT arrived;
/// `/readyz` answers 503 from then on and every response
/// closes its connection, while requests are still served.
#[derive(Debug, Default)]
pub struct Drain(AtomicBool);

impl Drain {
    pub fn start(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Middleware: while draining, each response says `Connection: close`, so clients and
/// proxies open their next connection to another instance instead of reusing this one.
pub async fn close_connections_when_draining(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let drain = req.app_data::<web::Data<Drain>>().cloned();
    let mut res = next.call(req).await?;
    if drain.is_some_and(|d| d.is_draining()) {
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }
    Ok(res)
}

/// Readiness: the database answers within a short deadline, and the instance is not
/// shutting down (503 `shutting_down` from the moment SIGTERM arrives).
///
/// Use it as the readiness probe of a load balancer or orchestrator: 200 when the instance
/// should get traffic, 503 with a problem document otherwise.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ServiceUnavailable, ProblemCode::ShuttingDown]))),
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health, example = json!({"status": "ready"})),
    )
)]
#[get("/readyz")]
pub async fn readyz(pool: web::Data<DbPool>, drain: web::Data<Drain>) -> ApiResult<HttpResponse> {
    if drain.is_draining() {
        return Err(ApiError::ShuttingDown);
    }
    db::ping(&pool, READY_DEADLINE).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(Health {
            status: HealthStatus::Ready,
        }))
}

/// Metrics in the Prometheus text format.
///
/// Requests by method, route template and status with a latency histogram; database
/// pool connections (idle, in use, waiting); the catalog version; the process start
/// time. Meant for the operator's scraper: expose it only inside your network. When
/// the server is configured with a separate metrics address (`ACUPRESS_METRICS_LISTEN`),
/// they are served there only and this port answers 404, as for any unknown route.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound]))),
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format", body = String,
            content_type = "text/plain; version=0.0.4",
            example = "# TYPE acupress_http_requests_total counter\nacupress_http_requests_total{method=\"GET\",route=\"/v1/points/{code}\",status=\"200\"} 1042\n"),
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
    Ok(metrics_scrape::response(&pool, &catalog))
}
