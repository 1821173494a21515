//! All settings, read from environment variables with safe defaults.
//!
//! A malformed value stops the server at start with a message naming the variable.
//! The password of a database URL is never printed (see [`redact_url`]).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Default database: the local PostgreSQL a newcomer has running.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/acupress";

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

/// A setting that could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.variable, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A signing secret; its `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

/// Shortest HMAC secret accepted for signing access tokens (RFC 7518 asks for at
/// least the hash size, 256 bits for HS256).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

/// Access-token signing keys by `kid`; the first signs, all verify.
#[derive(Clone, Debug)]
pub struct JwtKeys {
    pub keys: Vec<(String, Secret)>,
    /// True when no key was configured and a random one was made for this process.
    pub generated: bool,
}

/// A token bucket: `burst` attempts at once, one more every `period`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub burst: u32,
    pub period: Duration,
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
}

/// How the server bounds what slow or silent clients can hold, and how it stops.
#[derive(Clone, Debug)]
pub struct Serving {
    /// Deadline for reading a whole request body; 408 after it.
    pub body_timeout: Duration,
    /// Bytes of request bodies all requests of the process may hold at once; 503 beyond.
    pub body_memory: usize,
    /// Open connections per worker; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// After SIGTERM or SIGINT, how long `/readyz` answers 503 while requests are still
    /// accepted and served, before the listener closes.
    pub drain: Duration,
}

/// Descriptors kept free of client connections: the database pool, data files, logs.
const RESERVED_DESCRIPTORS: usize = 64;

/// The per-worker connection bound when none is configured: what the process's open-file
/// limit leaves after the database pool and a reserve, shared by the workers (at most
/// actix's own default of 25,000; 1,024 when the limit cannot be read).
fn default_max_connections(workers: usize, pool_size: usize) -> usize {
    let soft_limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|soft| soft.parse::<usize>().ok());
    match soft_limit {
        Some(limit) => (limit.saturating_sub(pool_size + RESERVED_DESCRIPTORS) / workers.max(1))
            .clamp(1, 25_000),
        None => 1_024,
    }
}

impl Serving {
    fn from_env<F: Fn(&str) -> Option<String>>(
        env: &Env<'_, F>,
        body_limit: usize,
        workers: usize,
        pool_size: usize,
    ) -> Result<Self, ConfigError> {
        let body_memory_mb = env.parse_bounded("ACUPRESS_BODY_MEMORY_MB", 64, 1, 1 << 16)?;
        let body_memory = body_memory_mb << 20;
        if body_memory < body_limit {
            return Err(ConfigError {
                variable: "ACUPRESS_BODY_MEMORY_MB",
                message: format!(
                    "{body_memory_mb} MiB is less than one body of ACUPRESS_BODY_LIMIT \
                     ({body_limit} bytes): no body that large could ever be read"
                ),
            });
        }
        Ok(Self {
            body_timeout: env.millis("ACUPRESS_BODY_TIMEOUT_MS", 10_000)?,
            body_memory,
            max_connections: env.parse_bounded(
                "ACUPRESS_MAX_CONNECTIONS",
                default_max_connections(workers, pool_size),
                1,
                1_000_000,
            )?,
            drain: Duration::from_millis(env.parse_bounded(
                "ACUPRESS_DRAIN_MS",
                5_000,
                0,
                600_000,
            )? as u64),
        })
    }
}

/// Where and with which binaries to run the private PostgreSQL cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrivateClusterConfig {
    /// Data folder (`ACUPRESS_PRIVATE_DB_DIR`).
    pub dir: PathBuf,
    /// Folder of `initdb` and `pg_ctl` (`ACUPRESS_PG_BINDIR`); `None`: searched for.
    pub bindir: Option<PathBuf>,
}

/// The private cluster's data folder unless `ACUPRESS_PRIVATE_DB_DIR` says otherwise.
pub const DEFAULT_PRIVATE_DB_DIR: &str = ".acupress/postgres";

