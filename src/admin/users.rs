//! `/v1/admin/users`: accounts as an admin sees them. List and search by the start of
//! the address, read one with its devices, sign-ins and security log, sign every device
//! out, disable and enable, grant and revoke the admin role. Every change is audited
//! (`audit`) and written to the account's own security log, in one transaction. Nothing
//! here reads an account's history (session notes stay its owner's).

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::admin::audit::{self, AuditAction, AuditPage, AuditQuery, AuditSubject, Change};
use crate::auth::events::{
    self, Client, Event, SecurityEventKind, SecurityEventList, SecurityEventsQuery,
};
use crate::auth::identities::{self, Identity};
use crate::auth::model::{Device, MfaStatus};
use crate::auth::{AuthService, AuthUser, mfa, store as auth_store};
use crate::db::schema::users;
use crate::db::{self, DbPool};
use crate::error::{ApiError, ApiResult};
use crate::http::Json;
use crate::pagination;
use crate::problems::ProblemCode;
use crate::users::{Role, UserId};

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(get_user)
        .service(user_security_events)
        .service(sign_out_user)
        .service(disable_user)
        .service(enable_user)
        .service(set_role)
        .service(audit_log);
}

/// An account as an admin sees it.
#[derive(Debug, Serialize, ToSchema, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
#[schema(example = json!({"id": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f", "email": "mei@example.com",
    "display_name": "Mei", "role": "user", "is_guest": false,
    "email_verified_at": "2026-11-21T08:35:00Z", "disabled_at": null,
    "created_at": "2026-11-21T08:30:00Z"}))]
pub struct AdminUser {
    #[schema(value_type = Uuid)]
    pub id: UserId,
    #[schema(required = true, format = "email")]
    pub email: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub is_guest: bool,
    #[schema(required = true)]
    pub email_verified_at: Option<DateTime<Utc>>,
    /// When an admin disabled it; null while it may sign in.
    #[schema(required = true)]
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A page of accounts, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct AdminUserList {
    pub items: Vec<AdminUser>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// One account with its signed-in devices, sign-in methods and second factor.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user": {"id": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f",
    "email": "mei@example.com", "display_name": "Mei", "role": "user", "is_guest": false,
    "email_verified_at": "2026-11-21T08:35:00Z", "disabled_at": null,
    "created_at": "2026-11-21T08:30:00Z"}, "has_password": true,
    "devices": [{"id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f", "device_name": "Mei's iPhone",
    "user_agent": "AcuApp/2.1 iOS/18.1", "created_at": "2026-11-21T08:30:00Z",
    "last_used_at": "2026-11-21T09:10:00Z", "current": false}], "identities": [],
    "mfa": {"totp_enabled": false, "enabled_at": null, "recovery_codes_left": 0}}))]
pub struct AdminUserDetail {
    pub user: AdminUser,
    pub has_password: bool,
    pub devices: Vec<Device>,
    pub identities: Vec<Identity>,
    pub mfa: MfaStatus,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserSearch {
    /// The start of the address (case-insensitive); all accounts without it.
    #[param(min_length = 1, max_length = 254)]
    pub q: Option<String>,
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// The role to give.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "admin"}))]
pub struct RoleChange {
    pub role: Role,
}

/// `%`, `_` and `\` taken literally in a LIKE pattern.
fn like_prefix(raw: &str) -> String {
    let mut pattern = String::with_capacity(raw.len() + 1);
    for c in raw.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

async fn account(conn: &mut AsyncPgConnection, id: UserId) -> ApiResult<AdminUser> {
    users::table
        .find(id)
        .select(AdminUser::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::not_found(format!("no account {id}")))
}

/// List and search accounts.
///
/// Newest first, in keyset pages; `q` keeps those whose address starts with it.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::ValidationFailed, ProblemCode::InvalidCursor]))),
    tag = "admin",
    security(("bearer" = [])),
    params(UserSearch),
    responses(
        (status = 200, description = "A page of accounts", body = AdminUserList),
    )
)]
#[get("/admin/users")]
pub async fn list_users(
    admin: AuthUser,
    query: web::Query<UserSearch>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let limit = pagination::parse_limit(query.limit.as_deref())?;
    let before = pagination::open_time_cursor(query.cursor.as_deref())?;
    let mut select = users::table
        .order((users::created_at.desc(), users::id.desc()))
        .select(AdminUser::as_select())
        .limit(limit as i64 + 1)
        .into_boxed();
    if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        crate::validate::token("q", q, 1, 254)?;
        select = select.filter(users::email.like(like_prefix(&q.to_lowercase())));
    }
    if let Some((at, id)) = before {
        select = select.filter(
            users::created_at
                .lt(at)
                .or(users::created_at.eq(at).and(users::id.lt(UserId::from(id)))),
        );
    }
    let mut conn = db::conn(&pool).await?;
    let mut items: Vec<AdminUser> = select.load(&mut conn).await?;
    let next_cursor = pagination::time_page(&mut items, limit, |u| (u.created_at, u.id.into()));
    Ok(HttpResponse::Ok().json(AdminUserList { items, next_cursor }))
}

