//! Connection pool, start-up (wait, create, migrate, load) and shared helpers.

pub mod embedded;
pub mod id;
pub mod notify;
pub mod prepared;
pub mod schema;

use std::time::Duration;

use deadpool::Runtime;
use diesel::ConnectionError;
use diesel_async::pooled_connection::deadpool::{Object, Pool, PoolError};
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::config::Config;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = Object<AsyncPgConnection>;
/// A blocking diesel connection (for start-up work inside `spawn_blocking`).
pub type SyncPgConnection =
    diesel_async::async_connection_wrapper::AsyncConnectionWrapper<AsyncPgConnection>;

/// Database failures as the API sees them.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time, or the server went away: 503.
    #[error("{0}")]
    Unavailable(String),
    /// The signed-in account (or its device session) disappeared while the request ran:
    /// it was deleted or signed out concurrently. The API answers 401 `session_revoked`.
    #[error("the account or device session is gone")]
    AccountGone,
    #[error(transparent)]
    Query(diesel::result::Error),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match &e {
            // The connection broke, or the request never reached the server.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) => Self::Unavailable(e.to_string()),
            // 40001 serialization_failure, 40P01 deadlock_detected: PostgreSQL rolled the
            // transaction back whole, so answering "try again" is safe.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                Self::Unavailable(e.to_string())
            }
            // A row written for the account or device session refers to one that is gone
            // (deleted while this request ran). Foreign keys keep PostgreSQL's default
            // names, `<table>_user_id_fkey` and `<table>_session_id_fkey`.
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info)
                if info.constraint_name().is_some_and(|c| {
                    c.ends_with("_user_id_fkey") || c.ends_with("_session_id_fkey")
                }) =>
            {
                Self::AccountGone
            }
            // 57014 query_canceled (statement_timeout), 55P03 lock_not_available
            // (lock_timeout), 57P01..57P03 the server is shutting down, crashed or starting
            // up (a restart): try again shortly.
            Error::DatabaseError(_, info)
                if [
                    "statement timeout",
                    "lock timeout",
                    "connection closed",
                    "terminating connection",
                    "the database system is",
                    "deadlock detected",
                ]
                .iter()
                .any(|m| info.message().contains(m)) =>
            {
                Self::Unavailable(e.to_string())
            }
            _ => Self::Query(e),
        }
    }
}

impl From<PoolError> for DbError {
    fn from(e: PoolError) -> Self {
        Self::Unavailable(e.to_string())
    }
}

/// Per-connection settings applied right after connecting.
#[derive(Clone, Copy, Debug)]
pub struct SessionSettings {
    pub statement_timeout: Duration,
    pub connect_timeout: Duration,
}

impl SessionSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            statement_timeout: config.db_statement_timeout,
            connect_timeout: config.db_connect_timeout,
        }
    }
}

/// Opens one connection with a bounded connect time and the session settings applied.
pub fn connect(
    url: &str,
    settings: SessionSettings,
) -> BoxFuture<'static, diesel::ConnectionResult<AsyncPgConnection>> {
    let url = url.to_owned();
    async move {
        let mut conn =
            tokio::time::timeout(settings.connect_timeout, AsyncPgConnection::establish(&url))
                .await
                .map_err(|_| ConnectionError::BadConnection("connect timed out".into()))??;
        let ms = settings.statement_timeout.as_millis();
        conn.batch_execute(&format!(
            "SET statement_timeout = {ms}; SET lock_timeout = {ms}; SET TIME ZONE 'UTC'"
        ))
        .await
        .map_err(ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    }
    .boxed()
}

/// Builds the pool. Connections are made lazily, so this succeeds with the database down.
pub fn pool(url: &str, size: usize, wait: Duration, settings: SessionSettings) -> DbPool {
    let mut manager_config = ManagerConfig::default();
    manager_config.custom_setup = Box::new(move |url| connect(url, settings));
    let manager = AsyncDieselConnectionManager::new_with_config(url, manager_config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(wait))
        .create_timeout(Some(settings.connect_timeout))
        .recycle_timeout(Some(settings.connect_timeout))
        .runtime(Runtime::Tokio1)
        .build()
        .expect("a pool with a runtime and timeouts always builds")
}

/// Takes a connection from the pool, or fails with `Unavailable` within the pool timeout.
pub async fn conn(pool: &DbPool) -> Result<DbConn, DbError> {
    Ok(pool.get().await?)
}

/// Answers whether the database executes a trivial query within `deadline`.
pub async fn ping(pool: &DbPool, deadline: Duration) -> Result<(), DbError> {
    tokio::time::timeout(deadline, async {
        let mut conn = conn(pool).await?;
        conn.batch_execute("SELECT 1").await?;
        Ok::<_, DbError>(())
    })
    .await
    .map_err(|_| DbError::Unavailable(format!("no answer within {deadline:?}")))?
}

pub mod bootstrap;

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::{DatabaseErrorKind, Error};

    fn db_error(kind: DatabaseErrorKind, message: &str) -> Error {
        Error::DatabaseError(kind, Box::new(message.to_owned()))
    }

    #[test]
    fn a_database_that_goes_away_or_restarts_is_unavailable() {
        for (kind, message) in [
            (DatabaseErrorKind::ClosedConnection, "closed"),
            (
                DatabaseErrorKind::UnableToSendCommand,
                "error communicating with the server",
            ),
            (
                DatabaseErrorKind::Unknown,
                "terminating connection due to administrator command",
            ),
            (
                DatabaseErrorKind::Unknown,
                "the database system is starting up",
            ),
            (
                DatabaseErrorKind::Unknown,
                "canceling statement due to statement timeout",
            ),
            (DatabaseErrorKind::Unknown, "deadlock detected"),
            (
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access due to concurrent update",
            ),
        ] {
            assert!(
                matches!(
                    DbError::from(db_error(kind, message)),
                    DbError::Unavailable(_)
                ),
                "{message}"
            );
        }
        assert!(matches!(
            DbError::from(db_error(
                DatabaseErrorKind::UniqueViolation,
                "duplicate key"
            )),
            DbError::Query(_)
        ));
    }

    /// A violation that names its constraint, as PostgreSQL reports it.
    struct Violation(&'static str);

    impl diesel::result::DatabaseErrorInformation for Violation {
        fn message(&self) -> &str {
            "insert or update violates foreign key constraint"
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some(self.0)
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    #[test]
    fn a_reference_to_a_vanished_account_or_device_is_account_gone() {
        let violation = |name| {
            DbError::from(Error::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation,
                Box::new(Violation(name)),
            ))
        };
        for name in [
            "idempotency_keys_user_id_fkey",
            "refresh_tokens_session_id_fkey",
        ] {
            assert!(matches!(violation(name), DbError::AccountGone), "{name}");
        }
        assert!(matches!(
            violation("condition_points_point_code_fkey"),
            DbError::Query(_)
        ));
    }
}