/// An address block such as `10.0.0.0/8` or `2001:db8::/32` (a bare address is /32 or /128).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpNet {
    addr: std::net::IpAddr,
    prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr::{V4, V6};
        match (self.addr, ip) {
            (V4(net), V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (V6(net), V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for IpNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: std::net::IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or block"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix must be 0 to {max}"))?,
        };
        Ok(Self { addr, prefix })
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from any lookup function (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&get);
        let (database_url, private_cluster) = database_settings(&env)?;
        let cors_origins = env
            .string("ACUPRESS_CORS_ORIGINS", "")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>();
        if let Some(bad) = cors_origins
            .iter()
            .find(|o| *o != "*" && url::Url::parse(o).is_err())
        {
            return Err(ConfigError {
                variable: "ACUPRESS_CORS_ORIGINS",
                message: format!("`{bad}` is not an origin such as https://app.example.com"),
            });
        }
        let trusted_proxies = env
            .string("ACUPRESS_TRUSTED_PROXIES", "")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<IpNet>, String>>()
            .map_err(|message| ConfigError {
                variable: "ACUPRESS_TRUSTED_PROXIES",
                message,
            })?;
        let metrics_listen = parse_metrics_listen(&env)?;
        let workers_default = std::thread::available_parallelism().map_or(2, usize::from);
        let body_limit = env.parse_bounded("ACUPRESS_BODY_LIMIT", 1_048_576, 1_024, 64 << 20)?;
        let workers = env.parse_bounded("ACUPRESS_WORKERS", workers_default, 1, 256)?;
        let db_pool_size = env.parse_bounded("ACUPRESS_DB_POOL_SIZE", 16, 1, 1000)?;
        let config = Self {
            database_url,
            listen: env.parse("ACUPRESS_LISTEN", "0.0.0.0:8080")?,
            db_pool_size,
            db_pool_timeout: env.millis("ACUPRESS_DB_POOL_TIMEOUT_MS", 2_000)?,
            db_connect_timeout: env.millis("ACUPRESS_DB_CONNECT_TIMEOUT_MS", 2_000)?,
            db_statement_timeout: env.millis("ACUPRESS_DB_STATEMENT_TIMEOUT_MS", 5_000)?,
            db_startup_timeout: env.millis("ACUPRESS_DB_STARTUP_TIMEOUT_MS", 30_000)?,
            log_level: env.string("ACUPRESS_LOG", "info"),
            log_format: env.parse("ACUPRESS_LOG_FORMAT", "pretty")?,
            cors_origins,
            body_limit,
            data_dir: PathBuf::from(env.string("ACUPRESS_DATA_DIR", "data")),
            catalog_refresh: env.millis("ACUPRESS_CATALOG_REFRESH_MS", 10_000)?,
            shutdown_timeout: env.millis("ACUPRESS_SHUTDOWN_TIMEOUT_MS", 30_000)?,
            workers,
            jwt_keys: parse_jwt_keys(&env.string("ACUPRESS_JWT_KEYS", ""))?,
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
            auth_rate_account: RateLimit {
                burst: env.parse_bounded("ACUPRESS_AUTH_RATE_ACCOUNT_BURST", 10, 1, 100_000)?
                    as u32,
                period: env.millis("ACUPRESS_AUTH_RATE_ACCOUNT_PERIOD_MS", 30_000)?,
            },
            auth_rate_address: RateLimit {
                burst: env.parse_bounded("ACUPRESS_AUTH_RATE_ADDRESS_BURST", 30, 1, 100_000)?
                    as u32,
                period: env.millis("ACUPRESS_AUTH_RATE_ADDRESS_PERIOD_MS", 2_000)?,
            },
            trusted_proxies,
            serving: Serving::from_env(&env, body_limit, workers, db_pool_size)?,
            private_cluster,
            metrics_listen,
        };
        if config.metrics_listen == Some(config.listen) && config.listen.port() != 0 {
            return Err(ConfigError {
                variable: "ACUPRESS_METRICS_LISTEN",
                message: format!(
                    "{} is ACUPRESS_LISTEN too; give metrics an address of their own",
                    config.listen
                ),
            });
        }
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

struct Env<'a, F: Fn(&str) -> Option<String>>(&'a F);

impl<F: Fn(&str) -> Option<String>> Env<'_, F> {
    fn string(&self, name: &str, default: &str) -> String {
        (self.0)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    }

    fn parse<T: FromStr>(&self, name: &'static str, default: &str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let raw = self.string(name, default);
        raw.parse().map_err(|e: T::Err| ConfigError {
            variable: name,
            message: format!("`{raw}`: {e}"),
        })
    }

    fn parse_bounded(
        &self,
        name: &'static str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ConfigError> {
        let value: usize = self.parse(name, &default.to_string())?;
        if (min..=max).contains(&value) {
            Ok(value)
        } else {
            Err(ConfigError {
                variable: name,
                message: format!("{value} is outside {min}..={max}"),
            })
        }
    }

    fn millis(&self, name: &'static str, default: u64) -> Result<Duration, ConfigError> {
        let ms = self.parse_bounded(name, default as usize, 1, 3_600_000)?;
        Ok(Duration::from_millis(ms as u64))
    }
}

/// `DATABASE_URL` when set; otherwise the default address (`ACUPRESS_DEFAULT_DATABASE_URL`,
/// else [`DEFAULT_DATABASE_URL`]) with the private cluster to fall back on.
fn database_settings<F: Fn(&str) -> Option<String>>(
    env: &Env<'_, F>,
) -> Result<(String, Option<PrivateClusterConfig>), ConfigError> {
    let explicit = env.string("DATABASE_URL", "");
    if !explicit.is_empty() {
        validate_database_url("DATABASE_URL", &explicit)?;
        return Ok((explicit, None));
    }
    let default = env.string("ACUPRESS_DEFAULT_DATABASE_URL", DEFAULT_DATABASE_URL);
    validate_database_url("ACUPRESS_DEFAULT_DATABASE_URL", &default)?;
    let bindir = env.string("ACUPRESS_PG_BINDIR", "");
    let private = PrivateClusterConfig {
        dir: PathBuf::from(env.string("ACUPRESS_PRIVATE_DB_DIR", DEFAULT_PRIVATE_DB_DIR)),
        bindir: (!bindir.is_empty()).then(|| PathBuf::from(bindir)),
    };
    Ok((default, Some(private)))
}

