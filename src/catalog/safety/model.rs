//! What the safety engine says, and the check an app can ask for before anyone presses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::users::model::SafetyProfile;

/// Why a warning is shown: which part of the safety profile meets which point.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// The user is pregnant and the point is traditionally avoided in pregnancy.
    PregnancyContraindicated,
    /// The user is pregnant and the point is treated with caution in pregnancy.
    PregnancyCaution,
    /// The user bleeds or bruises easily and the pressure is not known: press lightly.
    BleedingRisk,
    /// The user bleeds or bruises easily and the step asks for firm pressure.
    BleedingRiskFirmPressure,
    /// The user has varicose veins and the point is on the leg (thigh, knee, lower leg, ankle).
    VaricoseVeinsLeg,
    /// The user had recent surgery or a fracture: keep away from the site (anything pressed).
    RecentSurgeryOrFracture,
    /// The user has a skin condition: do not press on broken or inflamed skin (anything pressed).
    SkinCondition,
}

/// Something the app should show the user about what they press or pressed.
#[derive(Clone, Debug, Serialize, ToSchema, PartialEq)]
#[schema(example = json!({"code": "pregnancy_contraindicated", "point": "LI4",
    "message": "LI4 is traditionally avoided during pregnancy (8 of the teaching lists acupress follows name it); skip it until after the birth.",
    "precaution": null, "sources": ["T", "M", "K", "C", "F", "B", "I", "W"]}))]
pub struct Warning {
    pub code: WarningCode,
    /// The point concerned; null for a warning about the whole (a skin condition, say).
    #[schema(required = true)]
    pub point: Option<String>,
    pub message: String,
    /// The slug of the general precaution in `GET /v1/safety` behind the warning; null
    /// for pregnancy, whose reasons are in `sources`.
    #[schema(required = true)]
    pub precaution: Option<String>,
    /// For a pregnancy warning, why: the point's `pregnancy_sources` (one letter per
    /// teaching list that flags it, as in `GET /v1/points/{code}`); empty otherwise.
    pub sources: Vec<String>,
}

/// What to check: points, a routine (curated, or one's own), or both, and for whom.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"points": ["LI4", "ST36"], "routine": "sleep-wind-down",
    "profile": {"pregnant": true, "bleeding_risk": false, "varicose_veins": false,
    "recent_surgery_or_fracture": false, "skin_condition": false}}))]
pub struct SafetyCheck {
    /// Point codes in any spelling (`LI4`, `li-4`), at most 100; pressure unknown.
    #[serde(default)]
    #[schema(max_items = 100)]
    pub points: Vec<PointCode>,
    /// A curated routine's slug, or (signed in) the id of one of the account's own
    /// routines: its steps are checked with their pressures.
    #[schema(max_length = 80)]
    pub routine: Option<String>,
    /// The safety profile to check for, when not signed in. Signed in, leave it out:
    /// the account's own profile is used.
    pub profile: Option<SafetyProfile>,
}

/// A point code in any spelling (`LI4`, `li-4`), at most 40 characters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct PointCode(pub String);

/// Longest point code a check takes (longer ones are unknown to the catalog, 422).
const MAX_CODE_CHARS: usize = 40;

impl utoipa::PartialSchema for PointCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A point code in any spelling (`LI4`, `li-4`)."))
            .max_length(Some(MAX_CODE_CHARS))
            .into()
    }
}

impl ToSchema for PointCode {}

/// Whose safety profile a check used.
#[derive(Clone, Copy, Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ProfileSource {
    /// The signed-in account's.
    Account,
    /// The one sent in the request.
    Request,
}

/// The warnings for what was asked, in the order of the points, then the routine's steps.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"warnings": [{"code": "pregnancy_contraindicated", "point": "LI4",
    "message": "LI4 is traditionally avoided during pregnancy (8 of the teaching lists acupress follows name it); skip it until after the birth.",
    "precaution": null, "sources": ["T", "M", "K", "C", "F", "B", "I", "W"]}],
    "profile_source": "request", "profile": {"pregnant": true, "bleeding_risk": false,
    "varicose_veins": false, "recent_surgery_or_fracture": false, "skin_condition": false}}))]
pub struct SafetyCheckResult {
    pub warnings: Vec<Warning>,
    pub profile_source: ProfileSource,
    /// The profile the warnings are for.
    pub profile: SafetyProfile,
}
