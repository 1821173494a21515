//! The rows of `catalog_items` and `catalog_revisions`, and the catalog version.
//!
//! Writes go through [`write_query`], one statement that updates (or creates) the item
//! and appends its revision, run by the start-up loader and by admin edits alike.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Bool, Integer, Jsonb, Nullable, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use super::{ItemKind, StoredItem};
use crate::catalog::data::{SafetyRecord, SafetyTranslations};
use crate::db::schema::{catalog_items, catalog_meta, catalog_revisions};

type ItemTuple = (String, String, i32, Value, bool);

fn stored((kind, key, position, doc, retired): ItemTuple) -> Option<StoredItem> {
    Some(StoredItem {
        kind: ItemKind::parse(&kind)?,
        key,
        position,
        doc,
        retired,
    })
}

/// The columns of [`StoredItem`], in its order.
pub fn item_columns() -> (
    catalog_items::kind,
    catalog_items::key,
    catalog_items::position,
    catalog_items::doc,
    diesel::dsl::IsNotNull<catalog_items::retired_at>,
) {
    (
        catalog_items::kind,
        catalog_items::key,
        catalog_items::position,
        catalog_items::doc,
        catalog_items::retired_at.is_not_null(),
    )
}

/// Every item, in the stored order (position, then key).
pub async fn items(conn: &mut AsyncPgConnection) -> QueryResult<Vec<StoredItem>> {
    let rows: Vec<ItemTuple> = catalog_items::table
        .order((catalog_items::position, catalog_items::key))
        .select(item_columns())
        .load(conn)
        .await?;
    Ok(rows.into_iter().filter_map(stored).collect())
}

/// The served version, and the disclaimer with its translations (as a safety record
/// without precautions, which are items).
pub async fn meta(conn: &mut AsyncPgConnection) -> QueryResult<(String, SafetyRecord)> {
    let (version, safety): (String, Value) = catalog_meta::table
        .select((catalog_meta::version, catalog_meta::safety))
        .first(conn)
        .await?;
    Ok((version, disclaimer(&safety)))
}

/// The disclaimer and its translations kept in `catalog_meta.safety`.
fn disclaimer(safety: &Value) -> SafetyRecord {
    SafetyRecord {
        disclaimer: safety["disclaimer"].as_str().unwrap_or_default().to_owned(),
        precautions: Vec::new(),
        translations: SafetyTranslations::deserialize(&safety["translations"]).unwrap_or_default(),
    }
}

/// What `catalog_meta.safety` keeps of `safety`: the disclaimer and its translations.
pub fn disclaimer_doc(safety: &SafetyRecord) -> Value {
    serde_json::json!({"disclaimer": safety.disclaimer, "translations": safety.translations})
}

/// Takes the catalog's lock for an edit: edits run one at a time, so each is checked
/// against the catalog as every earlier edit left it.
pub async fn lock(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    catalog_meta::table
        .select(catalog_meta::id)
        .for_update()
        .first::<bool>(conn)
        .await
        .map(drop)
}

/// An item with its bookkeeping.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = catalog_items, check_for_backend(Pg))]
pub struct ItemRow {
    pub position: i32,
    pub doc: Value,
    pub revision: i32,
    pub retired_at: Option<DateTime<Utc>>,
    pub baseline: Option<Value>,
    pub edited_at: Option<DateTime<Utc>>,
    pub newer_baseline: Option<Value>,
}

