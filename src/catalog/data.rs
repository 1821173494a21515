//! The catalog's reviewable text files in `data/`, parsed and checked before loading.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A row of `meridians.csv`.
#[derive(Clone, Debug, Deserialize)]
pub struct MeridianRow {
    pub code: String,
    pub english_name: String,
    pub pinyin: String,
    pub hanzi: String,
    pub hanzi_traditional: String,
    /// `;`-separated older codes (`SJ;TW;TB`).
    pub aliases: String,
    pub point_count: i32,
}

impl MeridianRow {
    pub fn alias_list(&self) -> Vec<String> {
        self.aliases
            .split(';')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_ascii_uppercase)
            .collect()
    }
}

/// A row of `points.csv` (facts only).
#[derive(Clone, Debug, Deserialize)]
struct PointFacts {
    code: String,
    meridian_code: String,
    number: i32,
    pinyin: String,
    pinyin_ascii: String,
    hanzi: String,
    hanzi_traditional: String,
    body_region: String,
}

/// Our words for a standard point (`points/<MERIDIAN>.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PointContent {
    code: String,
    english_name: String,
    location: String,
    #[serde(default)]
    aliases: Vec<String>,
}

/// An extra point: facts and words together (`points/EX.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraPoint {
    code: String,
    pinyin: String,
    pinyin_ascii: String,
    hanzi: String,
    hanzi_traditional: String,
    body_region: String,
    english_name: String,
    location: String,
    #[serde(default)]
    aliases: Vec<String>,
    code_note: Option<String>,
    /// The teaching lists cover standard points only: an extra point that lies level
    /// with or over flagged standard points takes the strictest of their levels, and
    /// names them here (checked at load).
    #[serde(default)]
    pregnancy_as: Vec<String>,
}

#[derive(Deserialize)]
struct PointFile<T> {
    points: Vec<T>,
}

#[derive(Clone, Debug, Deserialize)]
struct PregnancyRow {
    code: String,
    level: String,
    sources: String,
}

/// Everything known about one point, as loaded into the database.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PointRecord {
    pub code: String,
    pub kind: PointKind,
    pub meridian: Option<String>,
    pub number: Option<i32>,
    pub pinyin: String,
    pub pinyin_ascii: String,
    pub hanzi: String,
    pub hanzi_traditional: String,
    pub body_region: String,
    pub english_name: String,
    pub location: String,
    pub aliases: Vec<String>,
    pub code_note: Option<String>,
    pub pregnancy: Pregnancy,
    /// Keys of the teaching lists that flag the point for pregnancy.
    pub pregnancy_sources: Vec<String>,
    pub selfcare: Option<SelfCare>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// One of the 361 WHO standard points on the 14 meridians.
    Standard,
    /// An extra point outside the meridians.
    Extra,
}

/// How a point is regarded in pregnancy.
/// Ordered from least to most restrictive.
#[derive(
    Clone,
    Copy,
    Debug,
    Serialize,
    Deserialize,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Pregnancy {
    /// Not flagged by the teaching lists.
    Safe,
    /// Flagged by some lists: only with a midwife's or doctor's agreement.
    Caution,
    /// Flagged by nearly all lists: do not press during pregnancy.
    Contraindicated,
}

impl std::str::FromStr for Pregnancy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "safe" => Ok(Self::Safe),
            "caution" => Ok(Self::Caution),
            "contraindicated" => Ok(Self::Contraindicated),
            other => Err(format!("unknown pregnancy level `{other}`")),
        }
    }
}

/// Self-acupressure guidance for one point (`selfcare.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfCare {
    #[serde(default, skip_serializing)]
    #[schema(ignore)]
    pub code: String,
    /// Steps to find the point on yourself.
    pub how_to_find: Vec<String>,
    /// `thumb`, `finger`, `fingertips`, `knuckle` or `palm`.
    pub finger: String,
    /// `light`, `medium` or `firm`.
    pub pressure: String,
    /// Seconds per side.
    pub seconds: u32,
    /// Slow breaths to hold for.
    pub breaths: u32,
    /// `both`, `one_side_at_a_time` or `midline`.
    pub sides: String,
    pub technique: String,
    pub traditional_uses: Vec<String>,
    pub cautions: Vec<String>,
}

