//! The safety engine: which of a user's health facts make a point, a pressure or a whole
//! self-massage worth a warning. One place for every read and write that warns: stored
//! sessions and sync, signed-in reads of points, routines and conditions, and
//! `POST /v1/safety/check`.
//!
//! Each warning names the part of the safety data behind it: the general precaution of
//! `GET /v1/safety` (`precaution`), or for pregnancy the teaching lists that flag the
//! point (`sources`).

mod model;

use crate::catalog::data::{BodyRegion, PointKind, PointRecord, Pregnancy, Pressure};
use crate::users::model::SafetyProfile;

pub use model::{ProfileSource, SafetyCheck, SafetyCheckResult, Warning, WarningCode};

/// The general precautions (slugs of `data/safety.toml`) the engine's warnings point to.
const BLEEDING_RISK: &str = "bleeding-risk";
const VARICOSE_VEINS: &str = "varicose-veins";
const RECENT_SURGERY: &str = "recent-surgery";
const BROKEN_SKIN: &str = "open-wounds";

/// Body regions of the leg, where varicose veins are found.
const LEG: [BodyRegion; 4] = [
    BodyRegion::HipThigh,
    BodyRegion::Knee,
    BodyRegion::LowerLeg,
    BodyRegion::Ankle,
];

/// One press the engine judges: a catalog point and, when known, how firmly.
#[derive(Clone, Copy, Debug)]
pub struct Press<'a> {
    pub point: &'a PointRecord,
    pub pressure: Option<Pressure>,
}

/// Collects warnings, each (code, point) once, in the order found.
#[derive(Default)]
struct Found(Vec<Warning>);

impl Found {
    fn push(&mut self, warning: Warning) {
        if !self
            .0
            .iter()
            .any(|w| w.code == warning.code && w.point == warning.point)
        {
            self.0.push(warning);
        }
    }
}

fn warning(code: WarningCode, point: Option<&PointRecord>, message: String) -> Warning {
    Warning {
        code,
        point: point.map(|p| p.code.clone()),
        message,
        precaution: code.precaution().map(str::to_owned),
        sources: point
            .filter(|_| code.is_pregnancy())
            .map(|p| p.pregnancy_sources.clone())
            .unwrap_or_default(),
    }
}

/// What `profile` makes worth a warning in `presses`: per point for pregnancy, varicose
/// veins and firm pressure with a bleeding risk; once for the whole for a bleeding risk
/// whose pressure is not known, recent surgery or a fracture, and a skin condition.
pub fn warnings<'a>(
    profile: &SafetyProfile,
    presses: impl IntoIterator<Item = Press<'a>>,
) -> Vec<Warning> {
    let mut found = Found::default();
    let mut any = false;
    for Press { point, pressure } in presses {
        any = true;
        if profile.pregnant {
            pregnancy(&mut found, point);
        }
        if profile.bleeding_risk {
            match pressure {
                Some(Pressure::Firm) => found.push(warning(
                    WarningCode::BleedingRiskFirmPressure,
                    Some(point),
                    format!(
                        "Firm pressure on {} can bruise with a bleeding disorder or blood thinners; use light pressure.",
                        point.code
                    ),
                )),
                Some(_) => {}
                None => found.push(warning(
                    WarningCode::BleedingRisk,
                    None,
                    "With a bleeding disorder or blood thinners, use only light pressure and stop if bruises appear.".to_owned(),
                )),
            }
        }
        if profile.varicose_veins && LEG.contains(&point.body_region) {
            found.push(warning(
                WarningCode::VaricoseVeinsLeg,
                Some(point),
                format!(
                    "{} is on the leg: never press directly on a varicose vein.",
                    point.code
                ),
            ));
        }
    }
    if any && profile.recent_surgery_or_fracture {
        found.push(warning(
            WarningCode::RecentSurgeryOrFracture,
            None,
            "Keep away from a recent operation site or fracture until it has healed.".to_owned(),
        ));
    }
    if any && profile.skin_condition {
        found.push(warning(
            WarningCode::SkinCondition,
            None,
            "Do not press on broken, inflamed or infected skin; choose the same point on the other side.".to_owned(),
        ));
    }
    found.0
}

fn pregnancy(found: &mut Found, point: &PointRecord) {
    let lists = point.pregnancy_sources.len();
    // An extra point's sources are the flagged standard points it lies over or level with.
    let mut why = match (point.kind, lists) {
        (_, 0) => Vec::new(),
        (PointKind::Extra, _) => vec![format!(
            "it lies at {}, which the teaching lists flag",
            point.pregnancy_sources.join(" and ")
        )],
        (PointKind::Standard, 1) => {
            vec!["one of the teaching lists acupress follows names it".to_owned()]
        }
        (PointKind::Standard, n) => {
            vec![format!(
                "{n} of the teaching lists acupress follows name it"
            )]
        }
    };
    if point.pregnancy > point.pregnancy_listed {
        why.push("acupress's editors rate it stricter than the lists do".to_owned());
    }
    let named_by = if why.is_empty() {
        String::new()
    } else {
        format!(" ({})", why.join("; "))
    };
    match point.pregnancy {
        Pregnancy::Contraindicated => found.push(warning(
            WarningCode::PregnancyContraindicated,
            Some(point),
            format!(
                "{} is traditionally avoided during pregnancy{named_by}; skip it until after the birth.",
                point.code
            ),
        )),
        Pregnancy::Caution => found.push(warning(
            WarningCode::PregnancyCaution,
            Some(point),
            format!(
                "{} is treated with caution in pregnancy{named_by}; press it only if your midwife or doctor agrees.",
                point.code
            ),
        )),
        Pregnancy::NotListed => {}
    }
}

