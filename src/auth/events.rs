//! The security log: what happened to an account's sign-in, written in the transaction
//! of the change itself, read by its owner newest first (and in the export), and kept
//! [`KEPT_DAYS`] days.

use actix_web::HttpRequest;
use actix_web::http::header;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{DeviceSessionId, client_address};
use crate::db::schema::{auth_sessions, security_events};
use crate::error::ApiResult;
use crate::pagination;
use crate::users::UserId;
use crate::validate;

/// Days an event is kept.
pub const KEPT_DAYS: i64 = 90;

/// Declares [`SecurityEventKind`] from one list: each variant with its stored and JSON
/// name, the list of them all ([`KINDS`]) and [`SecurityEventKind::as_str`].
macro_rules! event_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        /// What happened.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum SecurityEventKind {
            $($(#[$doc])* $variant,)*
        }

        /// Every kind, in the order of the schema's check.
        pub const KINDS: &[SecurityEventKind] = &[$(SecurityEventKind::$variant,)*];

        impl SecurityEventKind {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }
        }
    };
}

event_kinds! {
    /// The account was created (with an email, or as a guest).
    SignedUp = "signed_up",
    /// A guest account was given an email and password.
    GuestUpgraded = "guest_upgraded",
    /// A device signed in with the password.
    SignedIn = "signed_in",
    /// A sign-in with this account's email had the wrong password.
    SignInFailed = "sign_in_failed",
    /// A refresh token came back after it was replaced: its device was signed out.
    RefreshTokenReused = "refresh_token_reused",
    /// A device signed itself out.
    SignedOut = "signed_out",
    /// Every other device (or every device) was signed out.
    SignedOutEverywhere = "signed_out_everywhere",
    /// A device was signed out from another one.
    DeviceRevoked = "device_revoked",
    /// The password was changed with the current one.
    PasswordChanged = "password_changed",
    /// The password was set with a mailed reset code or link.
    PasswordReset = "password_reset",
    /// The email address was confirmed.
    EmailVerified = "email_verified",
    /// A change to a new address was asked for (`email` is the new one).
    EmailChangeRequested = "email_change_requested",
    /// The new address was confirmed and is the account's now.
    EmailChangeConfirmed = "email_change_confirmed",
    /// The change was undone from the old address (`email`), and every device signed out.
    EmailChangeUndone = "email_change_undone",
    /// An Apple or Google sign-in (`method`, with its `email`) was linked to the account.
    IdentityLinked = "identity_linked",
    /// An Apple or Google sign-in (`method`) was removed from the account.
    IdentityUnlinked = "identity_unlinked",
    /// Two-factor sign-in was turned on; every other device was signed out.
    MfaEnabled = "mfa_enabled",
    /// Two-factor sign-in was turned off.
    MfaDisabled = "mfa_disabled",
    /// A wrong (or replayed) authenticator or recovery code (`method`) was given.
    MfaFailed = "mfa_failed",
    /// A recovery code finished a sign-in; it works no more.
    RecoveryCodeUsed = "recovery_code_used",
    /// New recovery codes replaced the old ones.
    RecoveryCodesReplaced = "recovery_codes_replaced",
    /// An admin disabled the account: every device was signed out.
    DisabledByAdmin = "disabled_by_admin",
    /// An admin enabled the account again.
    EnabledByAdmin = "enabled_by_admin",
    /// An admin signed every device of the account out.
    SignedOutByAdmin = "signed_out_by_admin",
    /// An admin granted or revoked the admin role.
    RoleChanged = "role_changed",
}

/// How a device proved who it was: a first factor (password, Apple, Google) or a second
/// (authenticator code, recovery code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInMethod {
    Password,
    Apple,
    Google,
    Totp,
    RecoveryCode,
}

impl SignInMethod {
    pub const ALL: [SignInMethod; 5] = [
        Self::Password,
        Self::Apple,
        Self::Google,
        Self::Totp,
        Self::RecoveryCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Password => "password",
            Self::Apple => "apple",
            Self::Google => "google",
            Self::Totp => "totp",
            Self::RecoveryCode => "recovery_code",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == raw)
    }
}