#[derive(Deserialize)]
struct SelfCareFile {
    points: Vec<SelfCare>,
}

/// A condition and its ranked points (`conditions.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConditionRecord {
    pub slug: String,
    pub name: String,
    pub name_zh_hans: Option<String>,
    pub name_zh_hant: Option<String>,
    pub category: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub description: String,
    pub see_a_doctor_when: Vec<String>,
    pub caution: Option<String>,
    pub points: Vec<ConditionPointRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ConditionPointRecord {
    pub code: String,
    pub evidence: String,
    pub note: String,
}

#[derive(Deserialize)]
struct ConditionFile {
    conditions: Vec<ConditionRecord>,
}

/// A curated routine (`routines.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RoutineRecord {
    pub slug: String,
    pub name: String,
    pub name_zh_hans: Option<String>,
    pub name_zh_hant: Option<String>,
    pub description: String,
    pub conditions: Vec<String>,
    pub level: String,
    pub steps: Vec<StepRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StepRecord {
    pub point: String,
    pub side: String,
    pub seconds: u32,
    pub pressure: String,
    pub instruction: String,
}

#[derive(Deserialize)]
struct RoutineFile {
    routines: Vec<RoutineRecord>,
}

/// General precautions and the disclaimer (`safety.toml`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SafetyRecord {
    pub disclaimer: String,
    pub precautions: Vec<PrecautionRecord>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrecautionRecord {
    pub slug: String,
    /// `avoid` (do not press there) or `care` (press gently, or ask first).
    pub level: String,
    pub title: String,
    pub detail: String,
}

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

#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct DataError {
    pub file: String,
    pub message: String,
}

fn fail(file: &Path, message: impl Into<String>) -> DataError {
    DataError {
        file: file.display().to_string(),
        message: message.into(),
    }
}

/// The 14 channels every catalog has: 12 regular meridians plus GV and CV.
pub const MERIDIAN_COUNT: usize = 14;

impl Dataset {
    /// Reads and validates every file under `dir`.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        let version = content_version(dir)?;
        let meridians: Vec<MeridianRow> = read_csv(&dir.join("meridians.csv"))?;
        check_meridians(&dir.join("meridians.csv"), &meridians)?;
        let points = load_points(dir, &meridians)?;
        let codes: HashSet<&str> = points.iter().map(|p| p.code.as_str()).collect();
        let conditions = read_toml::<ConditionFile>(&dir.join("conditions.toml"))?.conditions;
        check_conditions(&dir.join("conditions.toml"), &conditions, &codes)?;
        let routines = read_toml::<RoutineFile>(&dir.join("routines.toml"))?.routines;
        // A routine step links to how to find its point: only points with self-care guidance.
        let guided: HashSet<&str> = points
            .iter()
            .filter(|p| p.selfcare.is_some())
            .map(|p| p.code.as_str())
            .collect();
        check_routines(&dir.join("routines.toml"), &routines, &conditions, &guided)?;
        let safety: SafetyRecord = read_toml(&dir.join("safety.toml"))?;
        check_safety(&dir.join("safety.toml"), &safety)?;
        Ok(Self {
            version,
            meridians,
            points,
            conditions,
            routines,
            safety,
        })
    }
}

/// Standard points per meridian, as the WHO nomenclature counts them.
pub const STANDARD_POINT_COUNT: usize = 361;

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

pub const EVIDENCE_LEVELS: [&str; 3] = ["traditional", "limited", "reviewed"];
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
pub const SIDES: [&str; 4] = ["left", "right", "both", "midline"];
pub const PRESSURES: [&str; 3] = ["light", "medium", "firm"];
const FINGERS: [&str; 5] = ["thumb", "finger", "fingertips", "knuckle", "palm"];
const SELFCARE_SIDES: [&str; 3] = ["both", "one_side_at_a_time", "midline"];

