//! The signed-in user's own data: profile, safety profile, devices, export.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::DeviceSessionId;
use crate::auth::model::Device;
use crate::http::patch::not_null;
use crate::lang::Lang;
use crate::users::model::User;

/// Changes to the profile, as a JSON merge patch: absent fields stay as they are. None
/// of these fields can be cleared, so `null` for any of them is a 422. Unknown fields, and
/// fields the server owns (`id`, `email`, `role`, `created_at`, ...), are refused with 422.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"display_name": "Mei", "time_zone": "Asia/Shanghai",
    "safety_profile": {"pregnant": true}}))]
pub struct ProfilePatch {
    /// 1 to 80 characters once NFC-normalised; control, invisible formatting,
    /// separator, private-use and noncharacter code points are refused.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, min_length = 1, max_length = 80)]
    pub display_name: Option<String>,
    /// The language the account is written to.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Lang)]
    pub locale: Option<Lang>,
    /// An IANA time zone such as `Europe/Berlin`.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, min_length = 1, max_length = 64)]
    pub time_zone: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = SafetyProfilePatch)]
    pub safety_profile: Option<SafetyProfilePatch>,
}

/// Changes to the safety profile: absent answers stay as they are; `null` is a 422.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyProfilePatch {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub pregnant: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub bleeding_risk: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub varicose_veins: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub recent_surgery_or_fracture: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool)]
    pub skin_condition: Option<bool>,
}

/// The user's signed-in devices, most recently used first: all of them, in one answer
/// (signing in is rate limited, so the list stays short).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"items": [{"id": "0193a5c2-7000-7c1a-9a57-3f0b5c1d2e4f",
    "device_name": "Mei's iPhone", "user_agent": null, "created_at": "2026-11-21T08:30:00Z",
    "last_used_at": "2026-11-21T09:10:00Z", "current": true}]}))]
pub struct DeviceList {
    pub items: Vec<Device>,
}

/// Confirms a destructive action with the current password (guests send `{}`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"password": "quiet otter lantern river"}))]
pub struct PasswordConfirmation {
    /// Required, except for a guest account.
    #[schema(max_length = 128)]
    pub password: Option<String>,
}

/// A new password, confirmed with the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"current_password": "quiet otter lantern river",
    "new_password": "seven copper kites at dawn"}))]
pub struct PasswordChange {
    #[schema(max_length = 128)]
    pub current_password: String,
    /// 8 to 128 characters as sent and once NFKC-normalised, not easy to guess.
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// A move to a new email address, confirmed with the current password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"new_email": "mei.li@example.org", "password": "quiet otter lantern river"}))]
pub struct EmailChangeRequest {
    #[schema(max_length = 254, format = "email")]
    pub new_email: String,
    #[schema(max_length = 128)]
    pub password: String,
}

/// Everything stored about the user, as JSON.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"exported_at": "2026-11-21T09:30:00Z", "user": {"id": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f",
    "email": "mei@example.com", "display_name": "Mei", "locale": "en", "time_zone": "UTC",
    "role": "user", "is_guest": false, "email_verified_at": "2026-11-21T08:35:00Z", "safety_profile": {"pregnant": false, "bleeding_risk": false,
    "varicose_veins": false, "recent_surgery_or_fracture": false, "skin_condition": false},
    "created_at": "2026-11-21T08:30:00Z", "updated_at": "2026-11-21T08:30:00Z"}, "devices": [],
    "sessions": [], "routines": [], "reminders": [], "favorites": [], "security_events": [],
    "identities": [], "mfa": {"totp_enabled": false, "enabled_at": null, "recovery_codes_left": 0}}))]
pub struct Export {
    pub exported_at: DateTime<Utc>,
    pub user: User,
    /// Every session ever opened, including revoked ones.
    pub devices: Vec<ExportedDevice>,
    /// Every self-massage session logged, oldest first.
    pub sessions: Vec<crate::history::model::Session>,
    /// Every own routine, newest first (point names in English).
    pub routines: Vec<crate::personal::routines::model::OwnRoutine>,
    /// Every reminder, oldest first.
    pub reminders: Vec<crate::personal::reminders::model::Reminder>,
    /// Every favorite, in the account's order (names in English).
    pub favorites: Vec<crate::personal::favorites::model::Favorite>,
    /// The security log of the last 90 days, newest first.
    pub security_events: Vec<crate::auth::events::SecurityEvent>,
    /// The linked Apple and Google sign-ins.
    pub identities: Vec<crate::auth::identities::Identity>,
    /// Two-factor sign-in (never its secret or codes).
    pub mfa: crate::auth::model::MfaStatus,
}

/// A device session in the export, with its revocation if any.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedDevice {
    #[schema(value_type = Uuid)]
    pub id: DeviceSessionId,
    pub device_name: String,
    #[schema(required = true)]
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    #[schema(required = true)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub revoke_reason: Option<String>,
}
