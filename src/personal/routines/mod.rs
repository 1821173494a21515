//! Own routines: routines an account writes for itself, from scratch or as a copy of a
//! curated one, at most [`MAX_ROUTINES`] per account. Each is checked against the catalog
//! and the limits ([`MAX_STEPS`] steps, [`MAX_TOTAL_SECONDS`] in all), read with its
//! owner's warnings, and refused (409, nothing stored) when it holds a point
//! contraindicated for its owner unless the warnings are acknowledged. Sessions, stats,
//! sync and the export name an own routine by its id.

pub mod handlers;
pub mod model;
mod rules;
pub mod store;
pub mod sync;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::catalog::model::Localizer;
use crate::catalog::safety::{self, Press};
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult};
use crate::http::Lang;
use crate::pagination;
use crate::problems::ProblemCode;
use crate::users::model::SafetyProfile;
use crate::users::{UserId, counter};
use model::{OwnRoutine, OwnRoutineInput, OwnRoutineList, OwnRoutinePatch, OwnRoutineStep};
pub use rules::{MAX_STEPS, MAX_TOTAL_SECONDS, check_new, check_patch, contraindicated};
use store::{RoutineRow, RoutineValues};

pub const MAX_ROUTINES: i64 = 100;

fn no_routine(id: Uuid) -> ApiError {
    ApiError::not_found(format!("no routine {id}"))
}

/// The presses of stored steps whose points the catalog has.
pub fn presses<'a>(snapshot: &'a Snapshot, steps: &[store::StoredStep]) -> Vec<Press<'a>> {
    snapshot.presses(steps.iter().map(|s| (s.point.as_str(), Some(s.pressure))))
}

/// The routine as its owner sees it, in `lang`, with the warnings of `profile`.
pub fn view(
    snapshot: &Snapshot,
    lang: Lang,
    profile: &SafetyProfile,
    row: &RoutineRow,
) -> OwnRoutine {
    let stored = row.steps();
    let steps: Vec<OwnRoutineStep> = stored
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let found = snapshot.point_index(&s.point);
            let known = found.is_some();
            let (name, pregnancy) = snapshot.point_name(&s.point, &Localizer::new(lang));
            OwnRoutineStep {
                position: i + 1,
                point: s.point.clone(),
                point_name: known.then_some(name),
                side: s.side,
                seconds: s.seconds,
                pressure: s.pressure,
                note: s.note.clone(),
                pregnancy: known.then_some(pregnancy),
                retired: found.is_none_or(|pi| snapshot.retired.point(pi)),
            }
        })
        .collect();
    OwnRoutine {
        id: row.id,
        name: row.name.clone(),
        description: row.description.clone(),
        conditions: row.conditions.0.clone(),
        origin: row.origin.clone(),
        step_count: steps.len(),
        total_seconds: steps.iter().map(|s| s.seconds).sum(),
        warnings: safety::warnings(profile, presses(snapshot, &stored)),
        steps,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// 409 unless the caller acknowledged the contraindications of `values` for `profile`.
pub(crate) fn require_acknowledged(
    snapshot: &Snapshot,
    profile: &SafetyProfile,
    values: &RoutineValues,
    acknowledged: bool,
) -> ApiResult<()> {
    let found = contraindicated(snapshot, profile, &values.steps);
    if acknowledged || found.is_empty() {
        return Ok(());
    }
    Err(ApiError::Conflict {
        code: ProblemCode::WarningsNotAcknowledged,
        detail: format!(
            "{} step(s) press a point contraindicated for your safety profile; send acknowledge_warnings: true to keep them",
            found.len()
        ),
        errors: found,
    })
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    profile: &SafetyProfile,
    query: &model::OwnRoutinesQuery,
) -> ApiResult<OwnRoutineList> {
    let limit = pagination::parse_limit(query.limit.as_deref())?;
    let before = pagination::open_time_cursor(query.cursor.as_deref())?;
    let mut rows = store::page(conn, user, before, limit as i64 + 1).await?;
    let next_cursor = pagination::time_page(&mut rows, limit, |r| (r.created_at, r.id));
    Ok(OwnRoutineList {
        items: rows
            .iter()
            .map(|row| view(snapshot, lang, profile, row))
            .collect(),
        next_cursor,
    })
}

/// Every live routine of the account, for the export.
pub async fn export(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user: UserId,
    profile: &SafetyProfile,
) -> ApiResult<Vec<OwnRoutine>> {
    Ok(store::all_live(conn, user)
        .await?
        .iter()
        .map(|row| view(snapshot, Lang::En, profile, row))
        .collect())
}

pub async fn get(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    profile: &SafetyProfile,
    id: Uuid,
) -> ApiResult<OwnRoutine> {
    let row = store::find(conn, user, id)
        .await?
        .ok_or_else(|| no_routine(id))?;
    Ok(view(snapshot, lang, profile, &row))
}

/// Stores a new routine: 409 when the account has a live one with this id, 422 past the
/// limit, 409 for unacknowledged contraindications.
pub async fn create(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    input: OwnRoutineInput,
) -> ApiResult<OwnRoutine> {
    let acknowledged = input.acknowledge_warnings;
    let id = input.id.unwrap_or_else(Uuid::now_v7);
    let values = check_new(snapshot, input)?;
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = counter::lock_history(conn, user).await?;
        require_acknowledged(snapshot, &lock.safety, &values, acknowledged)?;
        if store::find(conn, user, id).await?.is_some() {
            return Err(ApiError::conflict(
                ProblemCode::RoutineExists,
                "a routine with this id already exists",
            ));
        }
        if store::count_live(conn, user).await? >= MAX_ROUTINES {
            return Err(ApiError::invalid(
                "id",
                format!("an account keeps at most {MAX_ROUTINES} routines; delete one first"),
            ));
        }
        let version = lock.version + 1;
        let row = store::upsert(conn, user, id, &values, version).await?;
        counter::set_history_version(conn, user, version).await?;
        Ok(view(snapshot, lang, &lock.safety, &row))
    })
    .await
}

