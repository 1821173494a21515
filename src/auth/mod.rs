//! Authentication: passwords, tokens, rate limits and the `AuthUser` extractor.

pub mod handlers;
pub mod model;
pub mod password;
pub mod ratelimit;
pub mod store;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use uuid::Uuid;

use crate::config::Config;
use crate::db::{self, DbPool};
use crate::error::ApiError;
use crate::me::model::Role;
use ratelimit::AuthLimits;
use tokens::{Claims, TokenKeys};

/// Everything the auth endpoints share.
pub struct AuthService {
    pub keys: TokenKeys,
    pub limits: AuthLimits,
    pub refresh_ttl: Duration,
    pub refresh_grace: Duration,
}

impl AuthService {
    pub fn from_config(config: &Config) -> Self {
        Self {
            keys: TokenKeys::from_config(config),
            limits: AuthLimits::new(config.auth_rate_account, config.auth_rate_address),
            refresh_ttl: config.refresh_ttl,
            refresh_grace: config.refresh_grace,
        }
    }
}

/// The client address used for rate limits: the TCP peer (a proxy in front must be
/// trusted explicitly; forwarded headers are not believed).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string())
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            "missing_token",
            "sign in: send Authorization: Bearer <access token>",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::unauthorized("invalid_token", "the Authorization header is not readable")
    })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(
            "invalid_token",
            "the Authorization header must be Bearer <token>",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            "invalid_token",
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

/// The signed-in user: a valid access token of a session that is still signed in.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    pub user_id: Uuid,
    pub session_id: Uuid,
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
            .ok_or_else(|| {
                ApiError::unauthorized("session_revoked", "this session has been signed out")
            })?;
        Ok(Self {
            user_id: claims.sub,
            session_id: claims.sid,
            role: if role == "admin" {
                Role::Admin
            } else {
                Role::User
            },
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
        let pool = req.app_data::<web::Data<DbPool>>().cloned();
        Box::pin(async move {
            let claims = claims?;
            let pool = pool.ok_or_else(|| ApiError::internal("database pool not configured"))?;
            let mut conn = db::conn(&pool).await?;
            AuthUser::check(&mut conn, &claims).await
        })
    }
}
