//! Reading a snapshot from the database.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde_json::Value;

use super::Snapshot;
use crate::catalog::data::{
    ConditionPointRecord, ConditionRecord, PointRecord, RoutineRecord, SafetyRecord,
};
use crate::catalog::model::Meridian;
use crate::db::schema::{catalog_meta, condition_points, conditions, meridians, points, routines};
use crate::db::{self, DbError, DbPool};

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
            .map(|(_, code, evidence, note)| {
                Ok(ConditionPointRecord {
                    code: code.clone(),
                    evidence: from_doc(Value::String(evidence.clone()))?,
                    note: note.clone(),
                    // The reviews are the data files' own (checked on loading them).
                    review: None,
                    review_scope: None,
                })
            })
            .collect::<Result<_, DbError>>()?;
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
