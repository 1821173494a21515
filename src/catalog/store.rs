//! The catalog held in memory: loaded from PostgreSQL at start-up and reloaded when
//! the stored content version changes, so that catalog reads cost no database trip.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::catalog::model::Meridian;
use crate::db::schema::{catalog_meta, meridians};
use crate::db::{self, DbError, DbPool};

/// An immutable copy of the whole catalog at one version.
#[derive(Debug)]
pub struct Snapshot {
    pub version: String,
    pub meridians: Vec<Meridian>,
    meridian_index: HashMap<String, usize>,
}

/// Canonical form of a code typed by a person: upper case, no spaces, dashes or dots.
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

impl Snapshot {
    /// Finds a meridian by code or alias, in any letter case.
    pub fn meridian(&self, code: &str) -> Option<&Meridian> {
        self.meridian_index
            .get(&normalize_code(code))
            .map(|&i| &self.meridians[i])
    }
}

#[derive(Queryable)]
struct MeridianRow {
    code: String,
    english_name: String,
    pinyin: String,
    hanzi: String,
    hanzi_traditional: String,
    aliases: Vec<String>,
    point_count: i32,
}

/// Reads the current catalog from the database.
pub async fn read_snapshot(pool: &DbPool) -> Result<Snapshot, DbError> {
    let mut conn = db::conn(pool).await?;
    let version: String = catalog_meta::table
        .select(catalog_meta::version)
        .first(&mut conn)
        .await?;
    let rows: Vec<MeridianRow> = meridians::table
        .order(meridians::position)
        .select((
            meridians::code,
            meridians::english_name,
            meridians::pinyin,
            meridians::hanzi,
            meridians::hanzi_traditional,
            meridians::aliases,
            meridians::point_count,
        ))
        .load(&mut conn)
        .await?;
    let meridians: Vec<Meridian> = rows
        .into_iter()
        .map(|r| Meridian {
            name: r.english_name.clone(),
            code: r.code,
            english_name: r.english_name,
            pinyin: r.pinyin,
            hanzi: r.hanzi,
            hanzi_traditional: r.hanzi_traditional,
            aliases: r.aliases,
            point_count: r.point_count,
        })
        .collect();
    let mut meridian_index = HashMap::new();
    for (i, m) in meridians.iter().enumerate() {
        for key in std::iter::once(&m.code).chain(&m.aliases) {
            meridian_index.insert(normalize_code(key), i);
        }
    }
    Ok(Snapshot {
        version,
        meridians,
        meridian_index,
    })
}

/// The shared, swappable catalog.
pub struct CatalogStore {
    current: RwLock<Arc<Snapshot>>,
}

impl CatalogStore {
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    /// The snapshot to serve this request from.
    pub fn get(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reloads when the stored version differs from the one in memory. Returns whether
    /// it reloaded.
    pub async fn refresh(&self, pool: &DbPool) -> Result<bool, DbError> {
        let mut conn = db::conn(pool).await?;
        let stored: String = catalog_meta::table
            .select(catalog_meta::version)
            .first(&mut conn)
            .await?;
        drop(conn);
        if stored == self.get().version {
            return Ok(false);
        }
        let fresh = read_snapshot(pool).await?;
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(fresh);
        Ok(true)
    }
}
