//! The catalog's reviewable text files in `data/`, parsed and checked before loading.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
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

/// Everything the loader writes, plus the version derived from the files' bytes.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub version: String,
    pub meridians: Vec<MeridianRow>,
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
        Ok(Self { version, meridians })
    }
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

/// A short hash over every file's name and bytes: any content change changes it.
fn content_version(dir: &Path) -> Result<String, DataError> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
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
