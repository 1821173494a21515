//! Reading the files in `data/` into records, each file checked as it is read.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use serde::Deserialize;

use super::records::{
    ConditionFile, ExtraPoint, MeridianRow, PointContent, PointFacts, PointFile, PointKind,
    PointRecord, Pregnancy, PregnancyRow, RoutineFile, SafetyRecord, SelfCareFile,
};
use super::version::content_version;
use super::{DataError, Dataset, checks, fail};

impl Dataset {
    /// Reads and validates every file under `dir`.
    pub fn load(dir: &Path) -> Result<Self, DataError> {
        let version = content_version(dir)?;
        let meridians_file = dir.join("meridians.csv");
        let meridians: Vec<MeridianRow> = read_csv(&meridians_file)?;
        checks::check_meridians(&meridians_file, &meridians)?;
        let points = load_points(dir, &meridians)?;
        let codes: HashSet<&str> = points.iter().map(|p| p.code.as_str()).collect();
        let conditions_file = dir.join("conditions.toml");
        let conditions = read_toml::<ConditionFile>(&conditions_file)?.conditions;
        checks::check_conditions(&conditions_file, &conditions, &codes)?;
        let routines_file = dir.join("routines.toml");
        let routines = read_toml::<RoutineFile>(&routines_file)?.routines;
        // A routine step links to how to find its point: only points with self-care guidance.
        let guided: HashSet<&str> = points
            .iter()
            .filter(|p| p.selfcare.is_some())
            .map(|p| p.code.as_str())
            .collect();
        checks::check_routines(&routines_file, &routines, &conditions, &guided)?;
        let safety_file = dir.join("safety.toml");
        let safety: SafetyRecord = read_toml(&safety_file)?;
        checks::check_safety(&safety_file, &safety)?;
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

/// An extra point's code and the standard points it takes its pregnancy level from.
type PregnancyAs = (String, Vec<String>);

/// The standard and extra points, with their pregnancy levels and self-care guidance.
fn load_points(dir: &Path, meridians: &[MeridianRow]) -> Result<Vec<PointRecord>, DataError> {
    let facts_file = dir.join("points.csv");
    let facts: Vec<PointFacts> = read_csv(&facts_file)?;
    checks::check_point_counts(&facts_file, &facts, meridians)?;
    let pregnancy_file = dir.join("pregnancy_caution.csv");
    let pregnancy: Vec<PregnancyRow> = read_csv(&pregnancy_file)?;

    let mut points = read_standard_points(dir, &facts_file, &facts, meridians)?;
    let extra_file = dir.join("points").join("EX.toml");
    let pregnancy_as = read_extra_points(&extra_file, &mut points)?;
    checks::check_points(&extra_file, &points)?;
    apply_pregnancy_list(&pregnancy_file, pregnancy, &mut points)?;
    apply_pregnancy_as(&extra_file, pregnancy_as, &mut points)?;
    attach_selfcare(&dir.join("selfcare.toml"), &mut points)?;
    Ok(points)
}

/// Every meridian's points: the facts from `points.csv` joined, in order, with our
/// words from `points/<MERIDIAN>.toml`.
fn read_standard_points(
    dir: &Path,
    facts_file: &Path,
    facts: &[PointFacts],
    meridians: &[MeridianRow],
) -> Result<Vec<PointRecord>, DataError> {
    let mut points = Vec::with_capacity(facts.len() + 32);
    for m in meridians {
        let file = dir.join("points").join(format!("{}.toml", m.code));
        let content = read_toml::<PointFile<PointContent>>(&file)?.points;
        let expected: Vec<&PointFacts> =
            facts.iter().filter(|p| p.meridian_code == m.code).collect();
        checks::check_entry_count(&file, content.len(), expected.len())?;
        for (fact, words) in expected.into_iter().zip(content) {
            checks::check_in_order(&file, &fact.code, &words.code)?;
            checks::check_body_region(facts_file, &fact.body_region)?;
            points.push(standard_record(fact, words));
        }
    }
    Ok(points)
}

/// Appends the points of `points/EX.toml` and returns the ones that name standard
/// points to take their pregnancy level from.
fn read_extra_points(
    file: &Path,
    points: &mut Vec<PointRecord>,
) -> Result<Vec<PregnancyAs>, DataError> {
    let mut pregnancy_as = Vec::new();
    for mut extra in read_toml::<PointFile<ExtraPoint>>(file)?.points {
        let like = std::mem::take(&mut extra.pregnancy_as);
        if !like.is_empty() {
            pregnancy_as.push((extra.code.clone(), like));
        }
        checks::check_body_region(file, &extra.body_region)?;
        points.push(extra_record(extra));
    }
    Ok(pregnancy_as)
}

fn standard_record(fact: &PointFacts, words: PointContent) -> PointRecord {
    PointRecord {
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
    }
}

fn extra_record(extra: ExtraPoint) -> PointRecord {
    PointRecord {
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
    }
}

/// Sets the level and sources `pregnancy_caution.csv` gives each flagged point.
fn apply_pregnancy_list(
    file: &Path,
    rows: Vec<PregnancyRow>,
    points: &mut [PointRecord],
) -> Result<(), DataError> {
    for row in rows {
        let level: Pregnancy = row.level.parse().map_err(|e: String| fail(file, e))?;
        let point = known_point(file, points, &row.code)?;
        point.pregnancy = level;
        point.pregnancy_sources = row
            .sources
            .split(';')
            .map(|s| s.trim().to_owned())
            .collect();
    }
    Ok(())
}

/// Gives each extra point with `pregnancy_as` the strictest level of the standard
/// points it names, and names them as its sources.
fn apply_pregnancy_as(
    file: &Path,
    pregnancy_as: Vec<PregnancyAs>,
    points: &mut [PointRecord],
) -> Result<(), DataError> {
    for (code, like) in pregnancy_as {
        let level = checks::pregnancy_as_level(file, &code, &like, points)?;
        let point = known_point(file, points, &code)?;
        point.pregnancy = level;
        point.pregnancy_sources = like;
    }
    Ok(())
}

/// Checks each entry of `selfcare.toml` and attaches it to its point, once.
fn attach_selfcare(file: &Path, points: &mut [PointRecord]) -> Result<(), DataError> {
    for care in read_toml::<SelfCareFile>(file)?.points {
        checks::check_selfcare(file, &care)?;
        let point = known_point(file, points, &care.code)?;
        if point.selfcare.replace(care).is_some() {
            return Err(fail(file, format!("{} appears twice", point.code)));
        }
    }
    Ok(())
}

/// The point with exactly this code, or an error naming `file`.
fn known_point<'a>(
    file: &Path,
    points: &'a mut [PointRecord],
    code: &str,
) -> Result<&'a mut PointRecord, DataError> {
    points
        .iter_mut()
        .find(|p| p.code == code)
        .ok_or_else(|| fail(file, format!("unknown point {code}")))
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, DataError> {
    let text = fs::read_to_string(path).map_err(|e| fail(path, e.to_string()))?;
    toml::from_str(&text).map_err(|e| fail(path, e.to_string()))
}

/// The rows of a CSV file with a header line; an error names the file and the line.
pub fn read_csv<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, DataError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(path, e.to_string()))?;
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| row.map_err(|e| fail(path, format!("row {}: {e}", i + 2))))
        .collect()
}
