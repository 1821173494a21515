//! Access-token signing keys (`ACUPRESS_JWT_KEYS`): `kid=secret` pairs, or one random
//! key for this process; secrets never printed.

use std::fmt;

use super::env::ConfigError;

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

/// Parses `kid=secret,kid=secret` (secrets base64, standard or URL-safe alphabet).
/// Empty: one random key for this process (tokens do not survive a restart).
pub(super) fn parse_jwt_keys(raw: &str) -> Result<JwtKeys, ConfigError> {
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
