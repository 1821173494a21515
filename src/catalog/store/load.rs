//! Reading a snapshot from the database.

use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Snapshot;
use crate::catalog::content::{self, Contents};
use crate::catalog::model::Meridian;
use crate::db::schema::meridians;
use crate::db::{self, DbError, DbPool};

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
    let (version, safety) = content::store::meta(&mut conn).await?;
    let meridian_rows: Vec<MeridianDb> = meridians::table
        .order(meridians::position)
        .select(MeridianDb::as_select())
        .load(&mut conn)
        .await?;
    let items = content::store::items(&mut conn).await?;
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
    // Typing the items, indexing them and rendering the bundles takes tens of
    // milliseconds of CPU: off the async workers, so that reads go on meanwhile.
    tokio::task::spawn_blocking(move || {
        let contents = Contents::from_items(&items, safety)
            .map_err(|e| DbError::Query(diesel::result::Error::DeserializationError(e.into())))?;
        Ok(Snapshot::build(version, meridians, contents))
    })
    .await
    .map_err(|e| DbError::Query(diesel::result::Error::DeserializationError(e.into())))?
}
