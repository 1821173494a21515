//! All settings, read from environment variables with safe defaults.
//!
//! A malformed value stops the server at start with a message naming the variable.
//! The password of a database URL is never printed (see [`redact_url`]).
//!
//! One concern per file: reading a variable (`env`), the database (`database`), signing
//! keys (`keys`), rate limits and serving bounds (`limits`), addresses (`network`),
//! mail (`mail`), identity providers and two-factor codes (`identity`).

mod database;
mod env;
mod identity;
mod keys;
mod limits;
mod mail;
mod network;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

pub use database::{
    DEFAULT_DATABASE_URL, DEFAULT_PRIVATE_DB_DIR, PrivateClusterConfig, database_name, redact_url,
    with_database,
};
pub use env::ConfigError;
pub use identity::{IdProvider, IdentityConfig, ProviderConfig};
pub use keys::{JwtKeys, MIN_JWT_SECRET_BYTES, Secret};
pub use limits::{RateLimit, Serving};
pub use mail::{MailConfig, MailDelivery, redact_smtp};
pub use network::IpNet;

use env::Env;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "pretty" | "text" => Ok(Self::Pretty),
            _ => Err("expected `json` or `pretty`".into()),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub db_pool_size: usize,
    /// How long a request waits for a free pooled connection before 503.
    pub db_pool_timeout: Duration,
    /// How long opening one new database connection may take.
    pub db_connect_timeout: Duration,
    /// Server-side deadline for every SQL statement.
    pub db_statement_timeout: Duration,
    /// How long start-up waits for the database to accept connections.
    pub db_startup_timeout: Duration,
    pub log_level: String,
    pub log_format: LogFormat,
    /// Origins allowed by CORS; empty means no cross-origin browser access.
    pub cors_origins: Vec<String>,
    pub body_limit: usize,
    pub data_dir: PathBuf,
    /// How often an instance checks whether another one loaded newer catalog content.
    pub catalog_refresh: Duration,
    pub shutdown_timeout: Duration,
    pub workers: usize,
    pub jwt_keys: JwtKeys,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// How long a rotated refresh token may still be presented (lost responses,
    /// two refreshes at once) before its reuse revokes the session.
    pub refresh_grace: Duration,
    /// Attempts on register, login and refresh per account.
    pub auth_rate_account: RateLimit,
    /// Attempts on register, login, refresh and guest creation per client address.
    pub auth_rate_address: RateLimit,
    /// Proxies whose `X-Forwarded-For` is believed when they are the TCP peer.
    pub trusted_proxies: Vec<IpNet>,
    /// Slow clients and shutdown: body deadline, connection and memory bounds, drain.
    pub serving: Serving,
    /// Set when `DATABASE_URL` is not: `database_url` is then the default address, and a
    /// private cluster is started when nothing usable answers there (`db::embedded`).
    pub private_cluster: Option<PrivateClusterConfig>,
    /// Where `/metrics` is served instead of the API port; `None` keeps it on the API port.
    pub metrics_listen: Option<SocketAddr>,
    /// Outbound mail (`ACUPRESS_SMTP_URL`, `ACUPRESS_MAIL_FROM`, `ACUPRESS_MAIL_DIR`,
    /// `ACUPRESS_LINK_BASE_URL`).
    pub mail: MailConfig,
    /// Sign-in with Apple and Google, and two-factor codes.
    pub identity: IdentityConfig,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from any lookup function (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&get);
        let (database_url, private_cluster) = database::database_settings(&env)?;
        let listen = env.parse("ACUPRESS_LISTEN", "0.0.0.0:8080")?;
        let workers_default = std::thread::available_parallelism().map_or(2, usize::from);
        let body_limit = env.parse_bounded("ACUPRESS_BODY_LIMIT", 1_048_576, 1_024, 64 << 20)?;
        let workers = env.parse_bounded("ACUPRESS_WORKERS", workers_default, 1, 256)?;
        let db_pool_size = env.parse_bounded("ACUPRESS_DB_POOL_SIZE", 16, 1, 1000)?;
        let config = Self {
            database_url,
            listen,
            db_pool_size,
            db_pool_timeout: env.millis("ACUPRESS_DB_POOL_TIMEOUT_MS", 2_000)?,
            db_connect_timeout: env.millis("ACUPRESS_DB_CONNECT_TIMEOUT_MS", 2_000)?,
            db_statement_timeout: env.millis("ACUPRESS_DB_STATEMENT_TIMEOUT_MS", 5_000)?,
            db_startup_timeout: env.millis("ACUPRESS_DB_STARTUP_TIMEOUT_MS", 30_000)?,
            log_level: env.string("ACUPRESS_LOG", "info"),
            log_format: env.parse("ACUPRESS_LOG_FORMAT", "pretty")?,
            cors_origins: network::cors_origins(&env)?,
            body_limit,
            data_dir: PathBuf::from(env.string("ACUPRESS_DATA_DIR", "data")),
            catalog_refresh: env.millis("ACUPRESS_CATALOG_REFRESH_MS", 10_000)?,
            shutdown_timeout: env.millis("ACUPRESS_SHUTDOWN_TIMEOUT_MS", 30_000)?,
            workers,
            jwt_keys: keys::parse_jwt_keys(&env.string("ACUPRESS_JWT_KEYS", ""))?,
            jwt_issuer: env.string("ACUPRESS_JWT_ISSUER", "acupress"),
            jwt_audience: env.string("ACUPRESS_JWT_AUDIENCE", "acupress-app"),
            access_ttl: Duration::from_secs(env.parse_bounded(
                "ACUPRESS_ACCESS_TOKEN_TTL_SECS",
                900,
                30,
                86_400,
            )? as u64),
            refresh_ttl: Duration::from_secs(
                env.parse_bounded("ACUPRESS_REFRESH_TOKEN_TTL_DAYS", 60, 1, 3650)? as u64 * 86_400,
            ),
            refresh_grace: Duration::from_secs(env.parse_bounded(
                "ACUPRESS_REFRESH_GRACE_SECS",
                10,
                0,
                300,
            )? as u64),
            auth_rate_account: RateLimit::from_env(
                &env,
                ("ACUPRESS_AUTH_RATE_ACCOUNT_BURST", 10),
                ("ACUPRESS_AUTH_RATE_ACCOUNT_PERIOD_MS", 30_000),
            )?,
            auth_rate_address: RateLimit::from_env(
                &env,
                ("ACUPRESS_AUTH_RATE_ADDRESS_BURST", 30),
                ("ACUPRESS_AUTH_RATE_ADDRESS_PERIOD_MS", 2_000),
            )?,
            trusted_proxies: network::trusted_proxies(&env)?,
            serving: Serving::from_env(&env, body_limit, workers, db_pool_size)?,
            private_cluster,
            metrics_listen: network::metrics_listen(&env, listen)?,
            mail: mail::mail_settings(&env)?,
            identity: identity::identity_settings(&env)?,
        };
        tracing_subscriber::EnvFilter::try_new(&config.log_level).map_err(|e| ConfigError {
            variable: "ACUPRESS_LOG",
            message: e.to_string(),
        })?;
        Ok(config)
    }

    /// The database URL with its password replaced, safe for logs.
    pub fn database_url_redacted(&self) -> String {
        redact_url(&self.database_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_safe() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(c.body_limit, 1_048_576);
        assert!(c.cors_origins.is_empty());
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.metrics_listen, None, "metrics stay on the API port");
        let apart = config(&[("ACUPRESS_METRICS_LISTEN", "127.0.0.1:9100")]).unwrap();
        assert_eq!(
            apart.metrics_listen,
            Some("127.0.0.1:9100".parse().unwrap())
        );
    }

    #[test]
    fn malformed_values_name_the_variable() {
        for (var, value) in [
            ("ACUPRESS_LISTEN", "localhost"),
            ("ACUPRESS_DB_POOL_SIZE", "0"),
            ("ACUPRESS_DB_POOL_TIMEOUT_MS", "soon"),
            ("ACUPRESS_LOG_FORMAT", "xml"),
            ("ACUPRESS_LOG", "info,[[["),
            ("ACUPRESS_CORS_ORIGINS", "not an origin"),
            ("ACUPRESS_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("ACUPRESS_TRUSTED_PROXIES", "proxy.internal"),
            ("ACUPRESS_BODY_LIMIT", "-1"),
            ("DATABASE_URL", "mysql://x/y"),
            ("ACUPRESS_DEFAULT_DATABASE_URL", "postgres://127.0.0.1:5432"),
            (
                "DATABASE_URL",
                "postgres://db.example.com/acupress?sslmode=require",
            ),
            ("ACUPRESS_JWT_KEYS", "k1=c2hvcnQ="),
            ("ACUPRESS_JWT_KEYS", "no-equals-sign"),
            ("ACUPRESS_JWT_KEYS", "k1=!!!not base64!!!"),
            ("ACUPRESS_REFRESH_GRACE_SECS", "forever"),
            ("ACUPRESS_BODY_TIMEOUT_MS", "0"),
            ("ACUPRESS_MAX_CONNECTIONS", "none"),
            ("ACUPRESS_DRAIN_MS", "-5"),
            ("ACUPRESS_BODY_MEMORY_MB", "0"),
            ("ACUPRESS_METRICS_LISTEN", "localhost"),
            ("ACUPRESS_METRICS_LISTEN", "0.0.0.0:8080"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{value}");
            assert!(err.to_string().contains(var));
        }
    }

    #[test]
    fn serving_limits_have_production_defaults_and_are_checked() {
        let c = config(&[]).unwrap();
        assert_eq!(c.serving.body_timeout, Duration::from_secs(10));
        assert_eq!(c.serving.body_memory, 64 << 20);
        assert_eq!(c.serving.drain, Duration::from_secs(5));
        assert!((1..=25_000).contains(&c.serving.max_connections));
        let c = config(&[
            ("ACUPRESS_DRAIN_MS", "0"),
            ("ACUPRESS_MAX_CONNECTIONS", "7"),
        ])
        .unwrap();
        assert_eq!(
            (c.serving.drain, c.serving.max_connections),
            (Duration::ZERO, 7)
        );
        // A budget smaller than one body of the limit could never read such a body.
        let err = config(&[
            ("ACUPRESS_BODY_LIMIT", "4194304"),
            ("ACUPRESS_BODY_MEMORY_MB", "2"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "ACUPRESS_BODY_MEMORY_MB");
    }

    #[test]
    fn jwt_keys_rotate_and_are_never_printed() {
        let long = "a2V5LW9uZS1pcy10aGlydHktdHdvLWJ5dGVzLWxvbmchIQ==";
        let c = config(&[("ACUPRESS_JWT_KEYS", &format!("new={long}, old={long}"))]).unwrap();
        let kids: Vec<&str> = c.jwt_keys.keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(kids, ["new", "old"], "the first signs, both verify");
        assert!(!c.jwt_keys.generated);
        assert!(
            !format!("{c:?}").contains("a2V5"),
            "no secret in Debug output"
        );
        let dev = config(&[]).unwrap();
        assert!(dev.jwt_keys.generated);
        assert_eq!(dev.jwt_keys.keys[0].1.0.len(), 32);
    }

    #[test]
    fn password_is_never_printed() {
        let err = config(&[("DATABASE_URL", "postgres://u:s3cret@h:5432")]).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        let c = config(&[("DATABASE_URL", "postgres://u:s3cret@h:5432/db")]).unwrap();
        assert_eq!(c.database_url_redacted(), "postgres://u:***@h:5432/db");
    }

    #[test]
    fn only_an_unset_database_url_falls_back_on_a_private_cluster() {
        let unset = config(&[]).unwrap();
        assert_eq!(
            unset.private_cluster,
            Some(PrivateClusterConfig {
                dir: PathBuf::from(DEFAULT_PRIVATE_DB_DIR),
                bindir: None
            })
        );
        let moved = config(&[
            (
                "ACUPRESS_DEFAULT_DATABASE_URL",
                "postgres://me@127.0.0.1:6543/acupress",
            ),
            ("ACUPRESS_PRIVATE_DB_DIR", "/tmp/pg"),
            ("ACUPRESS_PG_BINDIR", "/opt/pg/bin"),
        ])
        .unwrap();
        assert_eq!(moved.database_url, "postgres://me@127.0.0.1:6543/acupress");
        let private = moved.private_cluster.unwrap();
        assert_eq!(private.dir, PathBuf::from("/tmp/pg"));
        assert_eq!(private.bindir, Some(PathBuf::from("/opt/pg/bin")));
        let set = config(&[
            ("DATABASE_URL", "postgres://db.internal/acupress"),
            (
                "ACUPRESS_DEFAULT_DATABASE_URL",
                "postgres://127.0.0.1:6543/other",
            ),
        ])
        .unwrap();
        assert_eq!(set.database_url, "postgres://db.internal/acupress");
        assert_eq!(
            set.private_cluster, None,
            "a set DATABASE_URL is used as it is"
        );
    }
}
