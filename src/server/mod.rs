//! Start-up and serving: prepare the database, load the catalog, serve until a signal.

pub mod metrics_listener;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use actix_web::HttpServer;

use crate::app::{self, AppState};
use crate::auth::{AuthService, password};
use crate::catalog::data::{DataError, Dataset};
use crate::catalog::store::{CatalogStore, read_snapshot};
use crate::config::Config;
use crate::db::bootstrap::{self, BootError};
use crate::db::{self, DbError, SessionSettings};
use crate::http::BodyLimits;
use crate::mail::{self, Mailer};
use crate::users::answers;
use crate::validate;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Boot(#[from] BootError),
    #[error(transparent)]
    PrivateCluster(#[from] crate::db::embedded::PrivateClusterError),
    #[error("reading the catalog and time zones: {0}")]
    Catalog(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(#[from] std::io::Error),
    #[error("mail: {0}")]
    Mail(#[from] crate::mail::MailError),
}

/// The time zone names PostgreSQL knows.
async fn database_time_zones(pool: &db::DbPool) -> Result<HashSet<String>, DbError> {
    #[derive(diesel::QueryableByName)]
    struct Zone {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let mut conn = db::conn(pool).await?;
    let zones: Vec<Zone> = diesel_async::RunQueryDsl::load(
        diesel::sql_query("SELECT name FROM pg_timezone_names"),
        &mut conn,
    )
    .await?;
    Ok(zones.into_iter().map(|z| z.name).collect())
}

/// Prepares the database and the shared state the app is built from.
pub async fn prepare(config: Config) -> Result<AppState, StartError> {
    let dataset = Dataset::load(&config.data_dir)?;
    let report = bootstrap::prepare(&config, dataset).await?;
    tracing::info!(
        database = %config.database_url_redacted(),
        created = report.created_database,
        migrations_applied = report.migrations_applied,
        catalog_version = %report.seeded.version,
        catalog_changed = report.seeded.changed,
        "database ready"
    );
    let pool = db::pool(
        &config.database_url,
        config.db_pool_size,
        config.db_pool_timeout,
        SessionSettings::from_config(&config),
    );
    let catalog = Arc::new(CatalogStore::new(read_snapshot(&pool).await?));
    let missing = validate::note_database_time_zones(&database_time_zones(&pool).await?);
    if !missing.is_empty() {
        tracing::warn!(
            zones = ?missing,
            "PostgreSQL's time zone data lacks some zones the server knows; they are refused"
        );
    }
    if config.jwt_keys.generated {
        tracing::warn!(
            "ACUPRESS_JWT_KEYS is not set: signing tokens with a random key made for this \
             process. Every restart signs everyone out, and several instances will not accept \
             each other's tokens. Set ACUPRESS_JWT_KEYS in production."
        );
    }
    let auth = Arc::new(AuthService::from_config(&config));
    let mailer = Arc::new(Mailer::from_config(&config.mail)?);
    tracing::info!(delivery = %mailer.describe(&config.mail), "mail ready");
    tokio::task::spawn_blocking(password::warm_up)
        .await
        .map_err(|e| StartError::Serve(std::io::Error::other(e)))?;
    Ok(AppState {
        bodies: Arc::new(BodyLimits::new(&config)),
        drain: Arc::default(),
        config: Arc::new(config),
        pool,
        catalog,
        auth,
        answers: Arc::default(),
        mailer,
    })
}

/// Runs the server until SIGTERM or SIGINT, then drains (see [`drain_on_signal`]).
pub async fn run(config: Config) -> Result<(), StartError> {
    let started = Instant::now();
    let listen = config.listen;
    let config = db::embedded::resolve(config).await?;
    let state = prepare(config).await?;
    let (workers, shutdown) = (state.config.workers, state.config.shutdown_timeout);
    let signals = Signals::new()?;
    spawn_catalog_refresher(state.clone());
    spawn_housekeeping(state.clone());
    actix_web::rt::spawn(mail::run(state.mailer.clone(), state.pool.clone()));
    actix_web::rt::spawn(answers::listen(
        state.answers.clone(),
        state.config.database_url.clone(),
        SessionSettings::from_config(&state.config),
    ));
    actix_web::rt::spawn(state.catalog.clone().listen(
        state.pool.clone(),
        state.config.database_url.clone(),
        SessionSettings::from_config(&state.config),
    ));
    let factory_state = state.clone();
    let server = HttpServer::new(move || app::build(factory_state.clone()))
        .workers(workers)
        .max_connections(state.config.serving.max_connections)
        // actix takes whole seconds: a part second is rounded up, never down to none.
        .shutdown_timeout(shutdown.as_millis().div_ceil(1000).max(1) as u64)
        .disable_signals()
        .bind(listen)
        .map_err(|source| StartError::Bind {
            addr: listen,
            source,
        })?;
    let metrics = metrics_listener::start(&state)?;
    let addrs: Vec<String> = server.addrs().iter().map(ToString::to_string).collect();
    tracing::info!(
        listen = %addrs.join(","),
        startup_ms = started.elapsed().as_millis() as u64,
        "acupress listening"
    );
    let server = server.run();
    actix_web::rt::spawn(drain_on_signal(
        signals,
        server.handle(),
        state.drain.clone(),
        state.config.serving.drain,
    ));
    server.await?;
    metrics.stop().await;
    tracing::info!("acupress stopped");
    Ok(())
}

/// SIGTERM and SIGINT, listened for from start-up on (a signal sent as soon as the
/// server reports it listens is not missed).
struct Signals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}

/// On the first SIGTERM or SIGINT: `/readyz` turns 503 and responses close their
/// connections at once, while the listener keeps accepting and serving for the drain
/// period, so load balancers take the instance out before it stops taking connections.
/// Then the listener closes and requests in flight get the shutdown timeout to finish.
/// A second signal ends the drain period early.
async fn drain_on_signal(
    mut signals: Signals,
    server: actix_web::dev::ServerHandle,
    drain: Arc<crate::ops::Drain>,
    period: std::time::Duration,
) {
    signals.next().await;
    drain.start();
    tracing::info!(
        drain_ms = period.as_millis() as u64,
        "shutting down: readiness is 503, still serving while load balancers notice"
    );
    tokio::select! {
        () = tokio::time::sleep(period) => {}
        () = signals.next() => tracing::info!("second signal: ending the drain period early"),
    }
    tracing::info!("no longer accepting connections; finishing requests in flight");
    server.stop(true).await;
}

/// How long deleted sessions stay as tombstones for sync.
pub const TOMBSTONE_DAYS: i64 = 90;

/// What one housekeeping round removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Housekeeping {
    pub tombstones: usize,
    pub idempotency_keys: usize,
    pub sign_in: crate::auth::store::Purged,
    pub rate_limits: usize,
    pub mail: usize,
    pub email_codes: usize,
    pub security_events: usize,
    pub mfa_challenges: usize,
    pub retired_identities: usize,
}

/// Removes tombstones past their 90 days, idempotency keys past their 48 hours,
/// sign-in data nobody can use any more (see [`crate::auth::store::purge_expired`]),
/// rate-limit buckets that are full again, mail sent or given up a week ago, mailed
/// codes expired a day ago, security events past their 90 days, two-factor challenges
/// expired an hour ago and records of removed identities past their 90 days.
pub async fn housekeeping(pool: &crate::db::DbPool) -> Result<Housekeeping, DbError> {
    let mut conn = db::conn(pool).await?;
    let before = chrono::Utc::now() - chrono::Duration::days(TOMBSTONE_DAYS);
    Ok(Housekeeping {
        tombstones: crate::history::store::purge_tombstones(&mut conn, before).await?,
        idempotency_keys: crate::idempotency::purge(&mut conn).await?,
        sign_in: crate::auth::store::purge_expired(&mut conn).await?,
        rate_limits: crate::auth::ratelimit::purge(&mut conn).await?,
        mail: mail::purge(&mut conn).await?,
        email_codes: crate::auth::recovery::purge(&mut conn).await?,
        security_events: crate::auth::events::purge(&mut conn).await?,
        mfa_challenges: crate::auth::mfa::store::purge(&mut conn).await?,
        retired_identities: crate::auth::identities::purge_retired(&mut conn).await?,
    })
}

fn spawn_housekeeping(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            match housekeeping(&state.pool).await {
                Ok(done) if done == Housekeeping::default() => {}
                Ok(done) => tracing::info!(
                    tombstones = done.tombstones,
                    idempotency_keys = done.idempotency_keys,
                    refresh_tokens = done.sign_in.refresh_tokens,
                    device_sessions = done.sign_in.sessions,
                    guests = done.sign_in.guests,
                    rate_limits = done.rate_limits,
                    mail = done.mail,
                    email_codes = done.email_codes,
                    security_events = done.security_events,
                    mfa_challenges = done.mfa_challenges,
                    retired_identities = done.retired_identities,
                    "housekeeping purged old data"
                ),
                Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
            }
        }
    });
}

/// Picks up catalog content loaded by another instance (or an admin edit) should its
/// notification have been missed (`CatalogStore::listen` hears it at once).
fn spawn_catalog_refresher(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(state.config.catalog_refresh);
        tick.tick().await;
        loop {
            tick.tick().await;
            match state.catalog.refresh(&state.pool).await {
                Ok(true) => {
                    tracing::info!(version = %state.catalog.get().version, "catalog reloaded")
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "catalog refresh failed"),
            }
        }
    });
}
