//! A private PostgreSQL cluster for development, used when `DATABASE_URL` is unset and
//! nothing usable answers at the default address (not listening, or it asks for a
//! password, as a stock Debian or Ubuntu install does over TCP).
//!
//! The cluster is made with the PostgreSQL binaries installed on the machine (`initdb`,
//! `pg_ctl`) in a data folder of its own. It listens on a Unix socket inside that folder
//! only (no TCP port), with trust authentication: the folder is private to its owner
//! (mode 0700), so only that user (and root) can reach it. It keeps running after the
//! process ends so that the next start, or the next test run, reuses it at once; stop it
//! with [`stop`] or `pg_ctl -D <folder> stop`. PostgreSQL refuses to run as root: as
//! root, every PostgreSQL command runs as the `postgres` system user (the account the
//! packages create) through `runuser`, and the data folder belongs to that user.
//!
//! Everything here blocks (it runs commands and waits for them): call it from a plain
//! thread or `spawn_blocking`, never on an async worker.

mod cluster;

use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

use diesel::Connection;

use crate::config::{self, Config, PrivateClusterConfig, redact_url};
use crate::db::SyncPgConnection;

use cluster::looked_in;
pub use cluster::{ensure, find_bindir, stop};

/// The port number in the socket's name (`.s.PGSQL.5432`); nothing listens on TCP.
const SOCKET_PORT: u16 = 5432;
/// The superuser the cluster is made with.
const SUPERUSER: &str = "postgres";
/// The system account PostgreSQL runs as when we are root.
const SYSTEM_USER: &str = "postgres";
/// Longest socket folder that fits a Unix socket path (108 bytes with the file name).
const MAX_SOCKET_DIR: usize = 92;

#[derive(Debug, thiserror::Error)]
pub enum PrivateClusterError {
    #[error(
        "DATABASE_URL is not set and no usable PostgreSQL answers at {url} ({reason}), and no \
         PostgreSQL binaries (initdb, pg_ctl) were found to start a private one (looked in \
         {looked}). Install PostgreSQL (Debian/Ubuntu: `apt-get install postgresql`; other \
         systems: the package that provides initdb and pg_ctl, or set ACUPRESS_PG_BINDIR to \
         their folder), or set DATABASE_URL to a server you can reach"
    )]
    NoBinaries {
        url: String,
        reason: String,
        looked: String,
    },
    #[error(
        "PostgreSQL refuses to run as root and there is no `{SYSTEM_USER}` system user to run \
         the private cluster as: install PostgreSQL with the system's packages (they create \
         it), run as another user, or set DATABASE_URL"
    )]
    NoSystemUser,
    #[error(
        "the private cluster's folder {0} is too long for a Unix socket path: set \
         ACUPRESS_PRIVATE_DB_DIR to a shorter one"
    )]
    PathTooLong(PathBuf),
    #[error("private PostgreSQL cluster in {dir}: {what} failed: {detail}")]
    Command {
        dir: PathBuf,
        what: &'static str,
        detail: String,
    },
    #[error("private PostgreSQL cluster in {dir}: {source}")]
    Io {
        dir: PathBuf,
        source: std::io::Error,
    },
}

/// A private cluster that is running.
#[derive(Clone, Debug)]
pub struct PrivateCluster {
    /// The data folder, absolute.
    pub dir: PathBuf,
    /// False when it was already running (left by an earlier start) and is reused.
    pub started: bool,
}

