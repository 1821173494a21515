//! The answer to a metrics scrape, on the API port or on the listener of its own
//! (`ACUPRESS_METRICS_LISTEN`, see `server::metrics_listener`).

use actix_web::{HttpResponse, web};

use crate::catalog::store::CatalogStore;
use crate::db::DbPool;
use crate::metrics::{self, PoolState};

/// Where the metrics are served.
pub const PATH: &str = "/metrics";

/// The answer to a scrape: every metric in the text format, never cached.
pub fn response(pool: &DbPool, catalog: &CatalogStore) -> HttpResponse {
    let status = pool.status();
    let state = PoolState {
        max: status.max_size,
        open: status.size,
        idle: status.available,
        waiting: status.waiting,
    };
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .insert_header(("cache-control", "no-store"))
        .body(metrics::global().render(&state, &catalog.get().version))
}

/// The scrape as a handler, for the metrics listener.
pub async fn scrape(pool: web::Data<DbPool>, catalog: web::Data<CatalogStore>) -> HttpResponse {
    response(&pool, &catalog)
}
