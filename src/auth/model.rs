//! Request and response types of the auth endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::DeviceSessionId;
use crate::auth::identities::Identity;
use crate::auth::tokens::Aal;
use crate::config::IdProvider;
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
    "refresh_expires_at": "2027-01-20T08:30:00Z", "session_id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f", "aal": "aal1"}))]
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
    /// The session's assurance level, also carried in the access token: `aal2` once a
    /// second factor was given.
    pub aal: Aal,
}

/// The first factor passed, and the account asks for a second: answer the challenge at
/// `POST /v1/auth/mfa` with an authenticator code (or a recovery code). Nothing is signed
/// in until then.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"challenge": "Zk3q9Xv2bW0xZ3l0b2tlbi1leGFtcGxlLW9ubHk",
    "expires_at": "2026-12-02T08:35:00Z", "tries_left": 5}))]
pub struct MfaChallenge {
    /// Opaque; works once, for 5 minutes.
    pub challenge: String,
    pub expires_at: DateTime<Utc>,
    /// Wrong codes it takes before it dies.
    pub tries_left: u32,
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
    "refresh_expires_at": "2027-01-20T08:30:00Z", "session_id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f", "aal": "aal1"}}))]
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

/// An ID token from the phone's Sign in with Apple or Google dialog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"provider": "apple", "id_token": "eyJraWQiOiJXNldjT0tCIiwiYWxnIjoiUlMyNTYifQ.eyJpc3MiOiJodHRwczovL2FwcGxlaWQuYXBwbGUuY29tIn0.sig",
    "nonce": "3f1c2a9e-raw-nonce-the-app-made", "device_name": "Mei's iPhone", "display_name": "Mei",
    "locale": "en", "time_zone": "Europe/Berlin"}))]
pub struct IdTokenRequest {
    pub provider: IdProvider,
    /// The ID token (a JWT) as the provider's SDK returned it.
    #[schema(min_length = 1, max_length = 8192)]
    pub id_token: String,
    /// The raw nonce the app made for this sign-in: required for Apple (the token carries
    /// its SHA-256 in hex), for Google when the app set one (the token carries it as is).
    #[schema(min_length = 1, max_length = 128)]
    pub nonce: Option<String>,
    /// A name for this device, as at registration.
    #[schema(min_length = 1, max_length = 80)]
    pub device_name: Option<String>,
    /// For a new account: its name (else the one the provider gives, or a placeholder),
    /// checked as at registration. Apple gives the name to the app on the first sign-in
    /// only, never in the token: send it then.
    #[schema(min_length = 1, max_length = 80)]
    pub display_name: Option<String>,
    /// For a new account: its language (default `en`).
    pub locale: Option<Lang>,
    /// For a new account: its IANA time zone (default `UTC`).
    #[schema(min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
}

/// An ID token to link to the signed-in account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"provider": "google", "id_token": "eyJhbGciOiJSUzI1NiIsImtpZCI6IjFlOWdkazcifQ.eyJpc3MiOiJodHRwczovL2FjY291bnRzLmdvb2dsZS5jb20ifQ.sig"}))]
pub struct LinkIdentityRequest {
    pub provider: IdProvider,
    #[schema(min_length = 1, max_length = 8192)]
    pub id_token: String,
    /// As for signing in.
    #[schema(min_length = 1, max_length = 128)]
    pub nonce: Option<String>,
}

/// The ways the account can sign in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"password": true, "identities": [{"id": "0193a9f2-5c1e-7d3a-9b4e-2f6c8d0a1b2c",
    "provider": "apple", "email": "x7k2p9@privaterelay.appleid.com", "email_verified": true,
    "private_email": true, "linked_at": "2026-12-01T08:30:00Z", "last_used_at": "2026-12-02T07:10:00Z"}],
    "mfa": {"totp_enabled": false, "enabled_at": null, "recovery_codes_left": 0}}))]
pub struct SignInMethods {
    /// Whether the account has a password.
    pub password: bool,
    /// Linked Apple and Google sign-ins (one per provider), oldest first.
    #[schema(max_items = 2)]
    pub identities: Vec<Identity>,
    pub mfa: MfaStatus,
}

/// The account's two-factor sign-in.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"totp_enabled": true, "enabled_at": "2026-12-02T08:30:00Z", "recovery_codes_left": 9}))]
pub struct MfaStatus {
    pub totp_enabled: bool,
    #[schema(required = true)]
    pub enabled_at: Option<DateTime<Utc>>,
    /// Unused recovery codes (0 while it is off).
    #[schema(minimum = 0, maximum = 10)]
    pub recovery_codes_left: u32,
}