impl From<crate::config::IdProvider> for SignInMethod {
    fn from(provider: crate::config::IdProvider) -> Self {
        match provider {
            crate::config::IdProvider::Apple => Self::Apple,
            crate::config::IdProvider::Google => Self::Google,
        }
    }
}

impl SecurityEventKind {
    fn parse(raw: &str) -> Option<Self> {
        KINDS.iter().copied().find(|k| k.as_str() == raw)
    }
}

/// Where a request came from: the client address (as the rate limits key it) and the
/// cleaned `User-Agent`.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub address: String,
    pub agent: Option<String>,
}

impl Client {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            address: client_address(req),
            agent: validate::user_agent(
                req.headers()
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok()),
            ),
        }
    }
}

/// One event to write: its kind, and what it concerns beyond the client.
pub struct Event<'a> {
    kind: SecurityEventKind,
    session: Option<DeviceSessionId>,
    device: Option<&'a str>,
    email: Option<&'a str>,
    method: Option<SignInMethod>,
}

impl<'a> Event<'a> {
    pub fn new(kind: SecurityEventKind) -> Self {
        Self {
            kind,
            session: None,
            device: None,
            email: None,
            method: None,
        }
    }

    /// The device session concerned; its name is looked up unless [`Self::device`] gives it.
    pub fn session(mut self, session: DeviceSessionId) -> Self {
        self.session = Some(session);
        self
    }

    pub fn device(mut self, name: &'a str) -> Self {
        self.device = Some(name);
        self
    }

    pub fn email(mut self, email: &'a str) -> Self {
        self.email = Some(email);
        self
    }

    pub fn method(mut self, method: SignInMethod) -> Self {
        self.method = Some(method);
        self
    }
}

/// Writes `event` of `user` from `client`, in the caller's transaction.
pub async fn record(
    conn: &mut AsyncPgConnection,
    user: UserId,
    client: &Client,
    event: Event<'_>,
) -> QueryResult<()> {
    let device = match (event.device, event.session) {
        (Some(name), _) => Some(name.to_owned()),
        (None, Some(session)) => auth_sessions::table
            .find(session)
            .select(auth_sessions::device_name)
            .first(conn)
            .await
            .optional()?,
        (None, None) => None,
    };
    diesel::insert_into(security_events::table)
        .values((
            security_events::id.eq(Uuid::now_v7()),
            security_events::user_id.eq(user),
            security_events::kind.eq(event.kind.as_str()),
            security_events::session_id.eq(event.session),
            security_events::device.eq(device),
            security_events::ip_address.eq(&client.address),
            security_events::user_agent.eq(client.agent.as_deref()),
            security_events::email.eq(event.email),
            security_events::method.eq(event.method.map(SignInMethod::as_str)),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// An entry of the security log.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a9f2-5c1e-7d3a-9b4e-2f6c8d0a1b2c",
    "kind": "signed_in",
    "at": "2026-12-01T08:30:00Z",
    "device_session_id": "0193a9f2-5c1d-7000-8000-000000000001",
    "device": "Mei's iPhone",
    "ip_address": "203.0.113.7",
    "user_agent": "AcupressApp/2.1 (iPhone; iOS 18.1)",
    "email": null,
    "method": "password"
}))]
pub struct SecurityEvent {
    pub id: Uuid,
    pub kind: SecurityEventKind,
    pub at: DateTime<Utc>,
    /// The device session concerned, when there is one.
    #[schema(required = true, value_type = Option<Uuid>)]
    pub device_session_id: Option<DeviceSessionId>,
    /// That device's name.
    #[schema(required = true)]
    pub device: Option<String>,
    /// The client address of the request (an IPv6 client as its /64).
    #[schema(required = true)]
    pub ip_address: Option<String>,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    /// The address an email change concerns.
    #[schema(required = true, format = "email")]
    pub email: Option<String>,
    /// How the device proved itself, for sign-ins and two-factor events.
    #[schema(required = true)]
    pub method: Option<SignInMethod>,
}

