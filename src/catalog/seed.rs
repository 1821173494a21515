//! The idempotent catalog loader: upserts every row from the data files and removes
//! rows that are no longer there, inside the caller's transaction.

use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::catalog::data::Dataset;
use crate::db::SyncPgConnection;
use crate::db::schema::{catalog_meta, meridians};

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

pub fn apply(conn: &mut SyncPgConnection, data: &Dataset) -> QueryResult<SeedOutcome> {
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
    diesel::insert_into(catalog_meta::table)
        .values((
            catalog_meta::id.eq(true),
            catalog_meta::version.eq(&data.version),
        ))
        .on_conflict(catalog_meta::id)
        .do_update()
        .set((
            catalog_meta::version.eq(excluded(catalog_meta::version)),
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
