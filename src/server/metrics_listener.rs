//! The listener of its own that `ACUPRESS_METRICS_LISTEN` asks for, so the public port
//! need not expose the metrics.

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::app::AppState;
use crate::http::{self, RouteTable};
use crate::ops::metrics_scrape::{self, PATH};
use crate::server::StartError;
use crate::telemetry;

/// The metrics listener, when one is configured.
pub struct Listener {
    server: Option<(ServerHandle, Vec<SocketAddr>)>,
}

/// Serves `GET /metrics`, and nothing else, on `ACUPRESS_METRICS_LISTEN` when it is
/// set (one worker, no signal handling of its own: [`Listener::stop`] ends it).
pub fn start(state: &AppState) -> Result<Listener, StartError> {
    let Some(addr) = state.config.metrics_listen else {
        return Ok(Listener { server: None });
    };
    let (pool, catalog) = (state.pool.clone(), state.catalog.clone());
    let routes = RouteTable::from_openapi(&serde_json::Value::Null, &[("GET", PATH)]);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(pool.clone()))
            .app_data(web::Data::from(catalog.clone()))
            .app_data(web::Data::new(routes.clone()))
            .route(PATH, web::get().to(metrics_scrape::scrape))
            .default_service(web::to(http::unmatched))
            .wrap(from_fn(http::head_as_get))
            .wrap(from_fn(telemetry::request_context))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .bind(addr)
    .map_err(|source| StartError::Bind { addr, source })?;
    let addrs = server.addrs();
    let listen: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    tracing::info!(listen = %listen.join(","), "metrics listening");
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    Ok(Listener {
        server: Some((handle, addrs)),
    })
}

impl Listener {
    /// The addresses it listens on (none when no listener is configured).
    pub fn addrs(&self) -> &[SocketAddr] {
        self.server.as_ref().map_or(&[], |(_, addrs)| addrs)
    }

    /// Stops the listener, letting a scrape in flight finish.
    pub async fn stop(self) {
        if let Some((handle, _)) = self.server {
            handle.stop(true).await;
        }
    }
}