/// One account.
///
/// With its signed-in devices, its sign-in methods and its second factor (never its
/// history).
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound]))),
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account", body = AdminUserDetail),
    )
)]
#[get("/admin/users/{id}")]
pub async fn get_user(
    admin: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let id = UserId::from(*id);
    let mut conn = db::conn(&pool).await?;
    let user = account(&mut conn, id).await?;
    let has_password = users::table
        .find(id)
        .select(users::password_hash.is_not_null())
        .first::<bool>(&mut conn)
        .await?;
    // No device of the account is the one asking.
    let devices =
        auth_store::live_devices(&mut conn, id, crate::auth::DeviceSessionId::new_v7()).await?;
    let identities = identities::of_user(&mut conn, id).await?;
    let mfa = mfa::status(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(AdminUserDetail {
        user,
        has_password,
        devices,
        identities,
        mfa,
    }))
}

/// An account's security log.
///
/// As its owner reads it: sign-ins, failures, sign-outs, credential changes.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound, ProblemCode::ValidationFailed, ProblemCode::InvalidCursor]))),
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id"), SecurityEventsQuery),
    responses(
        (status = 200, description = "A page of the log, newest first", body = SecurityEventList),
    )
)]
#[get("/admin/users/{id}/security-events")]
pub async fn user_security_events(
    admin: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<SecurityEventsQuery>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let id = UserId::from(*id);
    let mut conn = db::conn(&pool).await?;
    account(&mut conn, id).await?;
    Ok(HttpResponse::Ok().json(events::page(&mut conn, id, &query).await?))
}

/// An admin's change to an account, applied under the account's lock.
enum AccountChange {
    SignOut,
    Disable,
    Enable,
    Role(Role),
}

/// Applies `change` to account `id` for `admin`: the account's row locked, the change,
/// its audit entry and the account's log entry, in one transaction. 409 `own_account`
/// for a change that would lock the admin out.
async fn apply(
    pool: &DbPool,
    auth: &AuthService,
    admin: &AuthUser,
    id: UserId,
    change: AccountChange,
    client: &Client,
) -> ApiResult<AdminUser> {
    if id == admin.user_id && !matches!(change, AccountChange::Enable) {
        return Err(ApiError::conflict(
            ProblemCode::OwnAccount,
            "an admin cannot do this to their own account",
        ));
    }
    let mut conn = db::conn(pool).await?;
    let changed = conn
        .transaction::<_, ApiError, _>(async |conn| {
            if !crate::users::store::lock(conn, id).await? {
                return Err(ApiError::not_found(format!("no account {id}")));
            }
            let before = account(conn, id).await?;
            let (action, kind) = match change {
                AccountChange::SignOut => {
                    auth_store::revoke_other_sessions(conn, id, None, "admin").await?;
                    (AuditAction::SignOut, SecurityEventKind::SignedOutByAdmin)
                }
                AccountChange::Disable => {
                    diesel::update(users::table.find(id))
                        .set(users::disabled_at.eq(before.disabled_at.unwrap_or_else(Utc::now)))
                        .execute(conn)
                        .await?;
                    auth_store::revoke_other_sessions(conn, id, None, "disabled").await?;
                    (AuditAction::Disable, SecurityEventKind::DisabledByAdmin)
                }
                AccountChange::Enable => {
                    diesel::update(users::table.find(id))
                        .set(users::disabled_at.eq(None::<DateTime<Utc>>))
                        .execute(conn)
                        .await?;
                    (AuditAction::Enable, SecurityEventKind::EnabledByAdmin)
                }
                AccountChange::Role(role) => {
                    diesel::update(users::table.find(id))
                        .set((users::role.eq(role), users::updated_at.eq(diesel::dsl::now)))
                        .execute(conn)
                        .await?;
                    let action = match role {
                        Role::Admin => AuditAction::GrantAdmin,
                        Role::User => AuditAction::RevokeAdmin,
                    };
                    (action, SecurityEventKind::RoleChanged)
                }
            };
            let after = account(conn, id).await?;
            let subject = id.to_string();
            audit::record(
                conn,
                Change {
                    actor: admin.user_id,
                    subject: (AuditSubject::User, &subject),
                    action,
                    before: snapshot(&before),
                    after: snapshot(&after),
                },
            )
            .await?;
            events::record(conn, id, client, Event::new(kind)).await?;
            Ok(after)
        })
        .await?;
    auth.readers.forget_user(id);
    Ok(changed)
}