fn check_enum(file: &Path, what: &str, value: &str, allowed: &[&str]) -> Result<(), DataError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(fail(
            file,
            format!("{what} `{value}` is not one of {}", allowed.join(", ")),
        ))
    }
}

/// Checks that text a user reads is non-empty and free of control characters.
fn check_text(file: &Path, what: &str, text: &str) -> Result<(), DataError> {
    if text.trim().is_empty() || text.chars().any(char::is_control) {
        return Err(fail(
            file,
            format!("{what}: empty or contains control characters"),
        ));
    }
    Ok(())
}

fn load_points(dir: &Path, meridians: &[MeridianRow]) -> Result<Vec<PointRecord>, DataError> {
    let facts_file = dir.join("points.csv");
    let facts: Vec<PointFacts> = read_csv(&facts_file)?;
    if facts.len() != STANDARD_POINT_COUNT {
        return Err(fail(
            &facts_file,
            format!(
                "expected {STANDARD_POINT_COUNT} standard points, found {}",
                facts.len()
            ),
        ));
    }
    for m in meridians {
        let n = facts.iter().filter(|p| p.meridian_code == m.code).count();
        if n != m.point_count as usize {
            return Err(fail(
                &facts_file,
                format!(
                    "meridian {} should have {} points, found {n}",
                    m.code, m.point_count
                ),
            ));
        }
    }
    let pregnancy_file = dir.join("pregnancy_caution.csv");
    let pregnancy: Vec<PregnancyRow> = read_csv(&pregnancy_file)?;

    let mut points = Vec::with_capacity(facts.len() + 32);
    for m in meridians {
        let file = dir.join("points").join(format!("{}.toml", m.code));
        let content = read_toml::<PointFile<PointContent>>(&file)?.points;
        let expected: Vec<&PointFacts> =
            facts.iter().filter(|p| p.meridian_code == m.code).collect();
        if content.len() != expected.len() {
            return Err(fail(
                &file,
                format!("{} entries for {} points", content.len(), expected.len()),
            ));
        }
        for (fact, words) in expected.into_iter().zip(content) {
            if fact.code != words.code {
                return Err(fail(
                    &file,
                    format!("expected {} in order, found {}", fact.code, words.code),
                ));
            }
            check_enum(&facts_file, "body_region", &fact.body_region, &BODY_REGIONS)?;
            points.push(PointRecord {
                code: fact.code.clone(),
                kind: PointKind::Standard,
                meridian: Some(fact.meridian_code.clone()),
                number: Some(fact.number),
                pinyin: fact.pinyin.clone(),
                pinyin_ascii: fact.pinyin_ascii.clone(),
                hanzi: fact.hanzi.clone(),
                hanzi_traditional: fact.hanzi_traditional.clone(),
                body_region: fact.body_region.clone(),
                english_name: words.english_name,
                location: words.location,
                aliases: words.aliases,
                code_note: None,
                pregnancy: Pregnancy::Safe,
                pregnancy_sources: Vec::new(),
                selfcare: None,
            });
        }
    }
    let extra_file = dir.join("points").join("EX.toml");
    let mut pregnancy_as = Vec::new();
    for extra in read_toml::<PointFile<ExtraPoint>>(&extra_file)?.points {
        if !extra.pregnancy_as.is_empty() {
            pregnancy_as.push((extra.code.clone(), extra.pregnancy_as));
        }
        check_enum(
            &extra_file,
            "body_region",
            &extra.body_region,
            &BODY_REGIONS,
        )?;
        points.push(PointRecord {
            code: extra.code,
            kind: PointKind::Extra,
            meridian: None,
            number: None,
            pinyin: extra.pinyin,
            pinyin_ascii: extra.pinyin_ascii,
            hanzi: extra.hanzi,
            hanzi_traditional: extra.hanzi_traditional,
            body_region: extra.body_region,
            english_name: extra.english_name,
            location: extra.location,
            aliases: extra.aliases,
            code_note: extra.code_note,
            pregnancy: Pregnancy::Safe,
            pregnancy_sources: Vec::new(),
            selfcare: None,
        });
    }
    let mut keys = HashSet::new();
    for p in &points {
        for (what, text) in [("english_name", &p.english_name), ("location", &p.location)] {
            check_text(&extra_file, &format!("{} {what}", p.code), text)?;
        }
        if !keys.insert(normalize(&p.code)) {
            return Err(fail(
                &extra_file,
                format!("point code {} appears twice", p.code),
            ));
        }
    }
    for row in pregnancy {
        let level: Pregnancy = row
            .level
            .parse()
            .map_err(|e: String| fail(&pregnancy_file, e))?;
        let point = points
            .iter_mut()
            .find(|p| p.code == row.code)
            .ok_or_else(|| fail(&pregnancy_file, format!("unknown point {}", row.code)))?;
        point.pregnancy = level;
        point.pregnancy_sources = row
            .sources
            .split(';')
            .map(|s| s.trim().to_owned())
            .collect();
    }
    for (code, like) in pregnancy_as {
        let mut level = Pregnancy::Safe;
        for other in &like {
            let flagged = points
                .iter()
                .find(|p| &p.code == other && p.kind == PointKind::Standard)
                .map(|p| p.pregnancy)
                .filter(|l| *l != Pregnancy::Safe)
                .ok_or_else(|| {
                    fail(
                        &extra_file,
                        format!("{code}: pregnancy_as names {other}, which is not a flagged standard point"),
                    )
                })?;
            level = level.max(flagged);
        }
        let point = points
            .iter_mut()
            .find(|p| p.code == code)
            .expect("extra points were pushed above");
        point.pregnancy = level;
        point.pregnancy_sources = like;
    }
    let selfcare_file = dir.join("selfcare.toml");
    for care in read_toml::<SelfCareFile>(&selfcare_file)?.points {
        check_enum(&selfcare_file, "pressure", &care.pressure, &PRESSURES)?;
        check_enum(&selfcare_file, "finger", &care.finger, &FINGERS)?;
        check_enum(&selfcare_file, "sides", &care.sides, &SELFCARE_SIDES)?;
        // A fully written point: steps to find it, a hold a person can follow, what it
        // is used for and what to watch out for.
        let complete = care.how_to_find.len() >= 2
            && (10..=300).contains(&care.seconds)
            && (1..=30).contains(&care.breaths)
            && !care.traditional_uses.is_empty()
            && !care.cautions.is_empty();
        if !complete {
            return Err(fail(
                &selfcare_file,
                format!(
                    "{}: needs at least two finding steps, 10-300 seconds, 1-30 breaths, \
                     traditional uses and cautions",
                    care.code
                ),
            ));
        }
        for text in care
            .how_to_find
            .iter()
            .chain(&care.cautions)
            .chain(&care.traditional_uses)
            .chain([&care.technique])
        {
            check_text(&selfcare_file, &care.code, text)?;
        }
        let point = points
            .iter_mut()
            .find(|p| p.code == care.code)
            .ok_or_else(|| fail(&selfcare_file, format!("unknown point {}", care.code)))?;
        if point.selfcare.replace(care).is_some() {
            return Err(fail(
                &selfcare_file,
                format!("{} appears twice", point.code),
            ));
        }
    }
    Ok(points)
}

