//! The catalog held in memory: loaded from PostgreSQL at start-up and reloaded when
//! the stored content version changes, so that catalog reads cost no database trip.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex, RwLock};

use actix_web::web::Bytes;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use crate::catalog::cache::{CacheKey, ResponseCache};
use crate::catalog::data::{
    ConditionPointRecord, ConditionRecord, PointKind, PointRecord, Pregnancy, RoutineRecord,
    SafetyRecord, normalize,
};
use crate::catalog::model::*;
use crate::catalog::search::{Hit, SearchIndex};
use crate::db::schema::{catalog_meta, condition_points, conditions, meridians, points, routines};
use crate::db::{self, DbError, DbPool};
use crate::http::Lang;

/// The offline bundle for one language, rendered once per snapshot.
#[derive(Debug)]
pub struct Bundle {
    pub json: Bytes,
    pub gzip: Bytes,
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

fn localized<'a>(
    lang: Lang,
    en: &'a str,
    hans: &'a Option<String>,
    hant: &'a Option<String>,
) -> &'a str {
    pick(
        lang,
        en,
        hans.as_deref().unwrap_or(""),
        hant.as_deref().unwrap_or(""),
    )
}

impl Snapshot {
    pub fn build(
        version: String,
        meridians: Vec<Meridian>,
        points: Vec<PointRecord>,
        conditions: Vec<ConditionRecord>,
        routines: Vec<RoutineRecord>,
        safety: SafetyRecord,
    ) -> Self {
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
            for (li, link) in c.points.iter().enumerate() {
                if let Some(&pi) = point_index.get(&normalize(&link.code)) {
                    point_conditions[pi].push((ci, li));
                }
            }
        }
        let mut point_routines = vec![Vec::new(); points.len()];
        for (ri, r) in routines.iter().enumerate() {
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
        self.search.search(q)
    }

    /// A body rendered earlier for this language and request.
    pub fn cached_response(&self, key: &CacheKey) -> Option<Bytes> {
        let mut cache = self.responses.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(key)
    }