/// The fields an admin changes, as the audit keeps them.
fn snapshot(user: &AdminUser) -> serde_json::Value {
    json!({"role": user.role, "disabled_at": user.disabled_at})
}

/// The account-change endpoints share their shape: the admin, the account, the change.
async fn changed(
    req: &HttpRequest,
    admin: AuthUser,
    id: Uuid,
    change: AccountChange,
    (pool, auth): (&DbPool, &AuthService),
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let client = Client::of(req);
    let user = apply(pool, auth, &admin, UserId::from(id), change, &client).await?;
    Ok(HttpResponse::Ok().json(user))
}

/// Sign every device of an account out.
///
/// Its tokens stop working at once; it may sign in again.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound, ProblemCode::OwnAccount]))),
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account, every device signed out", body = AdminUser),
    )
)]
#[post("/admin/users/{id}/sign-out")]
pub async fn sign_out_user(
    req: HttpRequest,
    admin: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    changed(&req, admin, *id, AccountChange::SignOut, (&pool, &auth)).await
}

/// Disable an account.
///
/// Its devices are signed out and its tokens stop working at once; it cannot sign in
/// (403 `account_disabled`) until it is enabled again. Disabling twice keeps the first
/// time.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound, ProblemCode::OwnAccount]))),
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account, disabled", body = AdminUser),
    )
)]
#[post("/admin/users/{id}/disable")]
pub async fn disable_user(
    req: HttpRequest,
    admin: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    changed(&req, admin, *id, AccountChange::Disable, (&pool, &auth)).await
}

/// Enable an account again.
///
/// It may sign in again; the devices signed out when it was disabled stay signed out.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound]))),
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    responses(
        (status = 200, description = "The account, enabled", body = AdminUser),
    )
)]
#[post("/admin/users/{id}/enable")]
pub async fn enable_user(
    req: HttpRequest,
    admin: AuthUser,
    id: web::Path<Uuid>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    changed(&req, admin, *id, AccountChange::Enable, (&pool, &auth)).await
}

/// Grant or revoke the admin role.
///
/// Takes effect on the account's next request.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::NotFound, ProblemCode::OwnAccount]))),
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Account id")),
    request_body = RoleChange,
    responses(
        (status = 200, description = "The account with its role", body = AdminUser),
    )
)]
#[put("/admin/users/{id}/role")]
pub async fn set_role(
    req: HttpRequest,
    admin: AuthUser,
    id: web::Path<Uuid>,
    body: Json<RoleChange>,
    pool: web::Data<DbPool>,
    auth: web::Data<AuthService>,
) -> ApiResult<HttpResponse> {
    let change = AccountChange::Role(body.role);
    changed(&req, admin, *id, change, (&pool, &auth)).await
}

/// The audit log.
///
/// What admins changed, newest first in keyset pages: across everything, or about one
/// item (`subject=user:<id>`), each with the item before and after.
#[utoipa::path(
    extensions(("x-problem-codes" = json!([ProblemCode::Forbidden, ProblemCode::ValidationFailed, ProblemCode::InvalidCursor]))),
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the audit log", body = AuditPage),
    )
)]
#[get("/admin/audit")]
pub async fn audit_log(
    admin: AuthUser,
    query: web::Query<AuditQuery>,
    pool: web::Data<DbPool>,
) -> ApiResult<HttpResponse> {
    admin.require_admin()?;
    let mut conn = db::conn(&pool).await?;
    Ok(HttpResponse::Ok().json(audit::page(&mut conn, &query).await?))
}
