//! Which database: `DATABASE_URL` or the default address with a private cluster to fall
//! back on, URL checks, and the URL helpers (database name, another database, redaction).

use std::path::PathBuf;

use super::env::{ConfigError, Env};

/// Default database: the local PostgreSQL a newcomer has running.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/acupress";

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

/// `DATABASE_URL` when set; otherwise the default address (`ACUPRESS_DEFAULT_DATABASE_URL`,
/// else [`DEFAULT_DATABASE_URL`]) with the private cluster to fall back on.
pub(super) fn database_settings(
    env: &Env<'_>,
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
        assert!(!redact_url("postgres://u:s3cret@[bad").contains("s3cret"));
    }
}
