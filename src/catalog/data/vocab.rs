//! The fixed counts and closed vocabularies the data files are checked against.

/// The 14 channels every catalog has: 12 regular meridians plus GV and CV.
pub const MERIDIAN_COUNT: usize = 14;

/// Standard points per meridian, as the WHO nomenclature counts them.
pub const STANDARD_POINT_COUNT: usize = 361;

/// The body regions a point may lie in.
pub const BODY_REGIONS: [&str; 18] = [
    "head",
    "face",
    "neck",
    "shoulder_scapula",
    "axilla",
    "chest",
    "upper_back",
    "lower_back",
    "sacrum_buttock_perineum",
    "abdomen",
    "upper_arm_elbow",
    "forearm_wrist",
    "hand",
    "hip_thigh",
    "knee",
    "lower_leg",
    "ankle",
    "foot",
];

/// How well the use of a point for a condition is supported.
pub const EVIDENCE_LEVELS: [&str; 3] = ["traditional", "limited", "reviewed"];

/// The categories conditions are grouped in.
pub const CONDITION_CATEGORIES: [&str; 8] = [
    "pain",
    "digestive",
    "mind_sleep",
    "womens_health",
    "respiratory",
    "energy_circulation",
    "eyes_head",
    "musculoskeletal",
];

/// The side a routine step presses.
pub const SIDES: [&str; 4] = ["left", "right", "both", "midline"];

/// How firmly to press, in routines and in self-care guidance.
pub const PRESSURES: [&str; 3] = ["light", "medium", "firm"];

/// What to press with, in self-care guidance.
pub(super) const FINGERS: [&str; 5] = ["thumb", "finger", "fingertips", "knuckle", "palm"];

/// How the sides are pressed, in self-care guidance.
pub(super) const SELFCARE_SIDES: [&str; 3] = ["both", "one_side_at_a_time", "midline"];

/// The levels of a general precaution in `safety.toml`.
pub(super) const PRECAUTION_LEVELS: [&str; 2] = ["avoid", "care"];
