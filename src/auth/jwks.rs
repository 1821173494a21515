//! A provider's published signing keys (its JWKS), fetched over HTTPS and kept as long as
//! its `Cache-Control` says. An unknown `kid` refetches once (at most once per
//! [`REFETCH_COOLDOWN`], so that made-up key ids cannot make every request a fetch); one
//! fetch runs at a time, and callers that waited for it use its result. A fetch that fails
//! or takes longer than the deadline leaves a stale copy in use for [`STALE_USE`]; with no
//! usable copy the sign-in is answered 503, never hung and never let in.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use url::Url;

/// How long keys are kept when the provider's answer says nothing (or too little).
const DEFAULT_TTL: Duration = Duration::from_secs(3600);
const MIN_TTL: Duration = Duration::from_secs(60);
const MAX_TTL: Duration = Duration::from_secs(86_400);
/// The shortest time between two fetches caused by unknown key ids.
pub const REFETCH_COOLDOWN: Duration = Duration::from_secs(30);
/// How long keys past their freshness stay in use while the provider cannot be reached.
const STALE_USE: Duration = Duration::from_secs(86_400);
/// After a failed fetch, how long requests use what is kept (or, with nothing usable,
/// are answered 503 at once) before the next fetch is tried: an outage costs one
/// deadline per this period, not one per sign-in.
pub const FAILURE_BACKOFF: Duration = Duration::from_secs(5);
/// The largest key set read.
const MAX_BODY: usize = 64 * 1024;

/// The algorithms an ID token may be signed with; the key it names must publish the same.
pub const ACCEPTED: [Algorithm; 2] = [Algorithm::RS256, Algorithm::ES256];

/// One published verification key.
pub struct PublishedKey {
    pub kid: String,
    pub alg: Algorithm,
    pub key: DecodingKey,
}

struct KeySet {
    keys: Vec<Arc<PublishedKey>>,
    fetched: Instant,
    fresh_for: Duration,
}

impl KeySet {
    fn find(&self, kid: &str) -> Option<Arc<PublishedKey>> {
        self.keys.iter().find(|k| k.kid == kid).cloned()
    }

    fn fresh(&self) -> bool {
        self.fetched.elapsed() < self.fresh_for
    }

    fn usable(&self) -> bool {
        self.fetched.elapsed() < self.fresh_for + STALE_USE
    }
}

/// Why no key could be found.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    /// The provider's keys do not include this id (after one refetch).
    UnknownKid,
    /// The keys could not be fetched (down, slow or unreadable) and no copy is usable.
    Unavailable(String),
}

/// The keys of one provider.
pub struct Jwks {
    url: Url,
    http: reqwest::Client,
    current: RwLock<Option<Arc<KeySet>>>,
    /// Held while a fetch runs; the time of the last fetch started for an unknown kid.
    fetching: tokio::sync::Mutex<Option<Instant>>,
    /// The last failed fetch and why it failed.
    failed: RwLock<Option<(Instant, String)>>,
}

impl Jwks {
    pub fn new(url: Url, http: reqwest::Client) -> Self {
        Self {
            url,
            http,
            current: RwLock::new(None),
            fetching: tokio::sync::Mutex::new(None),
            failed: RwLock::new(None),
        }
    }

    fn snapshot(&self) -> Option<Arc<KeySet>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    /// The key `kid` names, with its published algorithm, fetching the set when none is
    /// fresh or (once) when the id is unknown.
    pub async fn key(&self, kid: &str) -> Result<Arc<PublishedKey>, KeyError> {
        let seen = self.snapshot();
        if let Some(why) = self.backing_off() {
            // The provider failed a moment ago: what is kept serves, without a fetch.
            return match &seen {
                Some(set) if set.usable() => set.find(kid).ok_or(KeyError::UnknownKid),
                _ => Err(KeyError::Unavailable(why)),
            };
        }
        match &seen {
            Some(set) if set.fresh() => {
                if let Some(found) = set.find(kid) {
                    return Ok(found);
                }
                self.refetch_for_unknown(kid, set).await
            }
            _ => {
                let set = self.refresh(seen.as_ref()).await?;
                set.find(kid).ok_or(KeyError::UnknownKid)
            }
        }
    }

