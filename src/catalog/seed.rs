//! The idempotent catalog loader: merges the data files (the shipped baseline) into the
//! stored items inside the caller's transaction, never overwriting an admin's edit.

use diesel::prelude::*;
use diesel::upsert::excluded;

use std::collections::HashMap;

use serde_json::Value;

use crate::catalog::content::{ItemKind, baseline_items, store};
use crate::catalog::data::Dataset;
use crate::db::SyncPgConnection;
use crate::db::bootstrap::Seed;
use crate::db::schema::{admin_audit, catalog_items, catalog_meta, meridians};

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
    let meta: Option<(String, Option<String>)> = catalog_meta::table
        .select((catalog_meta::version, catalog_meta::baseline))
        .first(conn)
        .optional()?;
    if let Some((version, Some(baseline))) = &meta
        && baseline == &data.version
    {
        return Ok(SeedOutcome {
            version: version.clone(),
            changed: false,
        });
    }
    upsert_meridians(conn, data)?;
    let changed = merge_items(conn, data)?;
    let safety = crate::catalog::content::store::disclaimer_doc(&data.safety);
    diesel::insert_into(catalog_meta::table)
        .values((
            catalog_meta::id.eq(true),
            catalog_meta::version.eq(&data.version),
            catalog_meta::safety.eq(&safety),
            catalog_meta::baseline.eq(&data.version),
        ))
        .on_conflict(catalog_meta::id)
        .do_update()
        .set((
            catalog_meta::safety.eq(excluded(catalog_meta::safety)),
            catalog_meta::baseline.eq(excluded(catalog_meta::baseline)),
            catalog_meta::loaded_at.eq(diesel::dsl::now),
        ))
        .execute(conn)?;
    // With no admin's content anywhere, the served version is the files' own; with some,
    // a new one whenever the merge changed anything.
    let admins: i64 = catalog_items::table
        .filter(
            catalog_items::edited_at
                .is_not_null()
                .or(catalog_items::baseline.is_null()),
        )
        .count()
        .get_result(conn)?;
    let version = if admins == 0 {
        diesel::update(catalog_meta::table)
            .set(catalog_meta::version.eq(&data.version))
            .execute(conn)?;
        data.version.clone()
    } else if changed || meta.is_none() {
        diesel::sql_query(store::BUMP_VERSION)
            .get_result::<store::Version>(conn)?
            .version
    } else {
        meta.map(|m| m.0).unwrap_or_default()
    };
    Ok(SeedOutcome {
        version,
        changed: true,
    })
}

/// An item as stored, for the merge.
#[derive(Queryable)]
struct Existing {
    kind: String,
    key: String,
    position: i32,
    doc: Value,
    retired: bool,
    baseline: Option<Value>,
    edited: bool,
    newer_baseline: Option<Value>,
}

/// Merges the files' items into the stored ones (docs/content-studio.md): an item
/// nobody edited takes the files' content, an edited one keeps the edit and records
/// that a newer baseline exists (in the admins' audit log), and a shipped item the
/// files no longer have is retired unless edited. Answers whether anything changed.
fn merge_items(conn: &mut SyncPgConnection, data: &Dataset) -> QueryResult<bool> {
    let rows: Vec<Existing> = catalog_items::table
        .select((
            catalog_items::kind,
            catalog_items::key,
            catalog_items::position,
            catalog_items::doc,
            catalog_items::retired_at.is_not_null(),
            catalog_items::baseline,
            catalog_items::edited_at.is_not_null(),
            catalog_items::newer_baseline,
        ))
        .load(conn)?;
    let mut existing: HashMap<(String, String), Existing> = rows
        .into_iter()
        .map(|r| ((r.kind.clone(), r.key.clone()), r))
        .collect();
    let mut changed = false;
    for item in baseline_items(data) {
        let found = existing.remove(&(item.kind.as_str().to_owned(), item.key.clone()));
        let take = match &found {
            None => true,
            Some(row) if !row.edited => {
                row.doc != item.doc
                    || row.retired
                    || row.position != item.position
                    || row.baseline.as_ref() != Some(&item.doc)
            }
            // The edit and the new files agree: the item is the baseline's again.
            Some(row) => row.doc == item.doc && !row.retired,
        };
        if take {
            let write = store::Write {
                kind: item.kind,
                key: &item.key,
                position: item.position,
                doc: &item.doc,
                retired: false,
                baseline: Some(&item.doc),
                edited: false,
                newer_baseline: None,
                actor: None,
            };
            store::write_query(&write).get_result::<store::Revision>(conn)?;
            changed = true;
        } else if let Some(row) = found
            && row.edited
            && row.baseline.as_ref() != Some(&item.doc)
            && row.newer_baseline.as_ref() != Some(&item.doc)
        {
            note_newer_baseline(conn, &row, &item.doc)?;
            changed = true;
        }
    }
    for row in existing.into_values() {
        if let (Some(baseline), false, false) = (&row.baseline, row.edited, row.retired) {
            let Some(kind) = ItemKind::parse(&row.kind) else {
                continue;
            };
            let write = store::Write {
                kind,
                key: &row.key,
                position: row.position,
                doc: &row.doc,
                retired: true,
                baseline: Some(baseline),
                edited: false,
                newer_baseline: None,
                actor: None,
            };
            store::write_query(&write).get_result::<store::Revision>(conn)?;
            changed = true;
        }
    }
    Ok(changed)
}

/// Keeps an edited item's content, and tells the admins (in their audit log, with no
/// actor) that the files now say something else.
fn note_newer_baseline(
    conn: &mut SyncPgConnection,
    row: &Existing,
    newer: &Value,
) -> QueryResult<()> {
    diesel::update(catalog_items::table.find((&row.kind, &row.key)))
        .set(catalog_items::newer_baseline.eq(newer))
        .execute(conn)?;
    diesel::insert_into(admin_audit::table)
        .values((
            admin_audit::id.eq(uuid::Uuid::now_v7()),
            admin_audit::actor.eq(None::<uuid::Uuid>),
            admin_audit::subject_kind.eq(&row.kind),
            admin_audit::subject_id.eq(&row.key),
            admin_audit::action.eq("newer_baseline"),
            admin_audit::before.eq(&row.baseline),
            admin_audit::after.eq(newer),
        ))
        .execute(conn)?;
    Ok(())
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