fn check_conditions(
    file: &Path,
    conditions: &[ConditionRecord],
    codes: &HashSet<&str>,
) -> Result<(), DataError> {
    let mut slugs = HashSet::new();
    for c in conditions {
        if !slugs.insert(c.slug.as_str()) || !is_slug(&c.slug) {
            return Err(fail(
                file,
                format!("slug `{}` is repeated or not kebab-case", c.slug),
            ));
        }
        check_enum(file, "category", &c.category, &CONDITION_CATEGORIES)?;
        check_text(file, &c.slug, &c.description)?;
        if c.points.is_empty() || c.see_a_doctor_when.is_empty() {
            return Err(fail(file, format!("{} needs points and red flags", c.slug)));
        }
        let mut seen = HashSet::new();
        for link in &c.points {
            if !codes.contains(link.code.as_str()) || !seen.insert(link.code.as_str()) {
                return Err(fail(
                    file,
                    format!("{}: unknown or repeated point {}", c.slug, link.code),
                ));
            }
            check_enum(file, "evidence", &link.evidence, &EVIDENCE_LEVELS)?;
        }
    }
    Ok(())
}

fn check_routines(
    file: &Path,
    routines: &[RoutineRecord],
    conditions: &[ConditionRecord],
    guided: &HashSet<&str>,
) -> Result<(), DataError> {
    let mut slugs = HashSet::new();
    for r in routines {
        if !slugs.insert(r.slug.as_str()) || !is_slug(&r.slug) {
            return Err(fail(
                file,
                format!("slug `{}` is repeated or not kebab-case", r.slug),
            ));
        }
        if r.steps.is_empty() {
            return Err(fail(file, format!("{} has no steps", r.slug)));
        }
        for slug in &r.conditions {
            if !conditions.iter().any(|c| &c.slug == slug) {
                return Err(fail(file, format!("{}: unknown condition {slug}", r.slug)));
            }
        }
        for step in &r.steps {
            if !guided.contains(step.point.as_str()) {
                return Err(fail(
                    file,
                    format!(
                        "{}: point {} is unknown or has no self-care guidance in selfcare.toml",
                        r.slug, step.point
                    ),
                ));
            }
            check_enum(file, "side", &step.side, &SIDES)?;
            check_enum(file, "pressure", &step.pressure, &PRESSURES)?;
            check_text(file, &r.slug, &step.instruction)?;
            if !(5..=600).contains(&step.seconds) {
                return Err(fail(
                    file,
                    format!("{}: {} seconds is out of range", r.slug, step.seconds),
                ));
            }
        }
    }
    Ok(())
}

