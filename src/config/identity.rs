//! Sign-in with Apple and Google: the client ids each provider's ID tokens are issued
//! to, where its signing keys are published, and how long a fetch of them may take.
//! A provider with no client id is not enabled.

use std::time::Duration;

use url::Url;

use super::env::{ConfigError, Env};

/// A provider of Sign in with Apple or Google.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum IdProvider {
    Apple,
    Google,
}

impl IdProvider {
    pub const ALL: [IdProvider; 2] = [Self::Apple, Self::Google];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Apple => "apple",
            Self::Google => "google",
        }
    }

    /// The `iss` values its tokens carry.
    pub const fn issuers(self) -> &'static [&'static str] {
        match self {
            Self::Apple => &["https://appleid.apple.com"],
            Self::Google => &["https://accounts.google.com", "accounts.google.com"],
        }
    }

    const fn default_jwks(self) -> &'static str {
        match self {
            Self::Apple => "https://appleid.apple.com/auth/keys",
            Self::Google => "https://www.googleapis.com/oauth2/v3/certs",
        }
    }

    const fn variables(self) -> (&'static str, &'static str) {
        match self {
            Self::Apple => ("ACUPRESS_APPLE_CLIENT_IDS", "ACUPRESS_APPLE_JWKS_URL"),
            Self::Google => ("ACUPRESS_GOOGLE_CLIENT_IDS", "ACUPRESS_GOOGLE_JWKS_URL"),
        }
    }
}

/// One enabled provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderConfig {
    pub name: IdProvider,
    /// The accepted `aud` values: the iOS bundle id and the web service id for Apple; the
    /// Android, iOS and web client ids for Google.
    pub client_ids: Vec<String>,
    /// Where the provider publishes its keys (a JWKS): HTTPS, or plain HTTP to a loopback
    /// address (a test's own provider).
    pub jwks_url: Url,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityConfig {
    pub providers: Vec<ProviderConfig>,
    /// How long one fetch of a provider's keys may take before the sign-in is answered
    /// 503 (`ACUPRESS_JWKS_TIMEOUT_MS`).
    pub jwks_timeout: Duration,
    /// The issuer shown in authenticator apps (`ACUPRESS_TOTP_ISSUER`).
    pub totp_issuer: String,
}

impl IdentityConfig {
    pub fn provider(&self, name: IdProvider) -> Option<&ProviderConfig> {
        self.providers.iter().find(|p| p.name == name)
    }
}

pub(super) fn identity_settings(env: &Env<'_>) -> Result<IdentityConfig, ConfigError> {
    let mut providers = Vec::new();
    for name in IdProvider::ALL {
        let (ids_var, jwks_var) = name.variables();
        let client_ids = env.list(ids_var);
        if client_ids.is_empty() {
            continue;
        }
        let raw = env.string(jwks_var, name.default_jwks());
        let jwks_url = jwks_url(&raw).map_err(|message| ConfigError {
            variable: jwks_var,
            message,
        })?;
        providers.push(ProviderConfig {
            name,
            client_ids,
            jwks_url,
        });
    }
    let totp_issuer = env.string("ACUPRESS_TOTP_ISSUER", "acupress");
    if totp_issuer.contains(':') || totp_issuer.chars().count() > 40 {
        return Err(ConfigError {
            variable: "ACUPRESS_TOTP_ISSUER",
            message: "must be at most 40 characters, without `:`".into(),
        });
    }
    Ok(IdentityConfig {
        providers,
        jwks_timeout: env.millis("ACUPRESS_JWKS_TIMEOUT_MS", 3_000)?,
        totp_issuer,
    })
}

fn jwks_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(format!(
            "`{raw}` must be an https URL (plain http only to a loopback address)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<IdentityConfig, ConfigError> {
        let get = |name: &str| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        };
        identity_settings(&Env(&get))
    }

    #[test]
    fn a_provider_is_enabled_by_its_client_ids() {
        let none = settings(&[]).unwrap();
        assert!(none.providers.is_empty());
        let apple = settings(&[(
            "ACUPRESS_APPLE_CLIENT_IDS",
            "com.example.app, com.example.web",
        )])
        .unwrap();
        let config = apple.provider(IdProvider::Apple).unwrap();
        assert_eq!(config.client_ids, ["com.example.app", "com.example.web"]);
        assert_eq!(
            config.jwks_url.as_str(),
            "https://appleid.apple.com/auth/keys"
        );
        assert!(apple.provider(IdProvider::Google).is_none());
    }

    #[test]
    fn keys_come_over_https_or_from_loopback() {
        for (url, ok) in [
            ("http://127.0.0.1:9/keys", true),
            ("http://localhost:9/keys", true),
            ("https://keys.example.com/jwks", true),
            ("http://keys.example.com/jwks", false),
            ("ftp://127.0.0.1/keys", false),
            ("not a url", false),
        ] {
            let got = settings(&[
                (
                    "ACUPRESS_GOOGLE_CLIENT_IDS",
                    "web.apps.googleusercontent.com",
                ),
                ("ACUPRESS_GOOGLE_JWKS_URL", url),
            ]);
            assert_eq!(got.is_ok(), ok, "{url}");
            if let Err(e) = got {
                assert_eq!(e.variable, "ACUPRESS_GOOGLE_JWKS_URL");
            }
        }
    }
}
