//! Outbound mail: where it goes (`ACUPRESS_SMTP_URL`, or files in `ACUPRESS_MAIL_DIR`
//! when none is set), who it is from, and the base URL its links point at.

use std::path::PathBuf;

use lettre::message::Mailbox;
use url::Url;

use super::env::{ConfigError, Env};

/// Where messages are delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailDelivery {
    /// An SMTP server: `smtp://host:587` (STARTTLS when offered; `?tls=required` to
    /// insist), `smtps://host:465` (implicit TLS), with `user:password@` when it needs
    /// them. Kept whole (credentials included); log it only redacted.
    Smtp(String),
    /// One `.eml` file per message in this folder (for development).
    Folder(PathBuf),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailConfig {
    pub delivery: MailDelivery,
    pub from: Mailbox,
    /// The base of the links in messages (`https://app.example.com`), no trailing `/`.
    pub link_base: String,
}

pub(super) fn mail_settings(env: &Env<'_>) -> Result<MailConfig, ConfigError> {
    let smtp = env.string("ACUPRESS_SMTP_URL", "");
    let delivery = if smtp.is_empty() {
        MailDelivery::Folder(PathBuf::from(env.string("ACUPRESS_MAIL_DIR", "mail")))
    } else {
        let url = Url::parse(&smtp).map_err(|e| ConfigError {
            variable: "ACUPRESS_SMTP_URL",
            message: format!("not a URL: {e}"),
        })?;
        if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
            return Err(ConfigError {
                variable: "ACUPRESS_SMTP_URL",
                message: "must be smtp://host[:port] or smtps://host[:port]".into(),
            });
        }
        MailDelivery::Smtp(smtp)
    };
    let from_raw = env.string("ACUPRESS_MAIL_FROM", "acupress <no-reply@acupress.invalid>");
    let from = from_raw.parse::<Mailbox>().map_err(|e| ConfigError {
        variable: "ACUPRESS_MAIL_FROM",
        message: format!("`{from_raw}` is not an address: {e}"),
    })?;
    let link_raw = env.string("ACUPRESS_LINK_BASE_URL", "http://localhost:8080");
    let link = Url::parse(&link_raw).map_err(|e| ConfigError {
        variable: "ACUPRESS_LINK_BASE_URL",
        message: format!("not a URL: {e}"),
    })?;
    if !matches!(link.scheme(), "http" | "https") {
        return Err(ConfigError {
            variable: "ACUPRESS_LINK_BASE_URL",
            message: "must be an http or https URL".into(),
        });
    }
    Ok(MailConfig {
        delivery,
        from,
        link_base: link_raw.trim_end_matches('/').to_owned(),
    })
}

/// The SMTP URL without its password, for logs.
pub fn redact_smtp(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "(unreadable)".into(),
    }
}
