//! Start-up: wait for PostgreSQL, create the database if missing, run the embedded
//! migrations and the data load the caller hands in (the catalog's, see [`Seed`]), all
//! under one advisory lock so that two instances starting together take turns.

use std::time::{Duration, Instant};

use diesel::RunQueryDsl;
use diesel::pg::Pg;
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

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
    /// The server answered and refused: waiting will not help (wrong password, no such
    /// role, not allowed by pg_hba.conf).
    #[error("database {url} refused the connection: {reason}")]
    Refused { url: String, reason: String },
    /// The server answered; the database does not exist (yet).
    #[error("database {url} does not exist")]
    Missing { url: String },
    #[error("could not create database {name}: {reason}")]
    Create { name: String, reason: String },
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("catalog data: {0}")]
    Data(String),
}

/// The data load run at start-up, after the migrations, in one transaction under the
/// start-up lock. It must be idempotent: every instance runs it at each start.
pub trait Seed: Send + 'static {
    /// What the load did, for the log.
    type Outcome: Send + std::fmt::Debug + 'static;

    fn seed(&self, conn: &mut SyncPgConnection) -> diesel::QueryResult<Self::Outcome>;
}

/// What start-up did, for the log and the closing note.
#[derive(Debug)]
pub struct BootReport<O> {
    pub created_database: bool,
    pub migrations_applied: usize,
    /// What the data load did.
    pub seeded: O,
}

/// Waits for the server, creates the database, migrates and runs `seed`, all within
/// `ACUPRESS_DB_STARTUP_TIMEOUT_MS`. The target database is connected to first; the
/// maintenance database (`postgres`) is used only to create a missing one, so a role
/// limited to its own database (or a pooler in front) works when the database exists.
pub async fn prepare<S: Seed>(
    config: &Config,
    seed: S,
) -> Result<BootReport<S::Outcome>, BootError> {
    let deadline = Instant::now() + config.db_startup_timeout;
    let (conn, created_database) = match connect_with_retry(&config.database_url, deadline).await {
        Ok(conn) => (conn, false),
        Err(BootError::Missing { .. }) => {
            let created = create_database(config, deadline).await?;
            (
                connect_with_retry(&config.database_url, deadline).await?,
                created,
            )
        }
        Err(e) => return Err(e),
    };
    let lock_wait = deadline.saturating_duration_since(Instant::now());
    let (migrations_applied, seeded) = tokio::task::spawn_blocking(move || {
        let mut conn: SyncPgConnection = conn.into();
        // Another instance migrating holds the lock: wait for it, but not for ever.
        diesel::sql_query(format!(
            "SET lock_timeout = {}",
            lock_wait.as_millis().max(1)
        ))
        .execute(&mut conn)
        .map_err(|e| BootError::Migrate(e.to_string()))?;
        migrate_and_seed(&mut conn, &seed)
    })
    .await
    .map_err(|e| BootError::Migrate(e.to_string()))??;
    Ok(BootReport {
        created_database,
        migrations_applied,
        seeded,
    })
}

/// Runs pending migrations and the idempotent data load under the advisory lock.
pub fn migrate_and_seed<S: Seed>(
    conn: &mut SyncPgConnection,
    seed: &S,
) -> Result<(usize, S::Outcome), BootError> {
    diesel::sql_query(format!("SELECT pg_advisory_lock({BOOTSTRAP_LOCK})"))
        .execute(conn)
        .map_err(|e| BootError::Migrate(format!("waiting for another instance's start-up: {e}")))?;
    let result = (|| {
        diesel::sql_query("SET lock_timeout = 0")
            .execute(conn)
            .map_err(|e| BootError::Migrate(e.to_string()))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| BootError::Migrate(e.to_string()))?
            .len();
        let outcome = diesel::Connection::transaction(conn, |tx| seed.seed(tx))
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

/// Creates the target database through the server's maintenance database. Returns
/// whether it was created (false: another instance made it meanwhile).
async fn create_database(config: &Config, deadline: Instant) -> Result<bool, BootError> {
    let name = config::database_name(&config.database_url).unwrap_or_default();
    let admin_url = config::with_database(&config.database_url, "postgres");
    let mut admin = connect_with_retry(&admin_url, deadline).await?;
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

/// What an answer from the server says about trying again.
enum Refusal {
    /// Starting up, shutting down, not listening yet: try again.
    Transient,
    /// The database does not exist.
    Missing,
    /// Credentials or access rules: trying again will not help.
    Final,
}

fn refusal(reason: &str) -> Refusal {
    if reason.contains("does not exist") && reason.contains("database") {
        Refusal::Missing
    } else if [
        "password authentication failed",
        "no pg_hba.conf entry",
        "role \"",
        "permission denied",
        "authentication",
    ]
    .iter()
    .any(|m| reason.contains(m))
    {
        Refusal::Final
    } else {
        Refusal::Transient
    }
}

/// Connects, retrying with back-off while the server is starting, until `deadline`.
/// A missing database or refused credentials end the wait at once.
pub async fn connect_with_retry(
    url: &str,
    deadline: Instant,
) -> Result<AsyncPgConnection, BootError> {
    let started = Instant::now();
    let mut delay = Duration::from_millis(100);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let attempt = tokio::time::timeout(
            Duration::from_secs(5)
                .min(left)
                .max(Duration::from_millis(100)),
            AsyncPgConnection::establish(url),
        )
        .await;
        let reason = match attempt {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "connect timed out".to_owned(),
        };
        match refusal(&reason) {
            Refusal::Missing => {
                return Err(BootError::Missing {
                    url: redact_url(url),
                });
            }
            Refusal::Final => {
                return Err(BootError::Refused {
                    url: redact_url(url),
                    reason,
                });
            }
            Refusal::Transient => {}
        }
        if Instant::now() + delay > deadline {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_tell_waiting_from_giving_up() {
        for transient in [
            "Connection refused (os error 111)",
            "the database system is starting up",
            "connect timed out",
        ] {
            assert!(
                matches!(refusal(transient), Refusal::Transient),
                "{transient}"
            );
        }
        assert!(matches!(
            refusal("database \"acupress\" does not exist"),
            Refusal::Missing
        ));
        for fatal in [
            "password authentication failed for user \"app\"",
            "role \"nobody\" does not exist",
            "no pg_hba.conf entry for host \"10.0.0.9\"",
            "permission denied for database acupress",
        ] {
            assert!(matches!(refusal(fatal), Refusal::Final), "{fatal}");
        }
    }
}
