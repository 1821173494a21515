//! `acupress catalog export DIR`: the catalog as served now, admins' edits included and
//! retired items left out, written in the data files' format for review and commit.

use std::path::Path;
use std::time::Duration;

use crate::catalog::data::{self, Catalog, MeridianRow};
use crate::catalog::store::read_snapshot;
use crate::config::Config;
use crate::db::{self, SessionSettings};

/// Writes the stored catalog into `dir`; answers what it wrote.
pub async fn export(config: &Config, dir: &Path) -> Result<String, String> {
    let settings = SessionSettings::from_config(config);
    let pool = db::pool(&config.database_url, 1, Duration::from_secs(10), settings);
    let snapshot = read_snapshot(&pool)
        .await
        .map_err(|e| format!("cannot read the catalog: {e}"))?;
    let meridians: Vec<MeridianRow> = snapshot
        .meridians
        .iter()
        .map(|m| MeridianRow {
            code: m.code.clone(),
            english_name: m.english_name.clone(),
            pinyin: m.pinyin.clone(),
            hanzi: m.hanzi.clone(),
            hanzi_traditional: m.hanzi_traditional.clone(),
            aliases: m.aliases.join(";"),
            point_count: m.point_count,
        })
        .collect();
    let points: Vec<_> = snapshot
        .live_points()
        .map(|i| snapshot.points[i].clone())
        .collect();
    let conditions: Vec<_> = snapshot
        .live_conditions()
        .map(|i| snapshot.conditions[i].clone())
        .collect();
    let routines: Vec<_> = snapshot
        .live_routines()
        .map(|i| snapshot.routines[i].clone())
        .collect();
    let catalog = Catalog {
        points: &points,
        conditions: &conditions,
        routines: &routines,
        safety: &snapshot.safety,
    };
    data::export(dir, &meridians, &catalog).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote catalog version {} ({} points, {} conditions, {} routines) to {}",
        snapshot.version,
        points.len(),
        conditions.len(),
        routines.len(),
        dir.display()
    ))
}