/// A page of the security log, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [], "next_cursor": null}))]
pub struct SecurityEventList {
    pub items: Vec<SecurityEvent>,
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SecurityEventsQuery {
    /// Page size, 1 to 100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page (opaque).
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = security_events, check_for_backend(diesel::pg::Pg))]
struct EventRow {
    id: Uuid,
    kind: String,
    at: DateTime<Utc>,
    session_id: Option<DeviceSessionId>,
    device: Option<String>,
    ip_address: Option<String>,
    user_agent: Option<String>,
    email: Option<String>,
    method: Option<String>,
}

impl EventRow {
    /// The event; a kind the schema's check let through but this build does not know
    /// (written by a newer instance) is left out.
    fn into_event(self) -> Option<SecurityEvent> {
        Some(SecurityEvent {
            id: self.id,
            kind: SecurityEventKind::parse(&self.kind)?,
            at: self.at,
            device_session_id: self.session_id,
            device: self.device,
            ip_address: self.ip_address,
            user_agent: self.user_agent,
            email: self.email,
            method: self.method.as_deref().and_then(SignInMethod::parse),
        })
    }
}

/// The account's events newest first, before `before` (time, id), at most `limit`.
async fn load(
    conn: &mut AsyncPgConnection,
    user: UserId,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: Option<i64>,
) -> QueryResult<Vec<EventRow>> {
    let mut query = security_events::table
        .filter(security_events::user_id.eq(user))
        .order((security_events::at.desc(), security_events::id.desc()))
        .select(EventRow::as_select())
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(
            security_events::at
                .lt(at)
                .or(security_events::at.eq(at).and(security_events::id.lt(id))),
        );
    }
    if let Some(limit) = limit {
        query = query.limit(limit);
    }
    query.load(conn).await
}

/// One page of the account's log.
pub async fn page(
    conn: &mut AsyncPgConnection,
    user: UserId,
    query: &SecurityEventsQuery,
) -> ApiResult<SecurityEventList> {
    let limit = pagination::parse_limit(query.limit.as_deref())?;
    let before = pagination::open_time_cursor(query.cursor.as_deref())?;
    let mut rows = load(conn, user, before, Some(limit as i64 + 1)).await?;
    let next_cursor = pagination::time_page(&mut rows, limit, |r| (r.at, r.id));
    Ok(SecurityEventList {
        items: rows.into_iter().filter_map(EventRow::into_event).collect(),
        next_cursor,
    })
}

/// The whole log of the account (at most [`KEPT_DAYS`] of it), for the export.
pub async fn all(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<SecurityEvent>> {
    let rows = load(conn, user, None, None).await?;
    Ok(rows.into_iter().filter_map(EventRow::into_event).collect())
}

/// Removes events older than [`KEPT_DAYS`].
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        security_events::table
            .filter(security_events::at.lt(Utc::now() - chrono::Duration::days(KEPT_DAYS))),
    )
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_itself_and_as_serde_writes_it() {
        for &kind in KINDS {
            assert_eq!(SecurityEventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(SecurityEventKind::parse("signed_sideways"), None);
        for method in SignInMethod::ALL {
            assert_eq!(SignInMethod::parse(method.as_str()), Some(method));
            assert_eq!(serde_json::to_value(method).unwrap(), method.as_str());
        }
    }

    #[test]
    fn the_migration_allows_exactly_these_kinds() {
        let sql = include_str!("../../migrations/2026-12-02-000120_admin_users/up.sql");
        let check = &sql[sql.find("CHECK (kind IN (").expect("the check")..];
        let check = &check[..check.find("))").expect("its end")];
        let listed: Vec<&str> = check.split('\'').skip(1).step_by(2).collect();
        let known: Vec<&str> = KINDS.iter().map(|k| k.as_str()).collect();
        assert_eq!(listed, known);
    }
}
