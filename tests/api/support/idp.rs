//! A real identity provider on loopback for the Sign in with Apple and Google tests: RSA
//! and P-256 keys generated here, published as a JWKS over HTTP (with `Cache-Control`),
//! ID tokens signed with them, and the provider's moods: up, down (connection refused),
//! answering 500, or too slow. It counts the fetches of its keys.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use acupress::config::{IdProvider, IdentityConfig, ProviderConfig};

/// The app ids the test server accepts.
pub const APPLE_CLIENT: &str = "com.example.acupress";
pub const GOOGLE_CLIENT: &str = "123-acupress.apps.googleusercontent.com";

/// A signing key of the test provider.
#[derive(Clone)]
pub struct TestKey {
    pub kid: String,
    pub alg: Algorithm,
    encoding: EncodingKey,
    /// The public key as published.
    pub jwk: Value,
    /// The RSA modulus (for the HMAC confusion attack), if RSA.
    pub public_bytes: Vec<u8>,
}

struct Keys {
    rsa: [TestKey; 2],
    ec: TestKey,
}

fn rsa_key(kid: &str) -> TestKey {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("an RSA key");
    let der = private.to_pkcs1_der().expect("PKCS#1");
    let n = private.n().to_bytes_be();
    let e = private.e().to_bytes_be();
    TestKey {
        kid: kid.to_owned(),
        alg: Algorithm::RS256,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
                    "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e)}),
        public_bytes: n,
    }
}

fn ec_key(kid: &str) -> TestKey {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::EncodePrivateKey;
    let secret = p256::SecretKey::random(&mut rsa::rand_core::OsRng);
    let der = secret.to_pkcs8_der().expect("PKCS#8");
    let point = secret.public_key().to_encoded_point(false);
    TestKey {
        kid: kid.to_owned(),
        alg: Algorithm::ES256,
        encoding: EncodingKey::from_ec_der(der.as_bytes()),
        jwk: json!({"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
                    "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
                    "y": URL_SAFE_NO_PAD.encode(point.y().unwrap())}),
        public_bytes: Vec::new(),
    }
}

/// The keys, made once per test process (RSA key generation takes a moment).
fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa: [rsa_key("rsa-1"), rsa_key("rsa-2")],
        ec: ec_key("ec-1"),
    })
}

pub fn rsa1() -> TestKey {
    keys().rsa[0].clone()
}
pub fn rsa2() -> TestKey {
    keys().rsa[1].clone()
}
pub fn ec1() -> TestKey {
    keys().ec.clone()
}

/// How the provider's key endpoint behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mood {
    Up,
    /// Answers 500.
    Failing,
    /// Accepts the connection and answers after this long.
    Slow(Duration),
}

struct State {
    published: Vec<Value>,
    cache_control: String,
    mood: Mood,
}

/// One provider's key endpoint.
pub struct Idp {
    pub provider: IdProvider,
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    fetches: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Idp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Idp {
    /// Serves `published` keys for `provider`, kept an hour by `Cache-Control`.
    pub async fn start(provider: IdProvider, published: &[&TestKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            published: published.iter().map(|k| k.jwk.clone()).collect(),
            cache_control: "public, max-age=3600".into(),
            mood: Mood::Up,
        }));
        let fetches = Arc::new(AtomicUsize::new(0));
        let (st, count) = (state.clone(), fetches.clone());
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (st, count) = (st.clone(), count.clone());
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = socket.read(&mut buf).await;
                    count.fetch_add(1, Ordering::SeqCst);
                    let (mood, body, cache) = {
                        let s = st.lock().unwrap();
                        let body = json!({"keys": s.published}).to_string();
                        (s.mood, body, s.cache_control.clone())
                    };
                    let answer = match mood {
                        Mood::Up => format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncache-control: {cache}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        ),
                        Mood::Failing => "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                        Mood::Slow(wait) => {
                            tokio::time::sleep(wait).await;
                            format!(
                                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                                body.len()
                            )
                        }
                    };
                    let _ = socket.write_all(answer.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self {
            provider,
            addr,
            state,
            fetches,
            task,
        }
    }

    pub fn url(&self) -> url::Url {
        format!("http://{}/keys", self.addr).parse().unwrap()
    }

    /// How many times the keys were asked for.
    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub fn publish(&self, keys: &[&TestKey]) {
        self.state.lock().unwrap().published = keys.iter().map(|k| k.jwk.clone()).collect();
    }

    pub fn set_mood(&self, mood: Mood) {
        self.state.lock().unwrap().mood = mood;
    }

    /// The provider's part of an app's configuration.
    pub fn config(&self) -> ProviderConfig {
        ProviderConfig {
            name: self.provider,
            client_ids: vec![match self.provider {
                IdProvider::Apple => APPLE_CLIENT.to_owned(),
                IdProvider::Google => GOOGLE_CLIENT.to_owned(),
            }],
            jwks_url: self.url(),
        }
    }

    /// The claims of a fresh token for `subject`, as this provider writes them.
    pub fn claims(&self, subject: &str) -> Value {
        let now = jsonwebtoken::get_current_timestamp();
        match self.provider {
            IdProvider::Apple => json!({
                "iss": "https://appleid.apple.com", "aud": APPLE_CLIENT, "sub": subject,
                "iat": now, "exp": now + 600,
            }),
            IdProvider::Google => json!({
                "iss": "https://accounts.google.com", "aud": GOOGLE_CLIENT, "sub": subject,
                "iat": now, "exp": now + 3600, "azp": GOOGLE_CLIENT,
            }),
        }
    }
}

/// `claims` signed with `key`, naming its `kid`.
pub fn sign(key: &TestKey, claims: &Value) -> String {
    let mut header = Header::new(key.alg);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).expect("a signed token")
}

/// `claims` with `alg: none` and no signature, naming `kid`.
pub fn unsigned(kid: &str, claims: &Value) -> String {
    let head = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "kid": kid}).to_string());
    let body = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{head}.{body}.")
}

/// `claims` signed with HS256 over `secret`, naming `kid`: the confusion attack where the
/// secret is the provider's public key.
pub fn hmac_signed(kid: &str, secret: &[u8], claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

/// The SHA-256 of a raw nonce in hex, as Apple puts it in the token.
pub fn hashed_nonce(raw: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(raw.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An identity configuration with these providers and a short deadline for key fetches.
pub fn identity_config(idps: &[&Idp]) -> IdentityConfig {
    IdentityConfig {
        providers: idps.iter().map(|i| i.config()).collect(),
        jwks_timeout: Duration::from_millis(500),
        totp_issuer: "acupress".into(),
    }
}
