//! Sign in with Apple or Google by ID token, and the second step of a two-factor
//! sign-in.

use actix_web::{HttpRequest, HttpResponse, post, web};

use super::{check_limits, device_of, signed_in};
use crate::auth::events::Client;
use crate::auth::identities::{self, IdSignInRequest, NewAccount};
use crate::auth::mfa::{self, SecondFactor};
use crate::auth::model::*;
use crate::auth::{AuthService, accounts};
use crate::db::{self, DbPool};
use crate::error::ApiResult;
use crate::http::Json;
use crate::mail::Mailer;
use crate::problems::ProblemCode;
use crate::validate;

/// Sign in with Apple or Google.
///
/// Send the ID token the phone's system dialog returned (with the raw nonce for Apple).
/// The token's signature is checked against the provider's published keys, and its
/// issuer, audience (one of this server's client ids), expiry, issue time and nonce.
/// The account is the one this provider account signs in to; on a first sign-in, the
/// account whose verified address the provider also verified (linked now), else a new
/// account (201). An account with two-factor sign-in on gets a challenge (202) instead
/// of tokens.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::InvalidIdToken, ProblemCode::AccountDisabled, ProblemCode::ProviderNotEnabled, ProblemCode::ProviderAlreadyLinked, ProblemCode::ProviderUnavailable, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = IdTokenRequest,
    responses(
        (status = 200, description = "Signed in to the account of this identity", body = AuthResponse),
        (status = 201, description = "A new account was made and signed in", body = AuthResponse),
        (status = 202, description = "The account asks for a second factor: answer the challenge at POST /v1/auth/mfa", body = MfaChallenge),
    )
)]
#[post("/auth/id-token")]
pub async fn sign_in_with_id_token(
    req: HttpRequest,
    body: Json<IdTokenRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let provider = auth.providers.get(body.provider)?;
    check_limits(&pool, &auth, &req, None).await?;
    let client = Client::of(&req);
    let device = device_of(&client, body.device_name.as_deref())?;
    let display_name = body
        .display_name
        .as_deref()
        .map(validate::display_name)
        .transpose()?;
    let (locale, time_zone) = accounts::locale_and_zone(body.locale, body.time_zone.as_deref())?;
    let verified = provider
        .verify(&body.id_token, body.nonce.as_deref())
        .await?;
    // Per provider account too, as a password sign-in is limited per address.
    let key = format!("{}:{}", verified.provider.as_str(), verified.subject);
    auth.limits
        .check_account(&mut *db::conn(&pool).await?, &key, &client.address)
        .await?;
    let asked = IdSignInRequest {
        verified: &verified,
        new: NewAccount {
            display_name: display_name.as_deref(),
            locale,
            time_zone,
        },
        device: &device,
        client: &client,
    };
    let done = identities::sign_in(&pool, &auth, &mailer, &asked).await?;
    Ok(signed_in(done.user, done.outcome, done.created))
}

/// Finish a two-factor sign-in.
///
/// Answers the challenge of a sign-in (password, ID token or password reset) with the
/// code the authenticator app shows now, or one of the recovery codes. Each code works
/// once; a challenge lasts 5 minutes and takes 5 wrong codes.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::MfaCodeInvalid, ProblemCode::MfaChallengeInvalid, ProblemCode::AccountDisabled, ProblemCode::RateLimited, ProblemCode::ServiceUnavailable]))),
    tag = "auth",
    request_body = MfaRequest,
    responses(
        (status = 200, description = "Signed in at aal2", body = AuthResponse),
    )
)]
#[post("/auth/mfa")]
pub async fn answer_mfa_challenge(
    req: HttpRequest,
    body: Json<MfaRequest>,
    auth: web::Data<AuthService>,
    pool: web::Data<DbPool>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    validate::token("challenge", &body.challenge, 1, 128)?;
    let factor = SecondFactor::of(body.code, body.recovery_code)?;
    check_limits(&pool, &auth, &req, None).await?;
    let client = Client::of(&req);
    let signed = mfa::finish(&pool, &auth, &mailer, &body.challenge, factor, &client).await?;
    Ok(HttpResponse::Ok().json(signed))
}
