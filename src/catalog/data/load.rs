//! Reading the files in `data/` into records, each file checked as it is read.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use super::records::{
    ConditionFile, ExtraPoint, MeridianRow, PointContent, PointFacts, PointFile, PointRecord,
    PregnancyRow, RoutineFile, SafetyRecord, SelfCareFile,
};
use super::translations::TRANSLATED;
use super::version::content_version;
use super::vocab::{PointKind, Pregnancy};
use super::{Catalog, DataError, Dataset, checks, fail, i18n, known};

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
        let guided = checks::guidance(&points);
        checks::check_links_guided(&conditions_file, &conditions, &guided)?;
        checks::check_routines(&routines_file, &routines, &conditions, &guided)?;
        let safety_file = dir.join("safety.toml");
        let safety: SafetyRecord = read_toml(&safety_file)?;
        checks::check_safety(&safety_file, &safety)?;
        let mut data = Self {
            version,
            meridians,
            points,
            conditions,
            routines,
            safety,
        };
        data.attach_translations(dir)?;
        Ok(data)
    }

    /// Reads `i18n/<tag>.toml` of each translated language (a missing file: nothing
    /// translated) into the items, and checks the translations.
    fn attach_translations(&mut self, dir: &Path) -> Result<(), DataError> {
        let mut items = i18n::Items {
            points: &mut self.points,
            conditions: &mut self.conditions,
            routines: &mut self.routines,
            safety: &mut self.safety,
        };
        if let Some(key) = i18n::misplaced(&items) {
            return Err(fail(
                dir,
                format!("{key}: translations go in i18n/<language>.toml, not in the item's file"),
            ));
        }
        for lang in TRANSLATED {
            let path = i18n::path(dir, lang);
            if !path.exists() {
                continue;
            }
            let file = read_toml::<i18n::LanguageFile>(&path)?;
            i18n::attach(&path, lang, file, items.reborrow())?;
        }
        checks::check_translations(
            &dir.join("i18n"),
            &Catalog {
                points: &self.points,
                conditions: &self.conditions,
                routines: &self.routines,
                safety: &self.safety,
            },
        )
    }
}

/// An extra point's code and the standard points it takes its pregnancy level from.
type PregnancyAs = (String, Vec<String>);

/// A point's code and the stricter pregnancy level an editor gave it.
type Stricter = (String, Pregnancy);

/// The standard and extra points, with their pregnancy levels and self-care guidance.
fn load_points(dir: &Path, meridians: &[MeridianRow]) -> Result<Vec<PointRecord>, DataError> {
    let facts_file = dir.join("points.csv");
    let facts: Vec<PointFacts> = read_csv(&facts_file)?;
    checks::check_point_counts(&facts_file, &facts, meridians)?;
    let pregnancy_file = dir.join("pregnancy_caution.csv");
    let pregnancy: Vec<PregnancyRow> = read_csv(&pregnancy_file)?;

    let mut stricter = Vec::new();
    let mut points = read_standard_points(dir, &facts, meridians, &mut stricter)?;
    let extra_file = dir.join("points").join("EX.toml");
    let pregnancy_as = read_extra_points(&extra_file, &mut points, &mut stricter)?;
    checks::check_points(&extra_file, &points)?;
    apply_pregnancy_list(&pregnancy_file, pregnancy, &mut points)?;
    apply_pregnancy_as(&extra_file, pregnancy_as, &mut points)?;
    for point in &mut points {
        point.pregnancy_listed = point.pregnancy;
    }
    apply_stricter(&dir.join("points"), stricter, &mut points)?;
    attach_selfcare(&dir.join("selfcare.toml"), &mut points)?;
    Ok(points)
}

/// Every meridian's points: the facts from `points.csv` joined, in order, with our
/// words from `points/<MERIDIAN>.toml`.
fn read_standard_points(
    dir: &Path,
    facts: &[PointFacts],
    meridians: &[MeridianRow],
    stricter: &mut Vec<Stricter>,
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
            if let Some(level) = words.pregnancy {
                stricter.push((words.code.clone(), level));
            }
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
    stricter: &mut Vec<Stricter>,
) -> Result<Vec<PregnancyAs>, DataError> {
    let mut pregnancy_as = Vec::new();
    for mut extra in read_toml::<PointFile<ExtraPoint>>(file)?.points {
        if let Some(level) = extra.pregnancy {
            stricter.push((extra.code.clone(), level));
        }
        let like = std::mem::take(&mut extra.pregnancy_as);
        if !like.is_empty() {
            pregnancy_as.push((extra.code.clone(), like));
        }
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
        body_region: fact.body_region,
        english_name: words.english_name,
        location: words.location,
        aliases: words.aliases,
        code_note: None,
        pregnancy: Pregnancy::NotListed,
        pregnancy_sources: Vec::new(),
        pregnancy_listed: Pregnancy::NotListed,
        selfcare: None,
        translations: Default::default(),
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
        pregnancy: Pregnancy::NotListed,
        pregnancy_sources: Vec::new(),
        pregnancy_listed: Pregnancy::NotListed,
        selfcare: None,
        translations: Default::default(),
    }
}