fn check_safety(file: &Path, safety: &SafetyRecord) -> Result<(), DataError> {
    check_text(file, "disclaimer", &safety.disclaimer)?;
    for p in &safety.precautions {
        check_enum(file, "level", &p.level, &["avoid", "care"])?;
        check_text(file, &p.slug, &p.detail)?;
    }
    Ok(())
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Upper case without separators: the form codes are compared in.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, DataError> {
    let text = fs::read_to_string(path).map_err(|e| fail(path, e.to_string()))?;
    toml::from_str(&text).map_err(|e| fail(path, e.to_string()))
}

fn check_meridians(file: &Path, rows: &[MeridianRow]) -> Result<(), DataError> {
    if rows.len() != MERIDIAN_COUNT {
        return Err(fail(
            file,
            format!("expected {MERIDIAN_COUNT} meridians, found {}", rows.len()),
        ));
    }
    let mut seen = HashSet::new();
    for row in rows {
        for code in std::iter::once(row.code.clone()).chain(row.alias_list()) {
            if !seen.insert(code.clone()) {
                return Err(fail(file, format!("code or alias {code} appears twice")));
            }
        }
    }
    Ok(())
}

pub fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, DataError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(path, e.to_string()))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| fail(path, format!("row {}: {e}", i + 2))))
        .collect()
}

/// Bump when the loader writes the same files differently, so that the next start-up
/// reloads content a database already holds.
pub const LOADER_FORMAT: u32 = 2;

/// A short hash over the loader format and every file's name and bytes: any content
/// change changes it.
fn content_version(dir: &Path) -> Result<String, DataError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(LOADER_FORMAT.to_le_bytes());
    for file in &files {
        let bytes = fs::read(file).map_err(|e| fail(file, e.to_string()))?;
        let name = file.strip_prefix(dir).unwrap_or(file).to_string_lossy();
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    let digest = hasher.finalize();
    Ok(digest[..8].iter().map(|b| format!("{b:02x}")).collect())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DataError> {
    let entries = fs::read_dir(dir).map_err(|e| fail(dir, e.to_string()))?;
    for entry in entries {
        let path = entry.map_err(|e| fail(dir, e.to_string()))?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