    /// Keeps a rendered body for the next equivalent request (bounded in count and
    /// bytes; the least recently used make room).
    pub fn cache_response(&self, key: CacheKey, body: Bytes) {
        let mut cache = self.responses.lock().unwrap_or_else(|p| p.into_inner());
        let bytes = body.len();
        cache.insert(key, body, bytes);
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

    pub fn point_summary(&self, i: usize, lang: Lang, matches: Vec<MatchReason>) -> PointSummary {
        let p = &self.points[i];
        PointSummary {
            code: p.code.clone(),
            name: pick(lang, &p.english_name, &p.hanzi, &p.hanzi_traditional).to_owned(),
            english_name: p.english_name.clone(),
            pinyin: p.pinyin.clone(),
            pinyin_ascii: p.pinyin_ascii.clone(),
            hanzi: p.hanzi.clone(),
            hanzi_traditional: p.hanzi_traditional.clone(),
            kind: p.kind,
            meridian: p.meridian.clone(),
            number: p.number,
            body_region: p.body_region.clone(),
            pregnancy: p.pregnancy,
            has_selfcare: p.selfcare.is_some(),
            matches,
        }
    }

    fn point_name(&self, code: &str, lang: Lang) -> (String, Pregnancy) {
        match self.point_index(code) {
            Some(i) => {
                let p = &self.points[i];
                (
                    pick(lang, &p.english_name, &p.hanzi, &p.hanzi_traditional).to_owned(),
                    p.pregnancy,
                )
            }
            None => (code.to_owned(), Pregnancy::Safe),
        }
    }

    pub fn point_detail(&self, i: usize, lang: Lang) -> PointDetail {
        let p = &self.points[i];
        let mut conditions: Vec<PointCondition> = self.point_conditions[i]
            .iter()
            .map(|&(ci, li)| {
                let c = &self.conditions[ci];
                let link = &c.points[li];
                PointCondition {
                    slug: c.slug.clone(),
                    name: localized(lang, &c.name, &c.name_zh_hans, &c.name_zh_hant).to_owned(),
                    rank: li as i32 + 1,
                    evidence: link.evidence.clone(),
                    note: link.note.clone(),
                }
            })
            .collect();
        conditions.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.slug.cmp(&b.slug)));
        PointDetail {
            summary: self.point_summary(i, lang, Vec::new()),
            location: p.location.clone(),
            aliases: p.aliases.clone(),
            code_note: p.code_note.clone(),
            pregnancy_sources: p.pregnancy_sources.clone(),
            selfcare: p.selfcare.clone(),
            conditions,
            routines: self.point_routines[i]
                .iter()
                .map(|&ri| self.routine_ref(ri, lang))
                .collect(),
        }
    }

    pub fn meridian_points(&self, code: &str) -> impl Iterator<Item = usize> + '_ {
        let code = code.to_owned();
        (0..self.points.len())
            .filter(move |&i| self.points[i].meridian.as_deref() == Some(code.as_str()))
    }

    fn routine_ref(&self, ri: usize, lang: Lang) -> RoutineRef {
        let r = &self.routines[ri];
        RoutineRef {
            slug: r.slug.clone(),
            name: localized(lang, &r.name, &r.name_zh_hans, &r.name_zh_hant).to_owned(),
        }
    }

    pub fn condition_summary(&self, ci: usize, lang: Lang) -> ConditionSummary {
        let c = &self.conditions[ci];
        ConditionSummary {
            slug: c.slug.clone(),
            name: localized(lang, &c.name, &c.name_zh_hans, &c.name_zh_hant).to_owned(),
            english_name: c.name.clone(),
            category: c.category.clone(),
            description: c.description.clone(),
            point_count: c.points.len(),
        }
    }

    pub fn condition_detail(&self, ci: usize, lang: Lang) -> ConditionDetail {
        let c = &self.conditions[ci];
        ConditionDetail {
            summary: self.condition_summary(ci, lang),
            see_a_doctor_when: c.see_a_doctor_when.clone(),
            caution: c.caution.clone(),
            points: c
                .points
                .iter()
                .enumerate()
                .map(|(li, link)| {
                    let (name, pregnancy) = self.point_name(&link.code, lang);
                    ConditionPoint {
                        rank: li as i32 + 1,
                        code: link.code.clone(),
                        name,
                        evidence: link.evidence.clone(),
                        note: link.note.clone(),
                        pregnancy,
                    }
                })
                .collect(),
            routines: (0..self.routines.len())
                .filter(|&ri| self.routines[ri].conditions.contains(&c.slug))
                .map(|ri| self.routine_ref(ri, lang))
                .collect(),
        }
    }

    pub fn routine_summary(&self, ri: usize, lang: Lang) -> RoutineSummary {
        let r = &self.routines[ri];
        RoutineSummary {
            slug: r.slug.clone(),
            name: localized(lang, &r.name, &r.name_zh_hans, &r.name_zh_hant).to_owned(),
            english_name: r.name.clone(),
            description: r.description.clone(),
            level: r.level.clone(),
            conditions: r.conditions.clone(),
            step_count: r.steps.len(),
            total_seconds: r.steps.iter().map(|s| s.seconds).sum(),
        }
    }

    pub fn routine_detail(&self, ri: usize, lang: Lang) -> RoutineDetail {
        let r = &self.routines[ri];
        RoutineDetail {
            summary: self.routine_summary(ri, lang),
            steps: r
                .steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let (point_name, pregnancy) = self.point_name(&s.point, lang);
                    RoutineStep {
                        position: i + 1,
                        point: s.point.clone(),
                        point_name,
                        side: s.side.clone(),
                        seconds: s.seconds,
                        pressure: s.pressure.clone(),
                        instruction: s.instruction.clone(),
                        pregnancy,
                    }
                })
                .collect(),
        }
    }

    pub fn safety(&self) -> Safety {
        let codes = |level: Pregnancy| {
            self.points
                .iter()
                .filter(|p| p.pregnancy == level)
                .map(|p| p.code.clone())
                .collect()
        };
        Safety {
            disclaimer: self.safety.disclaimer.clone(),
            precautions: self.safety.precautions.clone(),
            pregnancy: PregnancyLists {
                contraindicated: codes(Pregnancy::Contraindicated),
                caution: codes(Pregnancy::Caution),
            },
        }
    }

    pub fn catalog_version(&self) -> CatalogVersion {
        CatalogVersion {
            version: self.version.clone(),
            meridians: self.meridians.len(),
            points: self.points.len(),
            standard_points: self
                .points
                .iter()
                .filter(|p| p.kind == PointKind::Standard)
                .count(),
            conditions: self.conditions.len(),
            routines: self.routines.len(),
        }
    }

    fn render_bundle(&self, lang: Lang) -> Bundle {
        let catalog = Catalog {
            version: self.version.clone(),
            language: lang,
            meridians: self.meridians.iter().map(|m| m.localized(lang)).collect(),
            points: (0..self.points.len())
                .map(|i| self.point_detail(i, lang))
                .collect(),
            conditions: (0..self.conditions.len())
                .map(|i| self.condition_detail(i, lang))
                .collect(),
            routines: (0..self.routines.len())
                .map(|i| self.routine_detail(i, lang))
                .collect(),
            safety: self.safety(),
        };
        let json = serde_json::to_vec(&catalog).expect("the catalog serializes");
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&json).expect("gzip into memory");
        let gzip = encoder.finish().expect("gzip into memory");
        Bundle {
            json: Bytes::from(json),
            gzip: Bytes::from(gzip),
        }
    }
}