/// Sets the level and sources `pregnancy_caution.csv` gives each flagged point.
fn apply_pregnancy_list(
    file: &Path,
    rows: Vec<PregnancyRow>,
    points: &mut [PointRecord],
) -> Result<(), DataError> {
    for row in rows {
        let point = known_point(file, points, &row.code)?;
        point.pregnancy = row.level;
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

/// Gives the points an editor made stricter than the teaching lists their level; a
/// level laxer than the lists' is refused.
fn apply_stricter(
    dir: &Path,
    stricter: Vec<Stricter>,
    points: &mut [PointRecord],
) -> Result<(), DataError> {
    for (code, level) in stricter {
        let point = known_point(dir, points, &code)?;
        if level < point.pregnancy_listed {
            return Err(fail(
                dir,
                format!(
                    "{code}: pregnancy `{}` is laxer than the teaching lists' `{}`",
                    level.as_str(),
                    point.pregnancy_listed.as_str()
                ),
            ));
        }
        point.pregnancy = level;
    }
    Ok(())
}

/// Checks each entry of `selfcare.toml` and attaches it to its point, once.
fn attach_selfcare(file: &Path, points: &mut [PointRecord]) -> Result<(), DataError> {
    for care in read_toml::<SelfCareFile>(file)?.points {
        checks::check_selfcare(file, &care.code, &care)?;
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
    known(file, points, "point", code, |p| &p.code)
}

/// Reads a TOML file. A value that does not fit names the file, the record (by its
/// `code` or `slug`), the field and the value:
/// `selfcare.toml: LI4: points[3].finger: ... line 17 ... unknown variant `toe`, expected
/// one of ...`.
fn read_toml<T: DeserializeOwned>(path: &Path) -> Result<T, DataError> {
    let text = fs::read_to_string(path).map_err(|e| fail(path, e.to_string()))?;
    let doc = toml::Deserializer::parse(&text).map_err(|e| fail(path, e.to_string()))?;
    serde_path_to_error::deserialize(doc).map_err(|e| {
        let record = record_name(&text, e.path());
        fail(path, format!("{record}{}: {}", e.path(), e.inner()))
    })
}

/// `LI4: ` when `at` lies inside a record of a list (`points[3]...`) whose `code` or
/// `slug` is `LI4`; empty otherwise.
fn record_name(text: &str, at: &serde_path_to_error::Path) -> String {
    let mut segments = at.iter();
    let (Some(Segment::Map { key }), Some(Segment::Seq { index })) =
        (segments.next(), segments.next())
    else {
        return String::new();
    };
    let doc: toml::Table = toml::from_str(text).unwrap_or_default();
    doc.get(key)
        .and_then(|list| list.get(*index))
        .and_then(|record| record.get("code").or_else(|| record.get("slug")))
        .and_then(toml::Value::as_str)
        .map_or_else(String::new, |name| format!("{name}: "))
}

/// The rows of a CSV file with a header line. A row that does not fit names the file,
/// the line, the row's first column (its code) and the value:
/// `points.csv: row 5 (LU4): ... unknown variant `elbow`, expected one of ...`.
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, DataError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| fail(path, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| fail(path, e.to_string()))?
        .clone();
    reader
        .records()
        .enumerate()
        .map(|(i, row)| {
            let line = i + 2;
            let row = row.map_err(|e| fail(path, format!("row {line}: {e}")))?;
            row.deserialize(Some(&headers)).map_err(|e| {
                let code = row.get(0).unwrap_or_default();
                fail(path, format!("row {line} ({code}): {e}"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::data::records::{PointFacts, SelfCareFile};

    /// A file with `text` in a fresh folder, removed on drop.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn with(name: &str, text: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "acupress-load-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4()
            ));
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(name), text).unwrap();
            Self(dir.join(name))
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = fs::remove_dir_all(dir);
            }
        }
    }

    const SELFCARE: &str = r#"
[[points]]
code = "LI4"
how_to_find = ["Spread the thumb.", "Find the high point."]
finger = "thumb"
pressure = "medium"
seconds = 60
breaths = 6
sides = "both"
technique = "Press and circle slowly."
traditional_uses = ["Headache."]
cautions = ["Not in pregnancy."]
"#;

    #[test]
    fn an_unknown_word_in_a_toml_file_names_the_file_the_record_and_the_value() {
        let good = TempFile::with("selfcare.toml", SELFCARE);
        assert_eq!(read_toml::<SelfCareFile>(&good.0).unwrap().points.len(), 1);
        let two = format!("{SELFCARE}{}", SELFCARE.replace("LI4", "PC6"));
        for (from, to) in [
            ("finger = \"thumb\"", "finger = \"elbow\""),
            ("pressure = \"medium\"", "pressure = \"hard\""),
            ("sides = \"both\"", "sides = \"left\""),
        ] {
            let bad = TempFile::with(
                "selfcare.toml",
                &two.replacen(from, to, 2).replacen(to, from, 1),
            );
            let Err(err) = read_toml::<SelfCareFile>(&bad.0) else {
                panic!("{to} is refused");
            };
            let err = err.to_string();
            let field = from.split(' ').next().unwrap();
            let value = to.split('"').nth(1).unwrap();
            for word in ["selfcare.toml: PC6: ", &format!("points[1].{field}"), value] {
                assert!(err.contains(word), "`{word}` in {err}");
            }
        }
    }

    #[test]
    fn an_unknown_word_in_a_csv_file_names_the_file_the_row_and_the_value() {
        let header =
            "code,meridian_code,number,pinyin,pinyin_ascii,hanzi,hanzi_traditional,body_region\n";
        let rows =
            "LU1,LU,1,Zhōngfǔ,Zhongfu,中府,中府,chest\nLU5,LU,5,Chǐzé,Chize,尺泽,尺澤,elbow\n";
        let file = TempFile::with("points.csv", &format!("{header}{rows}"));
        let err = read_csv::<PointFacts>(&file.0).unwrap_err().to_string();
        for word in ["points.csv: row 3 (LU5)", "elbow", "upper_arm_elbow"] {
            assert!(err.contains(word), "`{word}` in {err}");
        }
    }
}
