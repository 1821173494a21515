//! ID tokens from Apple and Google, as the phone's system sign-in dialog returns them:
//! the signature against the provider's published keys ([`jwks`](super::jwks)), the
//! algorithm the key was published for (RS256 or ES256; `none` and HMAC never), `iss`,
//! `aud` (one of the configured client ids), `exp` and `iat` with a small leeway, and
//! the nonce: Apple's token carries the SHA-256 (hex) of the raw nonce the app sends,
//! Google's the nonce itself.

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Deserializer};
use sha2::{Digest, Sha256};

use crate::auth::jwks::{self, Jwks, KeyError};
use crate::config::{IdProvider, IdentityConfig, ProviderConfig};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::users::Email;
use crate::validate;

/// Seconds of clock difference tolerated on `exp` and `iat`.
pub const LEEWAY_SECS: u64 = 10;
/// The longest ID token and nonce taken (as the request schemas say).
pub const MAX_TOKEN: usize = 8192;
pub const MAX_NONCE: usize = 128;
/// Seconds a client is told to wait when a provider's keys cannot be had.
pub const RETRY_AFTER_SECS: u64 = 10;

/// What a verified ID token says about its holder.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub provider: IdProvider,
    pub subject: String,
    /// The address the provider gives, normalised (absent, or unreadable, as `None`).
    pub email: Option<Email>,
    /// Whether the provider says it checked that address.
    pub email_verified: bool,
    /// An Apple relay address.
    pub private_email: bool,
    pub name: Option<String>,
}

/// One enabled provider and its keys.
pub struct Provider {
    pub config: ProviderConfig,
    keys: Jwks,
}

/// The enabled providers.
pub struct Providers(Vec<Provider>);

impl Providers {
    pub fn from_config(config: &IdentityConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.jwks_timeout)
            .connect_timeout(config.jwks_timeout)
            .pool_max_idle_per_host(0)
            // The key URL is taken as configured: a redirect (perhaps to plain HTTP) is a
            // failed fetch.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("acupress/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the HTTPS client could not be set up as configured");
                reqwest::Client::new()
            });
        Self(
            config
                .providers
                .iter()
                .map(|p| Provider {
                    config: p.clone(),
                    keys: Jwks::new(p.jwks_url.clone(), http.clone()),
                })
                .collect(),
        )
    }

    /// The provider, or 404 `provider_not_enabled`.
    pub fn get(&self, name: IdProvider) -> Result<&Provider, ApiError> {
        self.0
            .iter()
            .find(|p| p.config.name == name)
            .ok_or_else(|| ApiError::Missing {
                code: ProblemCode::ProviderNotEnabled,
                detail: format!(
                    "sign-in with {} is not enabled on this server",
                    name.as_str()
                ),
            })
    }
}

fn refused(detail: impl Into<String>) -> ApiError {
    ApiError::unauthorized(ProblemCode::InvalidIdToken, detail)
}

/// `true`, `false`, `"true"` or `"false"` (Apple sends strings).
fn loose_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Bool(bool),
        Text(String),
    }
    Ok(match Option::<Loose>::deserialize(d)? {
        Some(Loose::Bool(b)) => Some(b),
        Some(Loose::Text(t)) => Some(t.eq_ignore_ascii_case("true")),
        None => None,
    })
}

#[derive(Deserialize)]
struct IdClaims {
    sub: String,
    iat: u64,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default, deserialize_with = "loose_bool")]
    email_verified: Option<bool>,
    #[serde(default, deserialize_with = "loose_bool")]
    is_private_email: Option<bool>,
    #[serde(default)]
    name: Option<String>,
}