/// Applies a merge patch, checked again as a whole; an empty one writes nothing.
pub async fn update(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    user: UserId,
    id: Uuid,
    patch: OwnRoutinePatch,
) -> ApiResult<OwnRoutine> {
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = counter::lock_history(conn, user).await?;
        let current = store::find(conn, user, id)
            .await?
            .ok_or_else(|| no_routine(id))?;
        let acknowledged = patch.acknowledge_warnings;
        let values = check_patch(snapshot, &current, patch)?;
        if values.same_as(&current) {
            return Ok(view(snapshot, lang, &lock.safety, &current));
        }
        require_acknowledged(snapshot, &lock.safety, &values, acknowledged)?;
        let version = lock.version + 1;
        let row = store::upsert(conn, user, id, &values, version).await?;
        counter::set_history_version(conn, user, version).await?;
        Ok(view(snapshot, lang, &lock.safety, &row))
    })
    .await
}

/// Deletes a routine, leaving a tombstone for sync; sessions that name it keep its id.
pub async fn delete(conn: &mut AsyncPgConnection, user: UserId, id: Uuid) -> ApiResult<()> {
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = counter::lock_history(conn, user).await?;
        if !store::tombstone(conn, user, id, lock.version + 1).await? {
            return Err(no_routine(id));
        }
        counter::set_history_version(conn, user, lock.version + 1).await?;
        Ok(())
    })
    .await
}

/// The own routines the account has or had among `names` (routine names sent with
/// sessions and reminders; a curated slug is not one). A session logged offline may name
/// a routine deleted meanwhile on another device, so tombstones count.
pub async fn known_among<'a>(
    conn: &mut AsyncPgConnection,
    user: UserId,
    names: impl IntoIterator<Item = Option<&'a str>>,
) -> ApiResult<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = names
        .into_iter()
        .flatten()
        .filter_map(|name| Uuid::parse_str(name).ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(ids);
    }
    Ok(store::known_ids(conn, user, &ids).await?)
}

/// A routine as sessions and reminders name it, in canonical form: a curated slug, or
/// the id of one of `own`. `None` when it is neither.
pub fn routine_name(snapshot: &Snapshot, own: &[Uuid], raw: &str) -> Option<String> {
    snapshot.routine_slug(raw).map(str::to_owned).or_else(|| {
        Uuid::parse_str(raw)
            .ok()
            .filter(|id| own.contains(id))
            .map(|id| id.to_string())
    })
}