impl WarningCode {
    /// The point must not be pressed by this user at all (not merely with care): an own
    /// routine keeps it only when the warnings are acknowledged, and recommendations
    /// leave it out.
    pub fn is_contraindication(self) -> bool {
        matches!(self, Self::PregnancyContraindicated)
    }

    /// The general precaution of `GET /v1/safety` behind the warning, if any.
    pub fn precaution(self) -> Option<&'static str> {
        match self {
            Self::PregnancyContraindicated | Self::PregnancyCaution => None,
            Self::BleedingRisk | Self::BleedingRiskFirmPressure => Some(BLEEDING_RISK),
            Self::VaricoseVeinsLeg => Some(VARICOSE_VEINS),
            Self::RecentSurgeryOrFracture => Some(RECENT_SURGERY),
            Self::SkinCondition => Some(BROKEN_SKIN),
        }
    }

    fn is_pregnancy(self) -> bool {
        matches!(
            self,
            Self::PregnancyContraindicated | Self::PregnancyCaution
        )
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::catalog::data::Dataset;

    fn dataset() -> Dataset {
        Dataset::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("data").as_path())
            .expect("the catalog data loads")
    }

    fn point<'a>(data: &'a Dataset, code: &str) -> &'a PointRecord {
        data.points.iter().find(|p| p.code == code).unwrap()
    }

    fn codes(found: &[Warning]) -> Vec<(WarningCode, Option<&str>)> {
        found.iter().map(|w| (w.code, w.point.as_deref())).collect()
    }

    #[test]
    fn every_precaution_a_warning_names_is_in_the_safety_data() {
        let data = dataset();
        for slug in [BLEEDING_RISK, VARICOSE_VEINS, RECENT_SURGERY, BROKEN_SKIN] {
            assert!(
                data.safety.precautions.iter().any(|p| p.slug == slug),
                "{slug} is not a precaution of data/safety.toml"
            );
        }
    }

    #[test]
    fn pregnancy_names_the_points_and_the_lists_behind_them() {
        let data = dataset();
        let pregnant = SafetyProfile {
            pregnant: true,
            ..SafetyProfile::default()
        };
        let presses = ["LI4", "SP6", "PC6"].map(|code| Press {
            point: point(&data, code),
            pressure: Some(Pressure::Medium),
        });
        let found = warnings(&pregnant, presses);
        assert_eq!(
            codes(&found),
            [
                (WarningCode::PregnancyContraindicated, Some("LI4")),
                (WarningCode::PregnancyContraindicated, Some("SP6")),
            ]
        );
        assert_eq!(found[0].sources, point(&data, "LI4").pregnancy_sources);
        assert!(!found[0].sources.is_empty());
        assert!(
            found[0].message.contains("teaching lists"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].precaution, None);
        assert!(warnings(&SafetyProfile::default(), presses).is_empty());
    }

    #[test]
    fn leg_points_firm_pressure_and_whole_session_facts() {
        let data = dataset();
        let profile = SafetyProfile {
            bleeding_risk: true,
            varicose_veins: true,
            recent_surgery_or_fracture: true,
            skin_condition: true,
            pregnant: false,
        };
        let presses = [
            Press {
                point: point(&data, "ST36"),
                pressure: Some(Pressure::Firm),
            },
            Press {
                point: point(&data, "LI4"),
                pressure: Some(Pressure::Light),
            },
        ];
        let found = warnings(&profile, presses);
        assert_eq!(
            codes(&found),
            [
                (WarningCode::BleedingRiskFirmPressure, Some("ST36")),
                (WarningCode::VaricoseVeinsLeg, Some("ST36")),
                (WarningCode::RecentSurgeryOrFracture, None),
                (WarningCode::SkinCondition, None),
            ]
        );
        assert_eq!(found[1].precaution.as_deref(), Some(VARICOSE_VEINS));
        // Nothing pressed, nothing to warn about.
        assert!(warnings(&profile, []).is_empty());
    }

    #[test]
    fn a_bleeding_risk_without_a_known_pressure_warns_once() {
        let data = dataset();
        let profile = SafetyProfile {
            bleeding_risk: true,
            ..SafetyProfile::default()
        };
        let presses = ["LI4", "PC6"].map(|code| Press {
            point: point(&data, code),
            pressure: None,
        });
        assert_eq!(
            codes(&warnings(&profile, presses)),
            [(WarningCode::BleedingRisk, None)]
        );
    }
}
