//! Authentication: passwords, tokens, rate limits, Apple and Google identities,
//! two-factor sign-in and the `AuthUser` extractor.

pub mod accounts;
pub mod email_change;
pub mod events;
pub mod handlers;
mod id;
pub mod id_token;
pub mod identities;
pub mod jwks;
pub mod mfa;
pub mod model;
pub mod password;
pub mod ratelimit;
mod reader;
pub mod recovery;
pub mod sessions;
pub mod store;
pub mod tokens;

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use crate::config::{Config, RateLimit};
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::problems::ProblemCode;
use crate::users::answers::Writer;
use crate::users::{Role, UserId};
pub use id::DeviceSessionId;
use ratelimit::{AuthLimits, Limiter};
pub use reader::{Reader, Readers, SignedReader};
use tokens::{Claims, TokenKeys};

/// Everything the auth endpoints share.
pub struct AuthService {
    pub keys: TokenKeys,
    pub limits: AuthLimits,
    pub refresh_ttl: Duration,
    pub refresh_grace: Duration,
    /// Signed-in readers of public resources, seen lately.
    pub readers: Readers,
    /// The server secret in the hashes of mailed codes (derived from the first signing
    /// key, so every instance with the same keys accepts the same codes).
    pub code_pepper: Vec<u8>,
    /// Mail sent on request (a verification code again, a password reset), per account
    /// or address: [`MAIL_BURST`] at once, then one per [`MAIL_PERIOD`].
    pub mail_limits: Limiter,
    /// Sign in with Apple and Google: the enabled providers and their keys.
    pub providers: id_token::Providers,
    /// The issuer authenticator apps show for acupress.
    pub totp_issuer: String,
}

/// Codes mailed on request per account or address at once, and the wait for one more.
pub const MAIL_BURST: u32 = 3;
pub const MAIL_PERIOD: Duration = Duration::from_secs(300);

impl AuthService {
    pub fn from_config(config: &Config) -> Self {
        Self {
            keys: TokenKeys::from_config(config),
            limits: AuthLimits::new(config.auth_rate_account, config.auth_rate_address),
            refresh_ttl: config.refresh_ttl,
            refresh_grace: config.refresh_grace,
            readers: Readers::default(),
            code_pepper: code_pepper(config),
            mail_limits: Limiter::new(
                "mail",
                RateLimit {
                    burst: MAIL_BURST,
                    period: MAIL_PERIOD,
                },
            ),
            providers: id_token::Providers::from_config(&config.identity),
            totp_issuer: config.identity.totp_issuer.clone(),
        }
    }

    /// Takes one attempt from the client `address` and, when given, the `account` (an
    /// email, or an id): 429 when a limit is spent. Its own connection, given back before
    /// any hashing.
    pub async fn check_limits(
        &self,
        pool: &DbPool,
        address: &str,
        account: Option<&str>,
    ) -> Result<(), ApiError> {
        let mut conn = db::conn(pool).await?;
        self.limits.check(&mut conn, address, account).await
    }
}

fn code_pepper(config: &Config) -> Vec<u8> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    hasher.update(b"acupress mailed codes\0");
    if let Some((_, secret)) = config.jwt_keys.keys.first() {
        hasher.update(&secret.0);
    }
    hasher.finalize().to_vec()
}

/// The client address used for rate limits. It is the TCP peer, unless the peer is a
/// proxy listed in `ACUPRESS_TRUSTED_PROXIES`: then it is the rightmost address in
/// `X-Forwarded-For` that is not itself a trusted proxy (what a client writes further
/// left is not believed). An IPv6 client is keyed by its /64, the block one subscriber
/// usually holds, so that it cannot take a fresh bucket per address.
pub fn client_address(req: &HttpRequest) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".to_owned();
    };
    let trusted = req
        .app_data::<web::Data<Config>>()
        .map_or(&[][..], |c| c.trusted_proxies.as_slice());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer;
    if is_trusted(peer) {
        let hops: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else { break };
            client = ip;
            if !is_trusted(ip) {
                break;
            }
        }
    }
    rate_key(client)
}

fn rate_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        IpAddr::V4(v4) => v4.to_string(),
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            ProblemCode::MissingToken,
            "sign in: send Authorization: Bearer <access token>",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "the Authorization header is not readable",
        )
    })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "the Authorization header must be Bearer <token>",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            ProblemCode::InvalidToken,
            "the Authorization header must be Bearer <token>",
        ));
    }
    Ok(token.trim().to_owned())
}

fn verified_claims(req: &HttpRequest) -> Result<Claims, ApiError> {
    let token = bearer_token(req)?;
    let auth = req
        .app_data::<web::Data<AuthService>>()
        .ok_or_else(|| ApiError::internal("auth service not configured"))?;
    auth.keys.verify(&token)
}

/// 401 `session_revoked`: the device session of the token has been signed out.
pub fn session_revoked() -> ApiError {
    ApiError::unauthorized(
        ProblemCode::SessionRevoked,
        "this session has been signed out",
    )
}

/// A valid access token whose session may already be signed out (used by logout,
/// which must succeed twice).
pub struct BearerClaims(pub Claims);

impl FromRequest for BearerClaims {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(verified_claims(req).map(BearerClaims))
    }
}

/// The signed-in user: a valid access token of a session that is still signed in. On a
/// write it marks the request as theirs ([`Writer`]), so that what this instance keeps
/// of their history version is forgotten once the write is answered.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub user_id: UserId,
    pub session_id: DeviceSessionId,
    pub role: Role,
}

impl AuthUser {
    /// The user behind verified claims, if their device session is still signed in.
    pub async fn check(
        conn: &mut diesel_async::AsyncPgConnection,
        claims: &Claims,
    ) -> Result<Self, ApiError> {
        let role = store::live_session_role(conn, claims.sid, claims.sub)
            .await?
            .ok_or_else(session_revoked)?;
        Ok(Self {
            user_id: claims.sub,
            session_id: claims.sid,
            role,
        })
    }

    /// 403 unless the user is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::User => Err(ApiError::Forbidden("this needs an admin account".into())),
        }
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let claims = verified_claims(req);
        if let Ok(claims) = &claims
            && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        {
            req.extensions_mut().insert(Writer(claims.sub));
        }
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let claims = claims?;
            let pool = pool.ok_or_else(|| ApiError::internal("database pool not configured"))?;
            let mut conn = db::conn(&pool).await?;
            AuthUser::check(&mut conn, &claims).await
        })
    }
}
