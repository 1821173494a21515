//! Writing a catalog back out in the data files' format (`acupress catalog export`), so
//! that admins' edits can be reviewed and committed as a new baseline. Reading the
//! written files back gives the same records (tested).

use std::fs;
use std::path::Path;

use serde::Serialize;

use super::records::{
    ConditionFile, ExtraPoint, MeridianRow, PointContent, PointFacts, PointFile, PregnancyRow,
    RoutineFile, SelfCare,
};
use super::translations::TRANSLATED;
use super::vocab::{PointKind, Pregnancy};
use super::{Catalog, DataError, fail, i18n};

/// Writes `catalog` (its live items) and `meridians` into `dir` as the data files.
pub fn export(dir: &Path, meridians: &[MeridianRow], catalog: &Catalog) -> Result<(), DataError> {
    let points_dir = dir.join("points");
    fs::create_dir_all(&points_dir).map_err(|e| fail(&points_dir, e.to_string()))?;
    write_csv(&dir.join("meridians.csv"), meridians)?;
    let standard = || {
        catalog
            .points
            .iter()
            .filter(|p| p.kind == PointKind::Standard)
    };
    let facts: Vec<PointFacts> = standard()
        .map(|p| PointFacts {
            code: p.code.clone(),
            meridian_code: p.meridian.clone().unwrap_or_default(),
            number: p.number.unwrap_or_default(),
            pinyin: p.pinyin.clone(),
            pinyin_ascii: p.pinyin_ascii.clone(),
            hanzi: p.hanzi.clone(),
            hanzi_traditional: p.hanzi_traditional.clone(),
            body_region: p.body_region,
        })
        .collect();
    write_csv(&dir.join("points.csv"), &facts)?;
    let stricter =
        |p: &super::PointRecord| (p.pregnancy != p.pregnancy_listed).then_some(p.pregnancy);
    for m in meridians {
        let points = standard()
            .filter(|p| p.meridian.as_deref() == Some(m.code.as_str()))
            .map(|p| PointContent {
                code: p.code.clone(),
                english_name: p.english_name.clone(),
                location: p.location.clone(),
                aliases: p.aliases.clone(),
                pregnancy: stricter(p),
            })
            .collect();
        write_toml(
            &points_dir.join(format!("{}.toml", m.code)),
            &PointFile { points },
        )?;
    }
    let extras = catalog
        .points
        .iter()
        .filter(|p| p.kind == PointKind::Extra)
        .map(|p| ExtraPoint {
            code: p.code.clone(),
            pinyin: p.pinyin.clone(),
            pinyin_ascii: p.pinyin_ascii.clone(),
            hanzi: p.hanzi.clone(),
            hanzi_traditional: p.hanzi_traditional.clone(),
            body_region: p.body_region,
            english_name: p.english_name.clone(),
            location: p.location.clone(),
            aliases: p.aliases.clone(),
            code_note: p.code_note.clone(),
            pregnancy_as: p.pregnancy_sources.clone(),
            pregnancy: stricter(p),
        })
        .collect();
    write_toml(&points_dir.join("EX.toml"), &PointFile { points: extras })?;
    let flagged: Vec<PregnancyRow> = standard()
        .filter(|p| p.pregnancy_listed != Pregnancy::NotListed)
        .map(|p| PregnancyRow {
            code: p.code.clone(),
            level: p.pregnancy_listed,
            sources: p.pregnancy_sources.join(";"),
        })
        .collect();
    write_csv(&dir.join("pregnancy_caution.csv"), &flagged)?;
    let selfcare: Vec<GuidanceEntry> = catalog
        .points
        .iter()
        .filter_map(|p| {
            Some(GuidanceEntry {
                code: &p.code,
                care: p.selfcare.as_ref()?,
            })
        })
        .collect();
    write_toml(
        &dir.join("selfcare.toml"),
        &GuidanceFile { points: selfcare },
    )?;
    // The main files hold the English; each language its own file under i18n/.
    let mut conditions = catalog.conditions.to_vec();
    for c in &mut conditions {
        c.translations = Default::default();
        for link in &mut c.points {
            link.translations = Default::default();
        }
    }
    write_toml(&dir.join("conditions.toml"), &ConditionFile { conditions })?;
    let mut routines = catalog.routines.to_vec();
    for r in &mut routines {
        r.translations = Default::default();
        for step in &mut r.steps {
            step.translations = Default::default();
        }
    }
    write_toml(&dir.join("routines.toml"), &RoutineFile { routines })?;
    let mut safety = catalog.safety.clone();
    safety.translations = Default::default();
    for p in &mut safety.precautions {
        p.translations = Default::default();
    }
    write_toml(&dir.join("safety.toml"), &safety)?;
    for lang in TRANSLATED {
        let file = i18n::file_of(
            lang,
            catalog.points,
            catalog.conditions,
            catalog.routines,
            catalog.safety,
        );
        if !file.is_empty() {
            let path = i18n::path(dir, lang);
            fs::create_dir_all(dir.join("i18n")).map_err(|e| fail(&path, e.to_string()))?;
            write_toml(&path, &file)?;
        }
    }
    Ok(())
}

/// An entry of `selfcare.toml`: the point's code, then its guidance.
#[derive(Serialize)]
struct GuidanceEntry<'a> {
    code: &'a str,
    #[serde(flatten)]
    care: &'a SelfCare,
}

#[derive(Serialize)]
struct GuidanceFile<'a> {
    points: Vec<GuidanceEntry<'a>>,
}

fn write_toml<T: Serialize>(path: &Path, value: &T) -> Result<(), DataError> {
    let text = toml::to_string(value).map_err(|e| fail(path, e.to_string()))?;
    let header = "# Written by `acupress catalog export`: the catalog with admins' edits, in the\n\
                  # format of docs/data-format.md. Review the difference, then commit it.\n\n";
    fs::write(path, format!("{header}{text}")).map_err(|e| fail(path, e.to_string()))
}

fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), DataError> {
    let mut writer = csv::Writer::from_path(path).map_err(|e| fail(path, e.to_string()))?;
    for row in rows {
        writer
            .serialize(row)
            .map_err(|e| fail(path, e.to_string()))?;
    }
    writer.flush().map_err(|e| fail(path, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::data::Dataset;

    #[test]
    fn the_exported_files_read_back_as_the_same_catalog() {
        let data = Dataset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap();
        let out = std::env::temp_dir().join(format!("acupress-export-{}", uuid::Uuid::new_v4()));
        let catalog = Catalog {
            points: &data.points,
            conditions: &data.conditions,
            routines: &data.routines,
            safety: &data.safety,
        };
        export(&out, &data.meridians, &catalog).unwrap();
        let again = Dataset::load(&out);
        let _ = fs::remove_dir_all(&out);
        let again = again.unwrap();
        assert_eq!(again.points, data.points);
        assert_eq!(again.conditions, data.conditions);
        assert_eq!(again.routines, data.routines);
        assert_eq!(again.safety, data.safety);
        assert_eq!(again.meridians.len(), data.meridians.len());
    }
}
