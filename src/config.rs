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
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration from any lookup function (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&get);
        let database_url = env.string("DATABASE_URL", DEFAULT_DATABASE_URL);
        validate_database_url(&database_url)?;
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
        let workers_default = std::thread::available_parallelism().map_or(2, usize::from);
        let config = Self {
            database_url,
            listen: env.parse("ACUPRESS_LISTEN", "0.0.0.0:8080")?,
            db_pool_size: env.parse_bounded("ACUPRESS_DB_POOL_SIZE", 16, 1, 1000)?,
            db_pool_timeout: env.millis("ACUPRESS_DB_POOL_TIMEOUT_MS", 2_000)?,
            db_connect_timeout: env.millis("ACUPRESS_DB_CONNECT_TIMEOUT_MS", 2_000)?,
            db_statement_timeout: env.millis("ACUPRESS_DB_STATEMENT_TIMEOUT_MS", 5_000)?,
            db_startup_timeout: env.millis("ACUPRESS_DB_STARTUP_TIMEOUT_MS", 30_000)?,
            log_level: env.string("ACUPRESS_LOG", "info"),
            log_format: env.parse("ACUPRESS_LOG_FORMAT", "pretty")?,
            cors_origins,
            body_limit: env.parse_bounded("ACUPRESS_BODY_LIMIT", 1_048_576, 1_024, 64 << 20)?,
            data_dir: PathBuf::from(env.string("ACUPRESS_DATA_DIR", "data")),
            catalog_refresh: env.millis("ACUPRESS_CATALOG_REFRESH_MS", 10_000)?,
            shutdown_timeout: env.millis("ACUPRESS_SHUTDOWN_TIMEOUT_MS", 30_000)?,
            workers: env.parse_bounded("ACUPRESS_WORKERS", workers_default, 1, 256)?,
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

fn validate_database_url(raw: &str) -> Result<(), ConfigError> {
    let fail = |message: String| ConfigError {
        variable: "DATABASE_URL",
        message: format!("{message} (value: {})", redact_url(raw)),
    };
    let url = url::Url::parse(raw).map_err(|e| fail(e.to_string()))?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(fail("scheme must be postgres:// or postgresql://".into()));
    }
    if database_name(raw).is_none() {
        return Err(fail("the URL must name a database, e.g. /acupress".into()));
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
    fn defaults_are_safe() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.listen.to_string(), "0.0.0.0:8080");
        assert_eq!(c.body_limit, 1_048_576);
        assert!(c.cors_origins.is_empty());
        assert_eq!(c.log_format, LogFormat::Pretty);
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
            ("ACUPRESS_BODY_LIMIT", "-1"),
            ("DATABASE_URL", "mysql://x/y"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.variable, var, "{value}");
            assert!(err.to_string().contains(var));
        }
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
