//! The idempotent catalog loader: upserts every row from the data files and removes
//! rows that are no longer there, inside the caller's transaction.

use diesel::prelude::*;
use diesel::upsert::excluded;

use serde_json::Value;

use crate::catalog::data::{ConditionRecord, Dataset, PointRecord};
use crate::db::SyncPgConnection;
use crate::db::bootstrap::Seed;
use crate::db::schema::{catalog_meta, condition_points, conditions, meridians, points, routines};

/// Rows per INSERT, well under PostgreSQL's 65,535 bind parameters.
const CHUNK: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOutcome {
    pub version: String,
    /// False when the database already held this exact content.
    pub changed: bool,
}

#[derive(Insertable)]
#[diesel(table_name = meridians)]
struct NewMeridian<'a> {
    code: &'a str,
    position: i32,
    english_name: &'a str,
    pinyin: &'a str,
    hanzi: &'a str,
    hanzi_traditional: &'a str,
    aliases: Vec<String>,
    point_count: i32,
}

/// The catalog is the data start-up loads: the database layer runs it under its lock.
impl Seed for Dataset {
    type Outcome = SeedOutcome;

    fn seed(&self, conn: &mut SyncPgConnection) -> QueryResult<SeedOutcome> {
        apply(conn, self)
    }
}

fn apply(conn: &mut SyncPgConnection, data: &Dataset) -> QueryResult<SeedOutcome> {
    let current: Option<String> = catalog_meta::table
        .select(catalog_meta::version)
        .first(conn)
        .optional()?;
    if current.as_deref() == Some(data.version.as_str()) {
        return Ok(SeedOutcome {
            version: data.version.clone(),
            changed: false,
        });
    }
    upsert_meridians(conn, data)?;
    // Links are derived from the entities: replaced wholesale.
    diesel::delete(condition_points::table).execute(conn)?;
    upsert_points(conn, &data.points)?;
    upsert_conditions(conn, &data.conditions)?;
    upsert_routines(conn, data)?;
    let safety = to_doc(&data.safety);
    diesel::insert_into(catalog_meta::table)
        .values((
            catalog_meta::id.eq(true),
            catalog_meta::version.eq(&data.version),
            catalog_meta::safety.eq(&safety),
        ))
        .on_conflict(catalog_meta::id)
        .do_update()
        .set((
            catalog_meta::version.eq(excluded(catalog_meta::version)),
            catalog_meta::safety.eq(excluded(catalog_meta::safety)),
            catalog_meta::loaded_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    Ok(SeedOutcome {
        version: data.version.clone(),
        changed: true,
    })
}

fn upsert_meridians(conn: &mut SyncPgConnection, data: &Dataset) -> QueryResult<()> {
    let rows: Vec<NewMeridian> = data
        .meridians
        .iter()
        .enumerate()
        .map(|(i, m)| NewMeridian {
            code: &m.code,
            position: i as i32 + 1,
            english_name: &m.english_name,
            pinyin: &m.pinyin,
            hanzi: &m.hanzi,
            hanzi_traditional: &m.hanzi_traditional,
            aliases: m.alias_list(),
            point_count: m.point_count,
        })
        .collect();
    diesel::insert_into(meridians::table)
        .values(&rows)
        .on_conflict(meridians::code)
        .do_update()
        .set((
            meridians::position.eq(excluded(meridians::position)),
            meridians::english_name.eq(excluded(meridians::english_name)),
            meridians::pinyin.eq(excluded(meridians::pinyin)),
            meridians::hanzi.eq(excluded(meridians::hanzi)),
            meridians::hanzi_traditional.eq(excluded(meridians::hanzi_traditional)),
            meridians::aliases.eq(excluded(meridians::aliases)),
            meridians::point_count.eq(excluded(meridians::point_count)),
        ))
        .execute(conn)?;
    let codes: Vec<&str> = rows.iter().map(|r| r.code).collect();
    diesel::delete(meridians::table.filter(meridians::code.ne_all(codes))).execute(conn)?;
    Ok(())
}

fn to_doc<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("catalog records serialize")
}

#[derive(Insertable)]
#[diesel(table_name = points)]
struct NewPoint<'a> {
    code: &'a str,
    position: i32,
    kind: &'static str,
    meridian_code: Option<&'a str>,
    number: Option<i32>,
    body_region: &'a str,
    pregnancy: &'static str,
    doc: Value,
}