fn from_doc<T: serde::de::DeserializeOwned>(doc: Value) -> Result<T, DbError> {
    serde_json::from_value(doc)
        .map_err(|e| DbError::Query(diesel::result::Error::DeserializationError(Box::new(e))))
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = meridians, check_for_backend(diesel::pg::Pg))]
struct MeridianDb {
    code: String,
    english_name: String,
    pinyin: String,
    hanzi: String,
    hanzi_traditional: String,
    /// A PostgreSQL array may hold NULLs (the generated schema says so); the loader
    /// stores none.
    aliases: Vec<Option<String>>,
    point_count: i32,
}

/// Reads the current catalog from the database.
pub async fn read_snapshot(pool: &DbPool) -> Result<Snapshot, DbError> {
    let mut conn = db::conn(pool).await?;
    let (version, safety): (String, Value) = catalog_meta::table
        .select((catalog_meta::version, catalog_meta::safety))
        .first(&mut conn)
        .await?;
    let meridian_rows: Vec<MeridianDb> = meridians::table
        .order(meridians::position)
        .select(MeridianDb::as_select())
        .load(&mut conn)
        .await?;
    let point_docs: Vec<Value> = points::table
        .order(points::position)
        .select(points::doc)
        .load(&mut conn)
        .await?;
    let condition_rows: Vec<(String, Value)> = conditions::table
        .order(conditions::position)
        .select((conditions::slug, conditions::doc))
        .load(&mut conn)
        .await?;
    let links: Vec<(String, String, String, String)> = condition_points::table
        .order((condition_points::condition_slug, condition_points::rank))
        .select((
            condition_points::condition_slug,
            condition_points::point_code,
            condition_points::evidence,
            condition_points::note,
        ))
        .load(&mut conn)
        .await?;
    let routine_docs: Vec<Value> = routines::table
        .order(routines::position)
        .select(routines::doc)
        .load(&mut conn)
        .await?;
    drop(conn);

    let meridians = meridian_rows
        .into_iter()
        .map(|m| Meridian {
            name: m.english_name.clone(),
            code: m.code,
            english_name: m.english_name,
            pinyin: m.pinyin,
            hanzi: m.hanzi,
            hanzi_traditional: m.hanzi_traditional,
            aliases: m.aliases.into_iter().flatten().collect(),
            point_count: m.point_count,
        })
        .collect();
    let points = point_docs
        .into_iter()
        .map(from_doc)
        .collect::<Result<Vec<PointRecord>, _>>()?;
    let mut conditions = Vec::with_capacity(condition_rows.len());
    for (slug, mut doc) in condition_rows {
        if let Some(map) = doc.as_object_mut() {
            map.insert("points".into(), Value::Array(Vec::new()));
        }
        let mut condition: ConditionRecord = from_doc(doc)?;
        condition.points = links
            .iter()
            .filter(|l| l.0 == slug)
            .map(|(_, code, evidence, note)| ConditionPointRecord {
                code: code.clone(),
                evidence: evidence.clone(),
                note: note.clone(),
            })
            .collect();
        conditions.push(condition);
    }
    let routines = routine_docs
        .into_iter()
        .map(from_doc)
        .collect::<Result<Vec<RoutineRecord>, _>>()?;
    let safety: SafetyRecord = from_doc(safety)?;
    Ok(Snapshot::build(
        version, meridians, points, conditions, routines, safety,
    ))
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