impl PrivateCluster {
    /// The URL of `database` on this cluster, over its Unix socket: the socket folder is
    /// the percent-encoded host (`postgres://postgres@%2Fsrv%2Fpg:5432/acupress`), so the
    /// user and database sit where they do in a TCP URL.
    pub fn url(&self, database: &str) -> String {
        let host: String = self
            .dir
            .as_os_str()
            .as_encoded_bytes()
            .iter()
            .map(|&b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        format!("postgres://{SUPERUSER}@{host}:{SOCKET_PORT}/{database}")
    }
}

/// Returns `url` when a server answers there and lets us in; otherwise starts (or
/// reuses) the private cluster and returns the URL of the same database on it, with
/// one log line saying so.
pub fn url_or_private(
    url: &str,
    private: &PrivateClusterConfig,
) -> Result<String, PrivateClusterError> {
    let Err(reason) = answers(url) else {
        return Ok(url.to_owned());
    };
    let bindir =
        find_bindir(private.bindir.as_deref()).ok_or_else(|| PrivateClusterError::NoBinaries {
            url: redact_url(url),
            reason: reason.clone(),
            looked: looked_in(private.bindir.as_deref()),
        })?;
    let cluster = ensure(&private.dir, &bindir)?;
    let database = config::database_name(url).unwrap_or_else(|| "postgres".to_owned());
    tracing::info!(
        data_dir = %cluster.dir.display(),
        reused = !cluster.started,
        default = %redact_url(url),
        %reason,
        "DATABASE_URL is not set and no usable PostgreSQL answers at the default address: \
         using a private PostgreSQL cluster in {} (Unix socket only; it keeps running for the \
         next start, `pg_ctl -D {} stop` stops it)",
        cluster.dir.display(),
        cluster.dir.display(),
    );
    Ok(cluster.url(&database))
}

/// Server start-up: with `DATABASE_URL` unset, points `config` at the default address
/// or, when nothing usable answers there, at the private cluster (see [`url_or_private`]).
pub async fn resolve(mut config: Config) -> Result<Config, PrivateClusterError> {
    let Some(private) = config.private_cluster.clone() else {
        return Ok(config);
    };
    let url = config.database_url.clone();
    config.database_url = tokio::task::spawn_blocking(move || url_or_private(&url, &private))
        .await
        .map_err(|e| PrivateClusterError::Io {
            dir: PathBuf::new(),
            source: std::io::Error::other(e),
        })??;
    Ok(config)
}

/// Whether a PostgreSQL server at `url` accepts us: `Err` says why not (not listening,
/// asks for a password, ...). A missing database counts as usable: start-up creates it.
pub fn answers(url: &str) -> Result<(), String> {
    // A TCP address that never answers would make the connect below wait for minutes.
    if let Ok(parsed) = url::Url::parse(url)
        && let Some(host) = parsed.host_str().filter(|h| !is_socket_host(h))
    {
        let port = parsed.port().unwrap_or(5432);
        let addr = (host.trim_matches(['[', ']']), port)
            .to_socket_addrs()
            .map_err(|e| e.to_string())?
            .next()
            .ok_or_else(|| format!("{host} has no address"))?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(2)).map_err(|e| e.to_string())?;
    }
    match SyncPgConnection::establish(url) {
        Ok(_) => Ok(()),
        Err(e)
            if e.to_string().contains("database") && e.to_string().contains("does not exist") =>
        {
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Whether a URL's host names a Unix socket folder: none (`postgres:///db?host=/run`) or
/// a percent-encoded path (`%2Frun%2Fpostgresql`).
fn is_socket_host(host: &str) -> bool {
    host.is_empty() || host.starts_with("%2F") || host.starts_with("%2f")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_urls_keep_user_and_database_where_tcp_urls_have_them() {
        let cluster = PrivateCluster {
            dir: PathBuf::from("/tmp/my data/pg"),
            started: true,
        };
        let url = cluster.url("acupress");
        assert_eq!(
            url,
            "postgres://postgres@%2Ftmp%2Fmy%20data%2Fpg:5432/acupress"
        );
        let parsed = url::Url::parse(&url).unwrap();
        assert!(is_socket_host(parsed.host_str().unwrap()));
        assert_eq!(parsed.username(), "postgres");
        assert_eq!(config::database_name(&url).as_deref(), Some("acupress"));
        assert_eq!(
            config::with_database(&url, "postgres"),
            "postgres://postgres@%2Ftmp%2Fmy%20data%2Fpg:5432/postgres"
        );
        assert!(!is_socket_host("127.0.0.1"));
        assert!(is_socket_host(""));
    }
}
