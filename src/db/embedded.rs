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

use std::fs::File;
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use diesel::Connection;

use crate::config::{self, Config, PrivateClusterConfig, redact_url};
use crate::db::SyncPgConnection;

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

/// The folder holding `initdb` and `pg_ctl`: `explicit` if given, else
/// `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`, else `PATH`.
pub fn find_bindir(explicit: Option<&Path>) -> Option<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = explicit {
        return has_tools(dir).then(|| dir.to_owned());
    }
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            Some((version, e.path().join("bin")))
        })
        .collect();
    debian.sort();
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    from_pg_config
        .into_iter()
        .chain(debian.into_iter().rev().map(|(_, dir)| dir))
        .chain(on_path)
        .find(|dir| has_tools(dir))
}

fn looked_in(explicit: Option<&Path>) -> String {
    match explicit {
        Some(dir) => format!("ACUPRESS_PG_BINDIR={}", dir.display()),
        None => "`pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH".to_owned(),
    }
}

/// Who runs the PostgreSQL commands.
enum RunAs {
    Me,
    /// We are root: run them as this system user, owner of the data folder.
    System {
        uid: u32,
        gid: u32,
    },
}

impl RunAs {
    fn detect() -> Result<Self, PrivateClusterError> {
        let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if !root {
            return Ok(Self::Me);
        }
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").args([flag, SYSTEM_USER]).output().ok()?;
            out.status.success().then_some(())?;
            String::from_utf8_lossy(&out.stdout).trim().parse().ok()
        };
        match (id("-u"), id("-g")) {
            (Some(uid), Some(gid)) => Ok(Self::System { uid, gid }),
            _ => Err(PrivateClusterError::NoSystemUser),
        }
    }

    fn command(&self, program: &Path) -> Command {
        match self {
            Self::Me => Command::new(program),
            Self::System { .. } => {
                let mut cmd = Command::new("runuser");
                cmd.args(["-u", SYSTEM_USER, "--"]).arg(program);
                cmd
            }
        }
    }
}

/// Makes the cluster in `dir` if it has none, and starts it unless it is running.
/// Two processes doing this at once take turns (a lock file beside the folder).
pub fn ensure(dir: &Path, bindir: &Path) -> Result<PrivateCluster, PrivateClusterError> {
    let io = |source| PrivateClusterError::Io {
        dir: dir.to_owned(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let dir = std::fs::canonicalize(dir).map_err(io)?;
    if dir.as_os_str().len() > MAX_SOCKET_DIR {
        return Err(PrivateClusterError::PathTooLong(dir));
    }
    let io = |source| PrivateClusterError::Io {
        dir: dir.clone(),
        source,
    };
    let lock = File::create(dir.with_extension("lock")).map_err(io)?;
    lock.lock().map_err(io)?;
    let run_as = RunAs::detect()?;
    if let RunAs::System { uid, gid } = run_as {
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(io)?;
    }
    if !dir.join("PG_VERSION").exists() {
        init(&dir, bindir, &run_as)?;
    }
    let pg_ctl = bindir.join("pg_ctl");
    // pg_ctl status: 0 running, 3 not running.
    let running = run_as
        .command(&pg_ctl)
        .arg("status")
        .arg("-D")
        .arg(&dir)
        .output()
        .map_err(io)?
        .status
        .success();
    if !running {
        let out = run_as
            .command(&pg_ctl)
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&dir)
            .arg("-l")
            .arg(dir.join("postgres.log"))
            .output()
            .map_err(io)?;
        checked(&dir, "pg_ctl start", out)?;
    }
    Ok(PrivateCluster {
        dir,
        started: !running,
    })
}

/// `initdb` with trust authentication over the socket only, then the settings.
fn init(dir: &Path, bindir: &Path, run_as: &RunAs) -> Result<(), PrivateClusterError> {
    let io = |source| PrivateClusterError::Io {
        dir: dir.to_owned(),
        source,
    };
    let out = run_as
        .command(&bindir.join("initdb"))
        .arg("-D")
        .arg(dir)
        .args([
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        ])
        .output()
        .map_err(io)?;
    checked(dir, "initdb", out)?;
    let socket_dir = dir.to_string_lossy().replace('\'', "''");
    let settings = format!(
        "\n# acupress private cluster: Unix socket in this folder only, no TCP.\n\
         listen_addresses = ''\nunix_socket_directories = '{socket_dir}'\n\
         port = {SOCKET_PORT}\nmax_connections = 200\n"
    );
    let conf = dir.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&conf).map_err(io)?;
    text.push_str(&settings);
    std::fs::write(&conf, text).map_err(io)
}

/// Stops the cluster in `dir` (fast shutdown) if it runs.
pub fn stop(dir: &Path, bindir: &Path) -> Result<(), PrivateClusterError> {
    let out = RunAs::detect()?
        .command(&bindir.join("pg_ctl"))
        .args(["stop", "-w", "-m", "fast", "-D"])
        .arg(dir)
        .output()
        .map_err(|source| PrivateClusterError::Io {
            dir: dir.to_owned(),
            source,
        })?;
    checked(dir, "pg_ctl stop", out)
}

fn checked(dir: &Path, what: &'static str, out: Output) -> Result<(), PrivateClusterError> {
    if out.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    }
    Err(PrivateClusterError::Command {
        dir: dir.to_owned(),
        what,
        detail: format!(
            "{detail} (exit {}; see {})",
            out.status,
            dir.join("postgres.log").display()
        ),
    })
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
