//! The catalog's reviewable text files in `data/`, parsed and checked before loading.
//!
//! - `records`: the record types the files are read into;
//! - [`load`](Dataset::load): reading the files, in the order the checks need them;
//! - `checks`: the consistency rules every file must meet;
//! - `version`: the content version derived from the files' bytes;
//! - `vocab`: the fixed counts, and the closed value sets as enums.

use std::path::Path;

mod checks;
mod export;
mod i18n;
mod load;
mod records;
mod translations;
mod version;
mod vocab;

pub use checks::{Catalog, check_catalog};
pub use export::export;
pub use load::read_csv;
pub use records::{
    ConditionPointRecord, ConditionRecord, MeridianRow, PointRecord, PrecautionRecord,
    RoutineRecord, SafetyRecord, SelfCare, StepRecord,
};
pub use translations::{
    ConditionTexts, ConditionTranslations, LinkTexts, LinkTranslations, PointTexts,
    PointTranslations, PrecautionTexts, PrecautionTranslations, RoutineTexts, RoutineTranslations,
    SafetyTexts, SafetyTranslations, StepTexts, StepTranslations, TRANSLATED, Translated,
};
pub use version::LOADER_FORMAT;
pub use vocab::{
    BodyRegion, ConditionCategory, EvidenceLevel, Finger, MERIDIAN_COUNT, PointKind,
    PrecautionLevel, Pregnancy, Pressure, ReviewScope, RoutineLevel, STANDARD_POINT_COUNT,
    SelfCareSides, Side,
};

/// Everything the loader writes, plus the version derived from the files' bytes.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub version: String,
    pub meridians: Vec<MeridianRow>,
    pub points: Vec<PointRecord>,
    pub conditions: Vec<ConditionRecord>,
    pub routines: Vec<RoutineRecord>,
    pub safety: SafetyRecord,
}

/// A data file that cannot be read or breaks a rule: the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct DataError {
    pub file: String,
    pub message: String,
}

/// The error for `file`.
fn fail(file: &Path, message: impl Into<String>) -> DataError {
    DataError {
        file: file.display().to_string(),
        message: message.into(),
    }
}

/// The item of `items` whose key (`key_of`) is exactly `key`, or an error naming
/// `file` and the unknown `what`.
fn known<'a, T>(
    file: &Path,
    items: &'a mut [T],
    what: &str,
    key: &str,
    key_of: fn(&T) -> &str,
) -> Result<&'a mut T, DataError> {
    items
        .iter_mut()
        .find(|item| key_of(item) == key)
        .ok_or_else(|| fail(file, format!("unknown {what} {key}")))
}

/// Upper case without separators: the form codes are compared in.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}
