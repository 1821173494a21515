//! Access tokens (HS256 JWTs, keys chosen by `kid`) and opaque refresh tokens.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::auth::DeviceSessionId;
use crate::config::Config;
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::users::UserId;

/// The authentication assurance level of a device session (NIST SP 800-63B): `aal1`
/// signed in with one factor (a password, or an Apple or Google ID token), `aal2` with a
/// second (an authenticator or recovery code).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Aal {
    #[default]
    Aal1,
    Aal2,
}

impl Aal {
    /// As stored with the session.
    pub fn level(self) -> i16 {
        match self {
            Self::Aal1 => 1,
            Self::Aal2 => 2,
        }
    }

    pub fn from_level(level: i16) -> Self {
        if level >= 2 { Self::Aal2 } else { Self::Aal1 }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: UserId,
    /// The device session id; checked on every request, so logout is immediate.
    pub sid: DeviceSessionId,
    pub iat: u64,
    pub exp: u64,
    /// Unique per token.
    pub jti: Uuid,
    /// The session's assurance level (tokens issued before levels existed are `aal1`).
    #[serde(default)]
    pub aal: Aal,
}

/// Signs and verifies access tokens.
pub struct TokenKeys {
    signing_kid: String,
    signing: EncodingKey,
    verifying: Vec<(String, DecodingKey)>,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
}

/// Seconds of clock difference tolerated on `exp` and `iat` (kept small on purpose).
const LEEWAY_SECS: u64 = 5;

/// The JWT `typ` of an access token (RFC 9068): another kind of JWT signed with the
/// same key (should one ever exist) cannot pass for one.
const ACCESS_TOKEN_TYP: &str = "at+jwt";

impl TokenKeys {
    pub fn from_config(config: &Config) -> Self {
        let keys = &config.jwt_keys.keys;
        let (signing_kid, signing_secret) = &keys[0];
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        Self {
            signing_kid: signing_kid.clone(),
            signing: EncodingKey::from_secret(&signing_secret.0),
            verifying: keys
                .iter()
                .map(|(kid, secret)| (kid.clone(), DecodingKey::from_secret(&secret.0)))
                .collect(),
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            access_ttl: config.access_ttl,
        }
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// A signed access token for a user's session.
    pub fn issue(
        &self,
        user: UserId,
        session: DeviceSessionId,
        aal: Aal,
    ) -> Result<String, ApiError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user,
            sid: session,
            iat: now,
            exp: now + self.access_ttl.as_secs(),
            jti: Uuid::new_v4(),
            aal,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYP.to_owned());
        header.kid = Some(self.signing_kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.signing).map_err(ApiError::internal)
    }

    /// Checks signature, algorithm, `typ`, `kid`, issuer, audience, expiry and issue time.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        let invalid =
            |detail: &str| ApiError::unauthorized(ProblemCode::InvalidToken, detail.to_owned());
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("the access token is malformed"))?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid(
                "the access token uses an algorithm this API does not accept",
            ));
        }
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(ACCESS_TOKEN_TYP))
        {
            return Err(invalid("the token is not an access token"));
        }
        let kid = header
            .kid
            .ok_or_else(|| invalid("the access token names no key"))?;
        let key = self
            .verifying
            .iter()
            .find(|(k, _)| *k == kid)
            .map(|(_, key)| key)
            .ok_or_else(|| invalid("the access token was signed with an unknown key"))?;
        let claims = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    invalid("the access token has expired")
                }
                _ => invalid("the access token is not valid"),
            })?;
        if claims.iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECS {
            return Err(invalid("the access token was issued in the future"));
        }
        Ok(claims)
    }
}

/// A new opaque refresh token (256 random bits) and the hash that is stored.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// The stored form of a refresh token.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, JwtKeys, Secret};

    fn keys(secrets: &[(&str, u8)]) -> TokenKeys {
        let mut config = Config::from_lookup(|_| None).unwrap();
        config.jwt_keys = JwtKeys {
            keys: secrets
                .iter()
                .map(|(kid, b)| (kid.to_string(), Secret(vec![*b; 32])))
                .collect(),
            generated: false,
        };
        TokenKeys::from_config(&config)
    }

    #[test]
    fn tokens_round_trip_and_rotate() {
        let (user, session) = (UserId::new_v7(), DeviceSessionId::new_v7());
        let old = keys(&[("k1", 1)]);
        let token = old.issue(user, session, Aal::Aal2).unwrap();
        let claims = old.verify(&token).unwrap();
        assert_eq!((claims.sub, claims.sid), (user, session));
        assert_eq!(claims.aal, Aal::Aal2);
        assert_eq!(claims.exp - claims.iat, 900);
        // After rotation, k2 signs and k1 still verifies.
        let rotated = keys(&[("k2", 2), ("k1", 1)]);
        assert!(rotated.verify(&token).is_ok());
        assert!(
            rotated
                .verify(&rotated.issue(user, session, Aal::Aal1).unwrap())
                .is_ok()
        );
        // Once k1 is retired, its tokens stop working.
        assert!(keys(&[("k2", 2)]).verify(&token).is_err());
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, hash_a) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_a, hash_refresh_token(&a));
        assert_eq!(hash_a.len(), 32);
    }
}
