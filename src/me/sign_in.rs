//! `/v1/me/identities` and `/v1/me/mfa`: the account's ways to sign in (password,
//! Apple, Google) and its second factor.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use uuid::Uuid;

use crate::auth::events::Client;
use crate::auth::identities::{self, Identity};
use crate::auth::mfa::{self as auth_mfa, SecondFactor, bounded_code};
use crate::auth::model::*;
use crate::auth::{AuthService, AuthUser};
use crate::db::{self, DbPool};
use crate::error::ApiResult;
use crate::http::{Json, OptionalJson};
use crate::mail::Mailer;
use crate::me::{account, mfa};
use crate::problems::ProblemCode;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(sign_in_methods)
        .service(link_identity)
        .service(unlink_identity)
        .service(mfa_status)
        .service(enrol_totp)
        .service(confirm_totp)
        .service(disable_totp)
        .service(replace_recovery_codes);
}

/// The ways this account signs in.
///
/// Whether it has a password, its linked Apple and Google sign-ins, and its two-factor
/// state.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account's sign-in methods", body = SignInMethods),
    )
)]
#[get("/me/identities")]
pub async fn sign_in_methods(user: AuthUser, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    let row = account::row(&mut conn, user.user_id).await?;
    let identities = identities::of_user(&mut conn, user.user_id).await?;
    let mfa = auth_mfa::status(&mut conn, user.user_id).await?;
    Ok(HttpResponse::Ok().json(SignInMethods {
        password: row.password_hash.is_some(),
        identities,
        mfa,
    }))
}

/// Link Sign in with Apple or Google.
///
/// Send an ID token from the provider's dialog, as for signing in. A guest account
/// becomes a full one, keeping everything it has (and takes the provider's verified
/// address when no other account has it). One sign-in per provider; a provider account
/// signs in to one acupress account only. A verified address is mailed a notice.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::InvalidIdToken, ProblemCode::ProviderNotEnabled, ProblemCode::IdentityTaken, ProblemCode::ProviderAlreadyLinked, ProblemCode::EmailTaken, ProblemCode::ProviderUnavailable, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = LinkIdentityRequest,
    responses(
        (status = 201, description = "Linked", body = Identity),
        (status = 200, description = "This sign-in was linked already", body = Identity),
    )
)]
#[post("/me/identities")]
pub async fn link_identity(
    req: HttpRequest,
    user: AuthUser,
    body: Json<LinkIdentityRequest>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
    mailer: web::Data<Mailer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let provider = auth.providers.get(body.provider)?;
    let client = Client::of(&req);
    let account = user.user_id.to_string();
    auth.check_limits(&pool, &client.address, Some(&account))
        .await?;
    let verified = provider
        .verify(&body.id_token, body.nonce.as_deref())
        .await?;
    let (identity, new) =
        identities::link(&pool, &mailer, user.user_id, &verified, &client).await?;
    auth.readers.forget_user(user.user_id);
    Ok(if new {
        HttpResponse::Created().json(identity)
    } else {
        HttpResponse::Ok().json(identity)
    })
}

/// Unlink an Apple or Google sign-in.
///
/// Refused (409 `last_sign_in_method`) when it is the account's only way to sign in.
/// The removal is kept for the operator (who may have to revoke the provider's grant).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::NotFound, ProblemCode::LastSignInMethod]))),
    tag = "me",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Identity id")),
    responses(
        (status = 204, description = "Unlinked"),
    )
)]
#[delete("/me/identities/{id}")]
pub async fn unlink_identity(
    req: HttpRequest,
    user: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    identities::unlink(&pool, user.user_id, *id, &Client::of(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The account's two-factor sign-in.
///
/// Whether an authenticator is on (and since when) and how many recovery codes are left
/// unused.
#[utoipa::path(
    tag = "me",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Two-factor state", body = MfaStatus),
    )
)]
#[get("/me/mfa")]
pub async fn mfa_status(user: AuthUser, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = db::conn(&pool).await?;
    Ok(HttpResponse::Ok().json(auth_mfa::status(&mut conn, user.user_id).await?))
}

/// Start two-factor enrolment.
///
/// Needs a verified address, and the password when the account has one. Answers with
/// a new secret and its `otpauth://` link for the authenticator app; nothing changes
/// until a first code confirms it (`POST /v1/me/mfa/totp/confirm`).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::Forbidden, ProblemCode::GuestAccount, ProblemCode::EmailNotVerified, ProblemCode::MfaAlreadyEnabled, ProblemCode::PasswordChanged, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body(content = Option<TotpEnrolRequest>, description = "The password, when the account has one"),
    responses(
        (status = 200, description = "A pending secret", body = TotpEnrolment),
    )
)]
#[post("/me/mfa/totp")]
pub async fn enrol_totp(
    req: HttpRequest,
    user: AuthUser,
    body: OptionalJson<TotpEnrolRequest>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let password = body.0.and_then(|b| b.password);
    let enrolment = mfa::enrol(&pool, &auth, &user, password, &Client::of(&req)).await?;
    Ok(HttpResponse::Ok().json(enrolment))
}

/// Turn two-factor sign-in on.
///
/// Confirms the pending secret with the code the authenticator shows. Answers with 10
/// recovery codes, shown this once, and a new token pair for this device at `aal2`
/// (store it: the old refresh token is spent). Every other device is signed out.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::MfaCodeInvalid, ProblemCode::MfaNotEnabled, ProblemCode::MfaAlreadyEnabled, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = TotpCodeRequest,
    responses(
        (status = 200, description = "Two-factor sign-in is on", body = MfaEnabled),
    )
)]
#[post("/me/mfa/totp/confirm")]
pub async fn confirm_totp(
    req: HttpRequest,
    user: AuthUser,
    body: Json<TotpCodeRequest>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    bounded_code(&body.code)?;
    let enabled = mfa::confirm(&pool, &auth, &user, &body.code, &Client::of(&req)).await?;
    Ok(HttpResponse::Ok().json(enabled))
}

/// Turn two-factor sign-in off.
///
/// With the password (when the account has one) and a code from the authenticator, or
/// a recovery code.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::Forbidden, ProblemCode::MfaCodeInvalid, ProblemCode::MfaNotEnabled, ProblemCode::PasswordChanged, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = MfaDisableRequest,
    responses(
        (status = 204, description = "Two-factor sign-in is off"),
    )
)]
#[post("/me/mfa/totp/disable")]
pub async fn disable_totp(
    req: HttpRequest,
    user: AuthUser,
    body: Json<MfaDisableRequest>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let factor = SecondFactor::of(body.code, body.recovery_code)?;
    mfa::disable(
        &pool,
        &auth,
        &user,
        body.password,
        factor,
        &Client::of(&req),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replace the recovery codes.
///
/// With a code from the authenticator; the old codes stop working. The new ones are
/// shown this once.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::ValidationFailed, ProblemCode::MfaCodeInvalid, ProblemCode::MfaNotEnabled, ProblemCode::RateLimited]))),
    tag = "me",
    security(("bearer" = [])),
    request_body = TotpCodeRequest,
    responses(
        (status = 200, description = "New recovery codes", body = RecoveryCodes),
    )
)]
#[post("/me/mfa/recovery-codes")]
pub async fn replace_recovery_codes(
    req: HttpRequest,
    user: AuthUser,
    body: Json<TotpCodeRequest>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let code = body.into_inner().code;
    bounded_code(&code)?;
    let codes = mfa::replace_recovery_codes(&pool, &auth, &user, code, &Client::of(&req)).await?;
    Ok(HttpResponse::Ok().json(codes))
}
