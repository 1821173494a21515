//! Request and response types of the auth endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::DeviceSessionId;
use crate::lang::Lang;
use crate::users::model::User;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mei@example.com", "password": "quiet otter lantern river",
    "display_name": "Mei", "locale": "en", "time_zone": "Europe/Berlin", "device_name": "Mei's iPhone"}))]
pub struct RegisterRequest {
    /// NFKC-normalised, trimmed and case-folded before it is stored: then at most 254
    /// bytes of UTF-8; unique.
    #[schema(max_length = 254)]
    pub email: String,
    /// 8 to 128 characters, as sent and once NFKC-normalised (the form hashed, so any
    /// Unicode form of it signs in); judged by a strength estimator rather than
    /// composition rules.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// 1 to 80 characters once NFC-normalised; control, invisible formatting,
    /// separator, private-use and noncharacter code points are refused.
    #[schema(min_length = 1, max_length = 80)]
    pub display_name: String,
    /// The language the account is written to (default `en`).
    pub locale: Option<Lang>,
    /// IANA time zone (default `UTC`).
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
    /// A name for this device, shown in the device list: 1 to 80 characters, checked
    /// like `display_name`.
    #[schema(min_length = 1, max_length = 80)]
    pub device_name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mei@example.com", "password": "quiet otter lantern river",
    "device_name": "Mei's iPhone"}))]
pub struct LoginRequest {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 128)]
    pub password: String,
    /// A name for this device, as at registration.
    #[schema(min_length = 1, max_length = 80)]
    pub device_name: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"refresh_token": "q2c8bW0xZ3l0b2tlbi1leGFtcGxlLW9ubHk"}))]
pub struct RefreshRequest {
    /// The `refresh_token` of the last token pair (no token is longer than 128 characters).
    #[schema(max_length = 128)]
    pub refresh_token: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"device_name": "Tablet", "locale": "zh-Hans", "time_zone": "Asia/Shanghai"}))]
pub struct GuestRequest {
    /// A name for this device, as at registration.
    #[schema(min_length = 1, max_length = 80)]
    pub device_name: Option<String>,
    /// The language the account is written to (default `en`).
    pub locale: Option<Lang>,
    /// IANA time zone (default `UTC`).
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mei@example.com", "password": "quiet otter lantern river",
    "display_name": "Mei"}))]
pub struct UpgradeRequest {
    /// As at registration.
    #[schema(max_length = 254)]
    pub email: String,
    /// As at registration.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    /// As at registration; the guest's name is kept when left out.
    #[schema(min_length = 1, max_length = 80)]
    pub display_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"include_current": false}))]
pub struct LogoutAllRequest {
    /// Also sign out the device making the request (default false).
    #[serde(default)]
    pub include_current: bool,
}

/// How the access token is sent: `Authorization: Bearer <access_token>`.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub enum TokenType {
    Bearer,
}

/// A short-lived access token and a long-lived, single-use refresh token.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIuLi4ifQ.sig",
    "token_type": "Bearer", "expires_in": 900, "refresh_token": "q2c8bW0xZ3l0b2tlbi1leGFtcGxlLW9ubHk",
    "refresh_expires_at": "2027-01-20T08:30:00Z", "session_id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f"}))]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Exchange it at `/v1/auth/refresh`; each one works once.
    pub refresh_token: String,
    pub refresh_expires_at: DateTime<Utc>,
    /// This device's session id.
    #[schema(value_type = Uuid)]
    pub session_id: DeviceSessionId,
}

/// The account and a token pair for this device.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"user": {"id": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f", "email": "mei@example.com",
    "display_name": "Mei", "locale": "en", "time_zone": "Europe/Berlin", "role": "user",
    "is_guest": false, "email_verified_at": null, "safety_profile": {"pregnant": false, "bleeding_risk": false,
    "varicose_veins": false, "recent_surgery_or_fracture": false, "skin_condition": false},
    "created_at": "2026-11-21T08:30:00Z", "updated_at": "2026-11-21T08:30:00Z"},
    "tokens": {"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIuLi4ifQ.sig",
    "token_type": "Bearer", "expires_in": 900, "refresh_token": "q2c8bW0xZ3l0b2tlbi1leGFtcGxlLW9ubHk",
    "refresh_expires_at": "2027-01-20T08:30:00Z", "session_id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f"}}))]
pub struct AuthResponse {
    pub user: User,
    pub tokens: TokenPair,
}

/// A signed-in device.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f", "device_name": "Mei's iPhone",
    "user_agent": "AcuApp/2.1 iOS/18.1", "created_at": "2026-11-21T08:30:00Z",
    "last_used_at": "2026-11-21T09:10:00Z", "current": true}))]
pub struct Device {
    /// The session id (`sid` in the access token).
    #[schema(value_type = Uuid)]
    pub id: DeviceSessionId,
    pub device_name: String,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Last sign-in or token refresh.
    pub last_used_at: DateTime<Utc>,
    /// Whether this is the device making the request.
    pub current: bool,
}

/// A code mailed to the account's address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "482913"}))]
pub struct VerifyEmailRequest {
    /// The six digits from the newest message.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: String,
}

/// A message accepted for sending; it goes out within seconds.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"sent_to": "mei@example.com", "expires_in": 900}))]
pub struct CodeSent {
    pub sent_to: String,
    /// Seconds the new code works.
    pub expires_in: u64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mei@example.com"}))]
pub struct PasswordResetRequest {
    /// The account's address, as at registration.
    #[schema(max_length = 254)]
    pub email: String,
}

/// The same answer whether or not an account has this address.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"detail": "If this is the verified address of an account, a code to reset its password is on its way."}))]
pub struct PasswordResetAccepted {
    pub detail: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "mei@example.com", "code": "482913",
    "new_password": "seven amber kites drifting", "device_name": "Mei's iPhone"}))]
pub struct PasswordResetConfirm {
    #[schema(max_length = 254)]
    pub email: String,
    /// The six digits from the newest reset message.
    #[schema(min_length = 6, max_length = 6, pattern = "^[0-9]{6}$")]
    pub code: String,
    /// Judged as at registration.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
    /// A name for the device signed in now, as at registration.
    #[schema(min_length = 1, max_length = 80)]
    pub device_name: Option<String>,
}