/// `ACUPRESS_METRICS_LISTEN`: an address and port, or unset (metrics on the API port).
fn parse_metrics_listen<F: Fn(&str) -> Option<String>>(
    env: &Env<'_, F>,
) -> Result<Option<SocketAddr>, ConfigError> {
    let raw = env.string("ACUPRESS_METRICS_LISTEN", "");
    if raw.is_empty() {
        return Ok(None);
    }
    env.parse("ACUPRESS_METRICS_LISTEN", &raw).map(Some)
}

/// Parses `kid=secret,kid=secret` (secrets base64, standard or URL-safe alphabet).
/// Empty: one random key for this process (tokens do not survive a restart).
fn parse_jwt_keys(raw: &str) -> Result<JwtKeys, ConfigError> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let fail = |message: String| ConfigError {
        variable: "ACUPRESS_JWT_KEYS",
        message,
    };
    if raw.trim().is_empty() {
        let mut secret = vec![0u8; 32];
        rand::fill(&mut secret[..]);
        return Ok(JwtKeys {
            keys: vec![(
                format!("dev-{}", uuid::Uuid::new_v4().simple()),
                Secret(secret),
            )],
            generated: true,
        });
    }
    let mut keys: Vec<(String, Secret)> = Vec::new();
    for (i, part) in raw.split(',').map(str::trim).enumerate() {
        let (kid, encoded) = part
            .split_once('=')
            .filter(|(kid, _)| !kid.trim().is_empty())
            .ok_or_else(|| fail(format!("entry {} must be kid=base64secret", i + 1)))?;
        let kid = kid.trim();
        let secret = STANDARD
            .decode(encoded.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim().trim_end_matches('=')))
            .map_err(|_| fail(format!("the secret of key `{kid}` is not base64")))?;
        if secret.len() < MIN_JWT_SECRET_BYTES {
            return Err(fail(format!(
                "the secret of key `{kid}` is {} bytes; at least {MIN_JWT_SECRET_BYTES} are required",
                secret.len()
            )));
        }
        if keys.iter().any(|(k, _)| k == kid) {
            return Err(fail(format!("key `{kid}` appears twice")));
        }
        keys.push((kid.to_owned(), Secret(secret)));
    }
    Ok(JwtKeys {
        keys,
        generated: false,
    })
}

fn validate_database_url(variable: &'static str, raw: &str) -> Result<(), ConfigError> {
    let fail = |message: String| ConfigError {
        variable,
        message: format!("{message} (value: {})", redact_url(raw)),
    };
    let url = url::Url::parse(raw).map_err(|e| fail(e.to_string()))?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(fail("scheme must be postgres:// or postgresql://".into()));
    }
    if database_name(raw).is_none() {
        return Err(fail("the URL must name a database, e.g. /acupress".into()));
    }
    // The connector speaks plain TCP only (no TLS library in the build yet): say so at
    // once rather than retrying a connection that can never be made.
    if let Some((_, mode)) = url.query_pairs().find(|(k, _)| k == "sslmode")
        && matches!(&*mode, "require" | "verify-ca" | "verify-full")
    {
        return Err(fail(format!(
            "sslmode={mode}: TLS connections to PostgreSQL are not supported yet; reach the \
             database over a private network or a local TLS proxy, with sslmode=disable or prefer"
        )));
    }
    Ok(())
}

/// The database name in a PostgreSQL URL (`/acupress` → `acupress`).
pub fn database_name(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    let name = url.path().trim_start_matches('/');
    (!name.is_empty() && !name.contains('/')).then(|| name.to_owned())
}

/// The same URL pointing at another database on the same server.
pub fn with_database(raw: &str, database: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            url.set_path(&format!("/{database}"));
            url.to_string()
        }
        Err(_) => raw.to_owned(),
    }
}

/// Replaces the password in a URL with `***`; unparseable input is hidden entirely.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            url.to_string()
        }
        Err(_) => "<unparseable URL>".to_owned(),
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
    fn address_blocks_contain_their_addresses() {
        let net: IpNet = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(!net.contains("::1".parse().unwrap()));
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains("192.0.2.7".parse().unwrap()));
        assert!(!one.contains("192.0.2.8".parse().unwrap()));
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
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
        assert!(!redact_url("postgres://u:s3cret@[bad").contains("s3cret"));
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

    #[test]
    fn database_helpers() {
        assert_eq!(
            database_name(DEFAULT_DATABASE_URL).as_deref(),
            Some("acupress")
        );
        assert_eq!(
            with_database("postgres://u:p@h:1/a?sslmode=disable", "postgres"),
            "postgres://u:p@h:1/postgres?sslmode=disable"
        );
    }
}