fn upsert_points(conn: &mut SyncPgConnection, records: &[PointRecord]) -> QueryResult<()> {
    let rows: Vec<NewPoint> = records
        .iter()
        .enumerate()
        .map(|(i, p)| NewPoint {
            code: &p.code,
            position: i as i32 + 1,
            kind: p.kind.as_str(),
            meridian_code: p.meridian.as_deref(),
            number: p.number,
            body_region: p.body_region.as_str(),
            pregnancy: p.pregnancy.as_str(),
            doc: to_doc(p),
        })
        .collect();
    for chunk in rows.chunks(CHUNK) {
        diesel::insert_into(points::table)
            .values(chunk)
            .on_conflict(points::code)
            .do_update()
            .set((
                points::position.eq(excluded(points::position)),
                points::kind.eq(excluded(points::kind)),
                points::meridian_code.eq(excluded(points::meridian_code)),
                points::number.eq(excluded(points::number)),
                points::body_region.eq(excluded(points::body_region)),
                points::pregnancy.eq(excluded(points::pregnancy)),
                points::doc.eq(excluded(points::doc)),
            ))
            .execute(conn)?;
    }
    let codes: Vec<&str> = records.iter().map(|p| p.code.as_str()).collect();
    diesel::delete(points::table.filter(points::code.ne_all(codes))).execute(conn)?;
    Ok(())
}

fn upsert_conditions(conn: &mut SyncPgConnection, records: &[ConditionRecord]) -> QueryResult<()> {
    for (i, c) in records.iter().enumerate() {
        let mut doc = to_doc(c);
        if let Some(map) = doc.as_object_mut() {
            map.remove("points");
        }
        diesel::insert_into(conditions::table)
            .values((
                conditions::slug.eq(&c.slug),
                conditions::position.eq(i as i32 + 1),
                conditions::category.eq(c.category.as_str()),
                conditions::doc.eq(&doc),
            ))
            .on_conflict(conditions::slug)
            .do_update()
            .set((
                conditions::position.eq(excluded(conditions::position)),
                conditions::category.eq(excluded(conditions::category)),
                conditions::doc.eq(excluded(conditions::doc)),
            ))
            .execute(conn)?;
    }
    let slugs: Vec<&str> = records.iter().map(|c| c.slug.as_str()).collect();
    diesel::delete(conditions::table.filter(conditions::slug.ne_all(slugs))).execute(conn)?;
    let links: Vec<_> = records
        .iter()
        .flat_map(|c| {
            c.points.iter().enumerate().map(move |(rank, link)| {
                (
                    condition_points::condition_slug.eq(&c.slug),
                    condition_points::point_code.eq(&link.code),
                    condition_points::rank.eq(rank as i32 + 1),
                    condition_points::evidence.eq(link.evidence.as_str()),
                    condition_points::note.eq(&link.note),
                )
            })
        })
        .collect();
    for chunk in links.chunks(CHUNK) {
        diesel::insert_into(condition_points::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

fn upsert_routines(conn: &mut SyncPgConnection, data: &Dataset) -> QueryResult<()> {
    for (i, r) in data.routines.iter().enumerate() {
        diesel::insert_into(routines::table)
            .values((
                routines::slug.eq(&r.slug),
                routines::position.eq(i as i32 + 1),
                routines::doc.eq(to_doc(r)),
            ))
            .on_conflict(routines::slug)
            .do_update()
            .set((
                routines::position.eq(excluded(routines::position)),
                routines::doc.eq(excluded(routines::doc)),
            ))
            .execute(conn)?;
    }
    let slugs: Vec<&str> = data.routines.iter().map(|r| r.slug.as_str()).collect();
    diesel::delete(routines::table.filter(routines::slug.ne_all(slugs))).execute(conn)?;
    Ok(())
}
