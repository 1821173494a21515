//! Own routines in sync: the changes a pull sends and how a push's routine changes are
//! checked and applied (inside the push's transaction, under the history lock).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{PushedRoutineChange, RoutineChange};
use super::store::{self, RoutineValues};
use super::{MAX_ROUTINES, check_new, require_acknowledged, view};
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::Lang;
use crate::personal::sync::{self, Planned};
use crate::users::UserId;
use crate::users::model::SafetyProfile;

/// A checked routine change, with whether its warnings were acknowledged.
pub type PlannedRoutine = Planned<(RoutineValues, bool)>;

/// Checks every routine change of a push; problems go to `problems` as `routines[i]...`.
pub fn plan(
    snapshot: &Snapshot,
    changes: Vec<PushedRoutineChange>,
    problems: &mut Vec<FieldError>,
) -> Vec<PlannedRoutine> {
    let mut planned = Vec::with_capacity(changes.len());
    for (i, change) in changes.into_iter().enumerate() {
        match change {
            PushedRoutineChange::Delete { id } => planned.push(Planned { id, values: None }),
            PushedRoutineChange::Upsert { routine } => {
                let Some(id) = routine.id else {
                    problems.push(FieldError::new(
                        format!("routines[{i}].routine.id"),
                        "is required in a sync push",
                    ));
                    continue;
                };
                let acknowledged = routine.acknowledge_warnings;
                match check_new(snapshot, routine) {
                    Ok(values) => planned.push(Planned {
                        id,
                        values: Some((values, acknowledged)),
                    }),
                    Err(e) => sync::collect(problems, &format!("routines[{i}].routine"), e),
                }
            }
        }
    }
    planned
}

/// The ids of routines the push creates or replaces (sessions and reminders of the same
/// push may name them).
pub fn upserted(planned: &[PlannedRoutine]) -> impl Iterator<Item = Uuid> + '_ {
    planned.iter().filter(|p| p.values.is_some()).map(|p| p.id)
}

/// The routines of the push that changed on the server after `since`.
pub async fn conflicts(
    conn: &mut AsyncPgConnection,
    user: UserId,
    planned: &[PlannedRoutine],
    since: i64,
) -> ApiResult<Vec<Uuid>> {
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    let stored = store::versions(conn, user, &sync::ids(planned)).await?;
    Ok(sync::conflicting(planned, &stored, since, |(v, _), row| {
        v.same_as(row)
    }))
}

/// Applies the routine changes from `version` on, returning the last version used: 409
/// for unacknowledged contraindications, 422 past the account's limit.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user: UserId,
    profile: &SafetyProfile,
    planned: &[PlannedRoutine],
    mut version: i64,
) -> ApiResult<i64> {
    for (i, change) in planned.iter().enumerate() {
        match &change.values {
            Some((values, acknowledged)) => {
                require_acknowledged(snapshot, profile, values, *acknowledged)
                    .map_err(|e| prefixed(e, &format!("routines[{i}].routine")))?;
                version += 1;
                store::upsert(conn, user, change.id, values, version).await?;
            }
            None => {
                if store::tombstone(conn, user, change.id, version + 1).await? {
                    version += 1;
                }
            }
        }
    }
    if !planned.is_empty() && store::count_live(conn, user).await? > MAX_ROUTINES {
        return Err(ApiError::invalid(
            "routines",
            format!("an account keeps at most {MAX_ROUTINES} routines; nothing was applied"),
        ));
    }
    Ok(version)
}

/// A 409's field names prefixed with the change's place.
fn prefixed(error: ApiError, place: &str) -> ApiError {
    match error {
        ApiError::Conflict {
            code,
            detail,
            errors,
        } => ApiError::Conflict {
            code,
            detail,
            errors: sync::prefixed(errors, place),
        },
        other => other,
    }
}

/// The routine changes with a version in `(since, upto]`, as a pull sends them.
pub async fn pulled(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    profile: &SafetyProfile,
    user: UserId,
    (since, upto): (i64, i64),
) -> ApiResult<Vec<RoutineChange>> {
    Ok(store::changes_between(conn, user, since, upto)
        .await?
        .into_iter()
        .map(|row| match row.deleted_at {
            Some(deleted_at) => RoutineChange::Delete {
                id: row.id,
                deleted_at,
            },
            None => RoutineChange::Upsert {
                routine: view(snapshot, lang, profile, &row),
            },
        })
        .collect())
}
