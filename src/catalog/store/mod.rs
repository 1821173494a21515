//! The catalog held in memory: loaded from PostgreSQL at start-up and reloaded when
//! the stored content version changes, so that catalog reads cost no database trip.
//! `views` renders the response bodies, `lists` the list pages, `load` reads the
//! database.

mod lists;
mod load;
mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use actix_web::web::Bytes;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

pub use load::read_snapshot;

use crate::catalog::cache::{CacheKey, Rendered, ResponseCache};
use crate::catalog::content::{Contents, Retired};
use crate::catalog::data::{
    ConditionRecord, PointRecord, Pressure, RoutineRecord, SafetyRecord, normalize,
};
use crate::catalog::model::Meridian;
use crate::catalog::safety::Press;
use crate::catalog::search::{Hit, SearchIndex};
use crate::db::notify::{Channel, Heard};
use crate::db::schema::catalog_meta;
use crate::db::{self, DbError, DbPool, SessionSettings};
use crate::http::Lang;

/// The offline bundle for one language, rendered once per snapshot.
#[derive(Debug)]
pub struct Bundle {
    pub json: Bytes,
    pub gzip: Bytes,
    /// What it is written in: its language, and `en` where texts fell back.
    pub content_language: &'static str,
}

/// An immutable copy of the whole catalog at one version.
#[derive(Debug)]
pub struct Snapshot {
    pub version: String,
    pub meridians: Vec<Meridian>,
    pub points: Vec<PointRecord>,
    pub conditions: Vec<ConditionRecord>,
    pub routines: Vec<RoutineRecord>,
    pub safety: SafetyRecord,
    /// Which points, conditions and routines are retired.
    pub retired: Retired,
    meridian_index: HashMap<String, usize>,
    point_index: HashMap<String, usize>,
    condition_index: HashMap<String, usize>,
    routine_index: HashMap<String, usize>,
    /// For each point: (condition index, link index within the condition).
    point_conditions: Vec<Vec<(usize, usize)>>,
    /// For each point: indexes of the routines that use it.
    point_routines: Vec<Vec<usize>>,
    bundles: HashMap<Lang, Bundle>,
    search: SearchIndex,
    /// Rendered bodies of catalog reads, by language and canonical request. A body is a
    /// pure function of (version, language, request), so it never goes stale within a
    /// snapshot.
    responses: Mutex<ResponseCache>,
}

impl Snapshot {
    /// The snapshot of `contents`: retired points, conditions and routines resolve by
    /// their code or slug but are left out of lists, search, links and the bundle.
    pub fn build(version: String, meridians: Vec<Meridian>, contents: Contents) -> Self {
        let Contents {
            points,
            conditions,
            routines,
            safety,
            retired,
        } = contents;
        let mut meridian_index = HashMap::new();
        for (i, m) in meridians.iter().enumerate() {
            for key in std::iter::once(&m.code).chain(&m.aliases) {
                meridian_index.insert(normalize(key), i);
            }
        }
        // Old names and pinyin (with or without tone marks) resolve only where they name
        // one point: Heliao was the old name of both LI19 and TE22, so it goes to search.
        let mut names: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in points.iter().enumerate() {
            for name in p.aliases.iter().chain([&p.pinyin_ascii, &p.pinyin]) {
                let owners = names.entry(normalize(name)).or_default();
                if !owners.contains(&i) {
                    owners.push(i);
                }
            }
        }
        let mut point_index: HashMap<String, usize> = names
            .into_iter()
            .filter_map(|(key, owners)| (owners.len() == 1).then(|| (key, owners[0])))
            .collect();
        // Old meridian codes with the point number: SJ5 → TE5, LV3 → LR3, REN6 → CV6.
        for (i, p) in points.iter().enumerate() {
            if let (Some(code), Some(number)) = (&p.meridian, p.number)
                && let Some(m) = meridians.iter().find(|m| &m.code == code)
            {
                for alias in &m.aliases {
                    point_index.insert(normalize(&format!("{alias}{number}")), i);
                }
            }
        }
        for (i, p) in points.iter().enumerate() {
            point_index.insert(normalize(&p.code), i);
        }
        let condition_index = conditions
            .iter()
            .enumerate()
            .map(|(i, c)| (c.slug.clone(), i))
            .collect();
        let routine_index = routines
            .iter()
            .enumerate()
            .map(|(i, r)| (r.slug.clone(), i))
            .collect();
        let mut point_conditions = vec![Vec::new(); points.len()];
        for (ci, c) in conditions.iter().enumerate() {
            if retired.condition(ci) {
                continue;
            }
            for (li, link) in c.points.iter().enumerate() {
                if let Some(&pi) = point_index.get(&normalize(&link.code)) {
                    point_conditions[pi].push((ci, li));
                }
            }
        }
        let mut point_routines = vec![Vec::new(); points.len()];
        for (ri, r) in routines.iter().enumerate() {
            if retired.routine(ri) {
                continue;
            }
            for step in &r.steps {
                if let Some(&pi) = point_index.get(&normalize(&step.point))
                    && !point_routines[pi].contains(&ri)
                {
                    point_routines[pi].push(ri);
                }
            }
        }
        let search = SearchIndex::for_catalog(&points, &meridians, &conditions, &point_conditions);
        let mut snapshot = Self {
            version,
            meridians,
            points,
            conditions,
            routines,
            safety,
            retired,
            meridian_index,
            point_index,
            condition_index,
            routine_index,
            point_conditions,
            point_routines,
            bundles: HashMap::new(),
            search,
            responses: Mutex::new(ResponseCache::default()),
        };
        for lang in [Lang::En, Lang::ZhHans, Lang::ZhHant] {
            let bundle = snapshot.render_bundle(lang);
            snapshot.bundles.insert(lang, bundle);
        }
        snapshot
    }

