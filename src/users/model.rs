//! The account as the API shows it, and the safety profile several features read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::lang::Lang;
use crate::users::{Role, UserId};

/// Health facts the app asks about once, used to warn about points. Each defaults to false;
/// sent in a request (a safety check), every fact is stated.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"pregnant": false, "bleeding_risk": true, "varicose_veins": false,
    "recent_surgery_or_fracture": false, "skin_condition": false}))]
pub struct SafetyProfile {
    pub pregnant: bool,
    /// A bleeding disorder, or blood thinners taken.
    pub bleeding_risk: bool,
    pub varicose_veins: bool,
    /// Surgery or a fracture in the last few months.
    pub recent_surgery_or_fracture: bool,
    /// Inflamed, broken or infected skin, or a skin condition.
    pub skin_condition: bool,
}

/// An account as its owner sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "0193a5c2-6f1e-7c1a-9a57-3f0b5c1d2e4f", "email": "mei@example.com",
    "display_name": "Mei", "locale": "en", "time_zone": "Europe/Berlin", "role": "user",
    "is_guest": false, "email_verified_at": null, "safety_profile": {"pregnant": false, "bleeding_risk": false,
    "varicose_veins": false, "recent_surgery_or_fracture": false, "skin_condition": false},
    "created_at": "2026-11-21T08:30:00Z", "updated_at": "2026-11-21T08:30:00Z"}))]
pub struct User {
    #[schema(value_type = Uuid)]
    pub id: UserId,
    /// Null for a guest account.
    #[schema(required = true)]
    pub email: Option<String>,
    pub display_name: String,
    /// The language the account is written to: mail, and catalog texts where the app
    /// asks for none.
    pub locale: Lang,
    /// IANA time zone, e.g. `Europe/Berlin`; local days (streaks) are computed in it.
    pub time_zone: String,
    pub role: Role,
    pub is_guest: bool,
    /// When the address was confirmed with a code or link mailed to it; null until then
    /// (and for a guest). An app that requires verified accounts checks that it is set.
    /// Only a verified address receives password resets.
    #[schema(required = true)]
    pub email_verified_at: Option<DateTime<Utc>>,
    pub safety_profile: SafetyProfile,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