    /// A fetch because `kid` is not in the fresh set `seen`: at most one per cooldown.
    async fn refetch_for_unknown(
        &self,
        kid: &str,
        seen: &Arc<KeySet>,
    ) -> Result<Arc<PublishedKey>, KeyError> {
        let mut last = self.fetching.lock().await;
        if let Some(why) = self.backing_off() {
            return Err(KeyError::Unavailable(why));
        }
        // Another caller may have fetched while this one waited.
        if let Some(now) = self.snapshot()
            && !Arc::ptr_eq(&now, seen)
        {
            return now.find(kid).ok_or(KeyError::UnknownKid);
        }
        if last.is_some_and(|at| at.elapsed() < REFETCH_COOLDOWN) {
            return Err(KeyError::UnknownKid);
        }
        *last = Some(Instant::now());
        let set = self.fetch_and_store().await?;
        set.find(kid).ok_or(KeyError::UnknownKid)
    }

    /// A fresh set: fetched now unless another caller did so while this one waited; a
    /// failed fetch falls back on a usable stale copy.
    async fn refresh(&self, seen: Option<&Arc<KeySet>>) -> Result<Arc<KeySet>, KeyError> {
        let _guard = self.fetching.lock().await;
        // A fetch that failed while this caller waited is not tried again at once: each
        // waiter would add a deadline.
        if let Some(why) = self.backing_off() {
            return match self.snapshot() {
                Some(stale) if stale.usable() => Ok(stale),
                _ => Err(KeyError::Unavailable(why)),
            };
        }
        if let Some(now) = self.snapshot()
            && now.fresh()
            && !seen.is_some_and(|s| Arc::ptr_eq(s, &now))
        {
            return Ok(now);
        }
        match self.fetch_and_store().await {
            Ok(set) => Ok(set),
            Err(error) => match self.snapshot() {
                Some(stale) if stale.usable() => {
                    tracing::warn!(url = %self.url, ?error, "provider keys not refreshed; using the copy kept");
                    Ok(stale)
                }
                _ => Err(error),
            },
        }
    }

    /// Why the last fetch failed, while that was less than [`FAILURE_BACKOFF`] ago.
    fn backing_off(&self) -> Option<String> {
        let failed = self.failed.read().ok()?;
        let (at, why) = failed.as_ref()?;
        (at.elapsed() < FAILURE_BACKOFF).then(|| why.clone())
    }

    async fn fetch_and_store(&self) -> Result<Arc<KeySet>, KeyError> {
        let fetched = self.fetch().await;
        let mut failed = self
            .failed
            .write()
            .map_err(|_| KeyError::Unavailable("poisoned".into()))?;
        let set = match fetched {
            Ok(set) => {
                *failed = None;
                Arc::new(set)
            }
            Err(error) => {
                tracing::warn!(url = %self.url, ?error, "provider keys could not be fetched");
                let why = match &error {
                    KeyError::Unavailable(why) => why.clone(),
                    KeyError::UnknownKid => String::new(),
                };
                *failed = Some((Instant::now(), why));
                return Err(error);
            }
        };
        drop(failed);
        if let Ok(mut current) = self.current.write() {
            *current = Some(set.clone());
        }
        Ok(set)
    }

    async fn fetch(&self) -> Result<KeySet, KeyError> {
        let unavailable = |e: &dyn std::fmt::Display| KeyError::Unavailable(e.to_string());
        let mut response = self
            .http
            .get(self.url.clone())
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| unavailable(&e))?;
        if !response.status().is_success() {
            return Err(unavailable(&format!("answered {}", response.status())));
        }
        let fresh_for = freshness(response.headers());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unavailable(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(unavailable(&"the key set is larger than 64 KiB"));
            }
            body.extend_from_slice(&chunk);
        }
        let keys = parse(&body).map_err(|e| unavailable(&e))?;
        Ok(KeySet {
            keys,
            fetched: Instant::now(),
            fresh_for,
        })
    }
}