    /// Finds a meridian by code or alias, in any letter case.
    pub fn meridian(&self, code: &str) -> Option<&Meridian> {
        self.meridian_index
            .get(&normalize(code))
            .map(|&i| &self.meridians[i])
    }

    /// Finds a point by code in any spelling (`li-4`, `Li 4`), alias or unique pinyin.
    pub fn point_index(&self, code: &str) -> Option<usize> {
        self.point_index.get(&normalize(code)).copied()
    }

    pub fn condition_index(&self, slug: &str) -> Option<usize> {
        self.condition_index
            .get(&slug.to_ascii_lowercase())
            .copied()
    }

    pub fn routine_index(&self, slug: &str) -> Option<usize> {
        self.routine_index.get(&slug.to_ascii_lowercase()).copied()
    }

    /// What pressing the point `pi` means to the safety engine (pressure unknown).
    pub fn point_presses(&self, pi: usize) -> Vec<Press<'_>> {
        vec![Press {
            point: &self.points[pi],
            pressure: None,
        }]
    }

    /// The steps of routine `ri`, with their pressures, for the safety engine.
    pub fn routine_presses(&self, ri: usize) -> Vec<Press<'_>> {
        self.presses(
            self.routines[ri]
                .steps
                .iter()
                .map(|s| (s.point.as_str(), Some(s.pressure))),
        )
    }

    /// The points of condition `ci`, for the safety engine (pressure unknown).
    pub fn condition_presses(&self, ci: usize) -> Vec<Press<'_>> {
        self.presses(
            self.conditions[ci]
                .points
                .iter()
                .map(|p| (p.code.as_str(), None)),
        )
    }

    /// Points by code (unknown ones skipped), each with its pressure if known, for the
    /// safety engine.
    pub fn presses<'a>(
        &self,
        points: impl Iterator<Item = (&'a str, Option<Pressure>)>,
    ) -> Vec<Press<'_>> {
        points
            .filter_map(|(code, pressure)| {
                self.point_index(code).map(|pi| Press {
                    point: &self.points[pi],
                    pressure,
                })
            })
            .collect()
    }

    /// The canonical slug of a condition typed in any letter case.
    pub fn condition_slug(&self, raw: &str) -> Option<&str> {
        self.condition_index(raw)
            .map(|i| self.conditions[i].slug.as_str())
    }

    /// The canonical slug of a routine typed in any letter case.
    pub fn routine_slug(&self, raw: &str) -> Option<&str> {
        self.routine_index(raw)
            .map(|i| self.routines[i].slug.as_str())
    }

    /// The WHO (or extra-point) code of a point typed in any spelling.
    pub fn point_code(&self, raw: &str) -> Option<&str> {
        self.point_index(raw).map(|i| self.points[i].code.as_str())
    }

    /// The rank (1 = most relevant) of point `pi` for condition `ci`, if it is linked.
    pub fn condition_rank(&self, pi: usize, ci: usize) -> Option<usize> {
        self.point_conditions[pi]
            .iter()
            .find(|(c, _)| *c == ci)
            .map(|(_, li)| li + 1)
    }

    /// The best match per point (in catalog order) for a search.
    pub fn search(&self, q: &str) -> Vec<Option<Hit<'_>>> {
        let mut hits = self.search.search(q);
        for (i, hit) in hits.iter_mut().enumerate() {
            if self.retired.point(i) {
                *hit = None;
            }
        }
        hits
    }

    /// A body rendered earlier for this language and request.
    pub fn cached_response(&self, key: &CacheKey) -> Option<Rendered> {
        let mut cache = self.responses.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key)
    }

    /// Keeps a rendered body for the next equivalent request (bounded in count and
    /// bytes; the least recently used make room).
    pub fn cache_response(&self, key: CacheKey, rendered: Rendered) {
        let mut cache = self.responses.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = rendered.0.len();
        cache.insert(key, rendered, bytes);
    }

    /// How many rendered bodies the cache holds.
    pub fn cached_responses(&self) -> usize {
        self.responses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    pub fn bundle(&self, lang: Lang) -> &Bundle {
        &self.bundles[&lang]
    }
}

/// The channel a new stored catalog version is announced on (migration
/// `catalog_notify`), with the version as the payload.
const CHANNEL: Channel = Channel {
    name: "acupress_catalog",
    about: "catalog changes",
};

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

    /// Reloads as soon as another instance (or an edit) stores a new catalog version,
    /// told by a notification on a connection of its own, for as long as the process
    /// runs; on (re)connecting it checks once, for a change made while it was not
    /// listening. The periodic [`refresh`](Self::refresh) stays as the fallback.
    pub async fn listen(self: Arc<Self>, pool: DbPool, url: String, settings: SessionSettings) {
        db::notify::listen(&url, settings, CHANNEL, async |heard| {
            let check = match heard {
                Heard::Note(version) => version != self.get().version,
                Heard::Listening => true,
                Heard::Lost => false,
            };
            if check {
                match self.refresh(&pool).await {
                    Ok(true) => tracing::info!(version = %self.get().version, "catalog reloaded"),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(error = %e, "catalog reload failed"),
                }
            }
        })
        .await
    }
}
