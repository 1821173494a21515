//! Start-up: wait for PostgreSQL, create the database if missing, run the embedded
//! migrations and load the catalog, all under one advisory lock so that two instances
//! starting together take turns.

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::pg::Pg;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::catalog::data::Dataset;
use crate::config::{self, Config, redact_url};
use crate::db::SyncPgConnection;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Key of the advisory lock held while migrating and loading ("acupress" in ASCII).
const BOOTSTRAP_LOCK: i64 = 0x6163_7570_7265_7373;

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error("database {url} not reachable within {waited:?}: {reason}")]
    Unreachable {
        url: String,
        waited: Duration,
        reason: String,
    },
    #[error("could not create database {name}: {reason}")]
    Create { name: String, reason: String },
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("catalog data: {0}")]
    Data(String),
}

/// What start-up did, for the log and the closing note.
#[derive(Debug)]
pub struct BootReport {
    pub created_database: bool,
    pub migrations_applied: usize,
    pub catalog: crate::catalog::seed::SeedOutcome,
}

/// Waits for the server, creates the database, migrates and loads `dataset`.
pub async fn prepare(config: &Config, dataset: Dataset) -> Result<BootReport, BootError> {
    let created_database = ensure_database(config).await?;
    let conn = connect_with_retry(&config.database_url, config.db_startup_timeout).await?;
    let (migrations_applied, catalog) = tokio::task::spawn_blocking(move || {
        let mut conn: SyncPgConnection = conn.into();
        migrate_and_seed(&mut conn, &dataset)
    })
    .await
    .map_err(|e| BootError::Migrate(e.to_string()))??;
    Ok(BootReport {
        created_database,
        migrations_applied,
        catalog,
    })
}

/// Runs pending migrations and the idempotent catalog load under the advisory lock.
pub fn migrate_and_seed(
    conn: &mut SyncPgConnection,
    dataset: &Dataset,
) -> Result<(usize, crate::catalog::seed::SeedOutcome), BootError> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({BOOTSTRAP_LOCK})"))
        .execute(conn)
        .map_err(|e| BootError::Migrate(e.to_string()))?;
    let result = (|| {
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| BootError::Migrate(e.to_string()))?
            .len();
        let outcome =
            diesel::Connection::transaction(conn, |tx| crate::catalog::seed::apply(tx, dataset))
                .map_err(|e| BootError::Data(e.to_string()))?;
        Ok((applied, outcome))
    })();
    // The lock is also released when the connection closes.
    let _ = diesel::sql_query(format!("SELECT pg_advisory_unlock({BOOTSTRAP_LOCK})")).execute(conn);
    result
}

/// Runs only the migrations (used to build the test template).
pub fn migrate<C: MigrationHarness<Pg>>(conn: &mut C) -> Result<usize, BootError> {
    conn.run_pending_migrations(MIGRATIONS)
        .map(|v| v.len())
        .map_err(|e| BootError::Migrate(e.to_string()))
}

/// Connects to the server's maintenance database until it answers, then creates the
/// target database when it does not exist. Returns whether it was created.
async fn ensure_database(config: &Config) -> Result<bool, BootError> {
    let name = config::database_name(&config.database_url).unwrap_or_default();
    let admin_url = config::with_database(&config.database_url, "postgres");
    let mut admin = connect_with_retry(&admin_url, config.db_startup_timeout).await?;
    let exists: bool = diesel_async::RunQueryDsl::get_result::<Exists>(
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS e")
            .bind::<diesel::sql_types::Text, _>(&name),
        &mut admin,
    )
    .await
    .map(|r| r.e)
    .map_err(|e| BootError::Create {
        name: name.clone(),
        reason: e.to_string(),
    })?;
    if exists {
        return Ok(false);
    }
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    match admin
        .batch_execute(&format!("CREATE DATABASE {quoted}"))
        .await
    {
        Ok(()) => {
            tracing::info!(database = %name, "created database");
            Ok(true)
        }
        // Another instance created it in the meantime.
        Err(e) if e.to_string().contains("already exists") || is_unique_violation(&e) => Ok(false),
        Err(e) => Err(BootError::Create {
            name,
            reason: e.to_string(),
        }),
    }
}

fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    e: bool,
}

/// Connects, retrying with back-off while the server is starting, up to `limit`.
pub async fn connect_with_retry(
    url: &str,
    limit: Duration,
) -> Result<AsyncPgConnection, BootError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        let attempt = tokio::time::timeout(
            Duration::from_secs(5).min(limit),
            AsyncPgConnection::establish(url),
        )
        .await;
        let reason = match attempt {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "connect timed out".to_owned(),
        };
        if started.elapsed() + delay > limit {
            return Err(BootError::Unreachable {
                url: redact_url(url),
                waited: started.elapsed(),
                reason,
            });
        }
        tracing::info!(url = %redact_url(url), %reason, "waiting for the database");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}