/// How long an answer may be kept: its `max-age` within bounds, or the default.
fn freshness(headers: &reqwest::header::HeaderMap) -> Duration {
    let value = headers
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    cache_lifetime(value)
}

/// The `max-age` of a `Cache-Control` value, clamped to [`MIN_TTL`]..[`MAX_TTL`];
/// `no-cache`/`no-store` keep it for the minimum, nothing said for [`DEFAULT_TTL`].
pub fn cache_lifetime(cache_control: &str) -> Duration {
    let mut lifetime = None;
    for directive in cache_control.split(',').map(str::trim) {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-cache" || lower == "no-store" {
            return MIN_TTL;
        }
        if let Some(secs) = lower.strip_prefix("max-age=") {
            lifetime = secs
                .trim_matches('"')
                .parse::<u64>()
                .ok()
                .map(Duration::from_secs);
        }
    }
    lifetime.unwrap_or(DEFAULT_TTL).clamp(MIN_TTL, MAX_TTL)
}

/// The signing keys of a JWKS document this server can use: RSA keys for RS256 and P-256
/// keys for ES256, each with a `kid`; a key published for another use or algorithm, or of
/// another type, is left out.
fn parse(body: &[u8]) -> Result<Vec<Arc<PublishedKey>>, String> {
    #[derive(serde::Deserialize)]
    struct Document {
        keys: Vec<serde_json::Value>,
    }
    let document: Document =
        serde_json::from_slice(body).map_err(|e| format!("not a key set: {e}"))?;
    let keys = document
        .keys
        .into_iter()
        .filter_map(|raw| serde_json::from_value::<Jwk>(raw).ok())
        .filter_map(|jwk| usable(&jwk).map(Arc::new))
        .collect();
    Ok(keys)
}

fn usable(jwk: &Jwk) -> Option<PublishedKey> {
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return None;
    }
    let kid = jwk.common.key_id.clone()?;
    let alg = match (&jwk.algorithm, jwk.common.key_algorithm) {
        (AlgorithmParameters::RSA(_), None | Some(KeyAlgorithm::RS256)) => Algorithm::RS256,
        (AlgorithmParameters::EllipticCurve(ec), None | Some(KeyAlgorithm::ES256))
            if ec.curve == EllipticCurve::P256 =>
        {
            Algorithm::ES256
        }
        _ => return None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(PublishedKey { kid, alg, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_follow_cache_control_within_bounds() {
        assert_eq!(
            cache_lifetime("public, max-age=21600, must-revalidate"),
            Duration::from_secs(21600)
        );
        assert_eq!(cache_lifetime(""), DEFAULT_TTL);
        assert_eq!(cache_lifetime("max-age=5"), MIN_TTL);
        assert_eq!(cache_lifetime("max-age=99999999"), MAX_TTL);
        assert_eq!(cache_lifetime("no-store"), MIN_TTL);
        assert_eq!(cache_lifetime("max-age=soon"), DEFAULT_TTL);
    }

    #[test]
    fn only_signing_keys_of_accepted_kinds_are_kept() {
        let body = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "r1", "use": "sig", "alg": "RS256",
             "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
             "e": "AQAB"},
            {"kty": "RSA", "kid": "enc", "use": "enc",
             "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw",
             "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
            {"kty": "weird", "kid": "w"}
        ]});
        let keys = parse(body.to_string().as_bytes()).unwrap();
        let kids: Vec<(&str, Algorithm)> = keys.iter().map(|k| (k.kid.as_str(), k.alg)).collect();
        assert_eq!(kids, [("r1", Algorithm::RS256)]);
        assert!(parse(b"[]").is_err());
    }
}