/// The answer to a sign-in challenge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"challenge": "Zk3q9Xv2bW0xZ3l0b2tlbi1leGFtcGxlLW9ubHk", "code": "492039"}))]
pub struct MfaRequest {
    /// `challenge` of the sign-in's 202 answer.
    #[schema(min_length = 1, max_length = 128)]
    pub challenge: String,
    /// The six digits the authenticator app shows now; or send `recovery_code`.
    #[schema(min_length = 6, max_length = 7, pattern = "^[0-9]{3} ?[0-9]{3}$")]
    pub code: Option<String>,
    /// One of the recovery codes (`XXXX-XXXX-XXXX`); each works once.
    #[schema(min_length = 12, max_length = 14)]
    pub recovery_code: Option<String>,
}

/// Confirms the account's password for a two-factor change (an account without one
/// sends none).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "quiet otter lantern river"}))]
pub struct TotpEnrolRequest {
    #[schema(max_length = 128)]
    pub password: Option<String>,
}

/// A new authenticator secret, pending until a first code confirms it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth_uri": "otpauth://totp/acupress:mei%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=acupress",
    "algorithm": "SHA1", "digits": 6, "period": 30}))]
pub struct TotpEnrolment {
    /// The shared secret in base 32, for typing into an authenticator app.
    pub secret: String,
    /// The same as a link (or QR code) authenticator apps open.
    pub otpauth_uri: String,
    pub algorithm: TotpAlgorithm,
    pub digits: u32,
    /// Seconds per code.
    pub period: u32,
}

/// The HMAC of the codes.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub enum TotpAlgorithm {
    #[serde(rename = "SHA1")]
    Sha1,
}

/// A code from the authenticator.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"code": "492039"}))]
pub struct TotpCodeRequest {
    #[schema(min_length = 6, max_length = 7, pattern = "^[0-9]{3} ?[0-9]{3}$")]
    pub code: String,
}

/// Two-factor sign-in is on: the recovery codes (shown this once) and a new token pair
/// for this device, now at `aal2`; every other device was signed out.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"recovery_codes": ["7KQ2-M9XD-4TRP", "H3VN-0B8C-WQ5Z", "P6JF-2YSA-KM1E",
    "X9RT-5DGH-3NBV", "C4WQ-8ZLM-6FTY", "M2HK-7PVX-9DSA", "T5BN-1QJR-8GWE", "Z8FD-4MCK-2XVQ",
    "R1YS-6TWP-5HNB", "E7GV-3KZA-0MDJ"],
    "tokens": {"access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiIuLi4ifQ.sig",
    "token_type": "Bearer", "expires_in": 900, "refresh_token": "q2c8bW0xZ3l0b2tlbi1leGFtcGxlLW9ubHk",
    "refresh_expires_at": "2027-01-20T08:30:00Z", "session_id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f", "aal": "aal2"}}))]
pub struct MfaEnabled {
    #[schema(min_items = 10, max_items = 10)]
    pub recovery_codes: Vec<String>,
    pub tokens: TokenPair,
}

/// Turns two-factor sign-in off: the password (if the account has one) and a code or a
/// recovery code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "quiet otter lantern river", "code": "492039"}))]
pub struct MfaDisableRequest {
    #[schema(max_length = 128)]
    pub password: Option<String>,
    #[schema(min_length = 6, max_length = 7, pattern = "^[0-9]{3} ?[0-9]{3}$")]
    pub code: Option<String>,
    #[schema(min_length = 12, max_length = 14)]
    pub recovery_code: Option<String>,
}

/// New recovery codes, shown this once; the old ones work no more.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"recovery_codes": ["7KQ2-M9XD-4TRP", "H3VN-0B8C-WQ5Z", "P6JF-2YSA-KM1E",
    "X9RT-5DGH-3NBV", "C4WQ-8ZLM-6FTY", "M2HK-7PVX-9DSA", "T5BN-1QJR-8GWE", "Z8FD-4MCK-2XVQ",
    "R1YS-6TWP-5HNB", "E7GV-3KZA-0MDJ"]}))]
pub struct RecoveryCodes {
    #[schema(min_items = 10, max_items = 10)]
    pub recovery_codes: Vec<String>,
}