pub async fn item(
    conn: &mut AsyncPgConnection,
    kind: ItemKind,
    key: &str,
) -> QueryResult<Option<ItemRow>> {
    catalog_items::table
        .find((kind.as_str(), key))
        .select(ItemRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// A new revision of an item.
pub struct Write<'a> {
    pub kind: ItemKind,
    pub key: &'a str,
    pub position: i32,
    pub doc: &'a Value,
    pub retired: bool,
    /// What the data files last said (None: an admin's own item).
    pub baseline: Option<&'a Value>,
    /// Whether the content is an admin's, which the loader leaves alone.
    pub edited: bool,
    pub newer_baseline: Option<&'a Value>,
    /// The admin who wrote it; None for the loader.
    pub actor: Option<Uuid>,
}

/// The statement that writes `w` and its revision, answering the new revision number.
pub fn write_query<'a>(w: &'a Write<'a>) -> BoxedSqlQuery<'a, Pg, SqlQuery> {
    diesel::sql_query(
        "WITH item AS ( \
           INSERT INTO catalog_items AS i \
             (kind, key, position, doc, retired_at, baseline, edited_at, newer_baseline) \
           VALUES ($1, $2, $3, $4, CASE WHEN $5 THEN clock_timestamp() END, $6, \
                   CASE WHEN $7 THEN clock_timestamp() END, $8) \
           ON CONFLICT (kind, key) DO UPDATE SET \
             position = EXCLUDED.position, doc = EXCLUDED.doc, revision = i.revision + 1, \
             retired_at = CASE WHEN $5 THEN COALESCE(i.retired_at, EXCLUDED.retired_at) END, \
             baseline = EXCLUDED.baseline, edited_at = EXCLUDED.edited_at, \
             newer_baseline = EXCLUDED.newer_baseline \
           RETURNING revision) \
         INSERT INTO catalog_revisions (kind, key, revision, doc, retired, source, actor) \
         SELECT $1, $2, revision, $4, $5, \
                CASE WHEN $9::uuid IS NULL THEN 'baseline' ELSE 'admin' END, $9 FROM item \
         RETURNING revision",
    )
    .into_boxed()
    .bind::<Text, _>(w.kind.as_str())
    .bind::<Text, _>(w.key)
    .bind::<Integer, _>(w.position)
    .bind::<Jsonb, _>(w.doc)
    .bind::<Bool, _>(w.retired)
    .bind::<Nullable<Jsonb>, _>(w.baseline)
    .bind::<Bool, _>(w.edited)
    .bind::<Nullable<Jsonb>, _>(w.newer_baseline)
    .bind::<Nullable<SqlUuid>, _>(w.actor)
}

/// The revision number [`write_query`] answers.
#[derive(QueryableByName)]
pub struct Revision {
    #[diesel(sql_type = Integer)]
    pub revision: i32,
}

/// The SQL that gives the catalog a new served version (its change notifies every
/// instance, see the `catalog_meta_notify` trigger).
pub const BUMP_VERSION: &str = "UPDATE catalog_meta \
     SET version = substr(md5(version || clock_timestamp()::text), 1, 16), loaded_at = now() \
     RETURNING version";

/// The version [`BUMP_VERSION`] answers.
#[derive(QueryableByName)]
pub struct Version {
    #[diesel(sql_type = Text)]
    pub version: String,
}

pub async fn bump_version(conn: &mut AsyncPgConnection) -> QueryResult<String> {
    let row: Version = diesel::sql_query(BUMP_VERSION).get_result(conn).await?;
    Ok(row.version)
}

/// One revision of an item.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = catalog_revisions, check_for_backend(Pg))]
pub struct RevisionRow {
    pub revision: i32,
    pub doc: Value,
    pub retired: bool,
    pub source: String,
    pub actor: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Up to `limit` revisions of an item older than `before`, newest first.
pub async fn revisions(
    conn: &mut AsyncPgConnection,
    (kind, key): (ItemKind, &str),
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<RevisionRow>> {
    catalog_revisions::table
        .filter(catalog_revisions::kind.eq(kind.as_str()))
        .filter(catalog_revisions::key.eq(key))
        .filter(catalog_revisions::revision.lt(before.unwrap_or(i32::MAX)))
        .order(catalog_revisions::revision.desc())
        .limit(limit)
        .select(RevisionRow::as_select())
        .load(conn)
        .await
}

pub async fn revision(
    conn: &mut AsyncPgConnection,
    (kind, key): (ItemKind, &str),
    revision: i32,
) -> QueryResult<Option<RevisionRow>> {
    catalog_revisions::table
        .find((kind.as_str(), key, revision))
        .select(RevisionRow::as_select())
        .first(conn)
        .await
        .optional()
}