/// What the token's `nonce` must be for the raw nonce the app sent.
fn expected_nonce(provider: IdProvider, raw: &str) -> String {
    match provider {
        IdProvider::Apple => hex(&Sha256::digest(raw.as_bytes())),
        IdProvider::Google => raw.to_owned(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Provider {
    /// Verifies `token` against this provider's keys and rules; `nonce` is the raw nonce
    /// the app made for this sign-in (required for Apple).
    pub async fn verify(
        &self,
        token: &str,
        nonce: Option<&str>,
    ) -> Result<VerifiedIdentity, ApiError> {
        let name = self.config.name;
        validate::token("id_token", token, 1, MAX_TOKEN)?;
        if let Some(nonce) = nonce {
            validate::token("nonce", nonce, 1, MAX_NONCE)?;
        }
        if name == IdProvider::Apple && nonce.is_none() {
            return Err(ApiError::invalid(
                "nonce",
                "is required with an Apple ID token: send the raw nonce whose SHA-256 the app gave Apple",
            ));
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| refused("the ID token is not a readable JWT"))?;
        if !jwks::ACCEPTED.contains(&header.alg) {
            return Err(refused(format!(
                "ID tokens signed with {:?} are not accepted",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| refused("the ID token names no key"))?;
        let key = self.keys.key(&kid).await.map_err(|e| match e {
            KeyError::UnknownKid => {
                refused("the ID token was signed with a key the provider does not publish")
            }
            KeyError::Unavailable(_) => ApiError::ProviderUnavailable {
                retry_after: RETRY_AFTER_SECS,
                detail: format!(
                    "the signing keys of {} cannot be fetched right now; retry shortly",
                    name.as_str()
                ),
            },
        })?;
        if key.alg != header.alg {
            return Err(refused(
                "the ID token's algorithm is not the one its key is published for",
            ));
        }
        let claims = self.decode(token, &key.key, key.alg)?;
        let now = jsonwebtoken::get_current_timestamp();
        if claims.iat > now + LEEWAY_SECS {
            return Err(refused("the ID token was issued in the future"));
        }
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err(refused("the ID token's subject is empty or too long"));
        }
        match (nonce, claims.nonce.as_deref()) {
            (None, None) => {}
            (Some(raw), Some(carried)) if expected_nonce(name, raw) == carried => {}
            (Some(_), _) => return Err(refused("the ID token was not made for this nonce")),
            (None, Some(_)) => {
                return Err(refused(
                    "the ID token carries a nonce: send the raw nonce it was made for",
                ));
            }
        }
        let email = claims.email.as_deref().and_then(|e| Email::parse(e).ok());
        Ok(VerifiedIdentity {
            provider: name,
            subject: claims.sub,
            email_verified: email.is_some() && claims.email_verified == Some(true),
            private_email: claims.is_private_email == Some(true),
            email,
            // A name the account could not be given (too long, invisible characters) is
            // dropped: the new account gets the placeholder instead.
            name: claims.name.and_then(|n| validate::display_name(&n).ok()),
        })
    }

    fn decode(
        &self,
        token: &str,
        key: &jsonwebtoken::DecodingKey,
        alg: Algorithm,
    ) -> Result<IdClaims, ApiError> {
        let mut validation = Validation::new(alg);
        validation.set_issuer(self.config.name.issuers());
        validation.set_audience(&self.config.client_ids);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        jsonwebtoken::decode::<IdClaims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                refused(match e.kind() {
                    ErrorKind::ExpiredSignature => "the ID token has expired",
                    ErrorKind::InvalidIssuer => "the ID token was not issued by this provider",
                    ErrorKind::InvalidAudience => "the ID token was issued to another app",
                    ErrorKind::InvalidSignature => "the ID token's signature does not verify",
                    ErrorKind::MissingRequiredClaim(_) => "the ID token lacks a required claim",
                    _ => "the ID token is not valid",
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_tokens_carry_the_hash_of_the_nonce_google_tokens_the_nonce() {
        assert_eq!(
            expected_nonce(IdProvider::Apple, "abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(expected_nonce(IdProvider::Google, "abc"), "abc");
    }

    #[test]
    fn apple_says_true_as_text() {
        let claims: IdClaims = serde_json::from_value(serde_json::json!({
            "sub": "s", "iat": 1, "email_verified": "true", "is_private_email": false
        }))
        .unwrap();
        assert_eq!(claims.email_verified, Some(true));
        assert_eq!(claims.is_private_email, Some(false));
    }
}
