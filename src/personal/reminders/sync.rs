//! Reminders in sync: the changes a pull sends and how a push's reminder changes are
//! checked and applied (inside the push's transaction, under the history lock).

use diesel_async::AsyncPgConnection;
use uuid::Uuid;

use super::model::{PushedReminderChange, ReminderChange};
use super::store::{self, ReminderValues};
use super::{MAX_REMINDERS, account_zone, limit_reached, new_values, view};
use crate::catalog::store::Snapshot;
use crate::error::{ApiResult, FieldError};
use crate::personal::sync::{self, Planned};
use crate::users::UserId;

pub type PlannedReminder = Planned<ReminderValues>;

/// The routine names the reminders of a push send (to look up own routines).
pub fn routine_names(changes: &[PushedReminderChange]) -> impl Iterator<Item = Option<&str>> {
    changes.iter().map(|c| match c {
        PushedReminderChange::Upsert { reminder } => reminder.routine.as_deref(),
        PushedReminderChange::Delete { .. } => None,
    })
}

/// Checks every reminder change of a push (`own`: the own routines it may name);
/// problems go to `problems` as `reminders[i]...`.
pub fn plan(
    snapshot: &Snapshot,
    own: &[Uuid],
    changes: Vec<PushedReminderChange>,
    problems: &mut Vec<FieldError>,
) -> Vec<PlannedReminder> {
    let mut planned = Vec::with_capacity(changes.len());
    for (i, change) in changes.into_iter().enumerate() {
        match change {
            PushedReminderChange::Delete { id } => planned.push(Planned { id, values: None }),
            PushedReminderChange::Upsert { reminder } => {
                let Some(id) = reminder.id else {
                    problems.push(FieldError::new(
                        format!("reminders[{i}].reminder.id"),
                        "is required in a sync push",
                    ));
                    continue;
                };
                match new_values(snapshot, own, &reminder) {
                    Ok(values) => planned.push(Planned {
                        id,
                        values: Some(values),
                    }),
                    Err(e) => sync::collect(problems, &format!("reminders[{i}].reminder"), e),
                }
            }
        }
    }
    planned
}

/// The reminders of the push that changed on the server after `since`.
pub async fn conflicts(
    conn: &mut AsyncPgConnection,
    user: UserId,
    planned: &[PlannedReminder],
    since: i64,
) -> ApiResult<Vec<Uuid>> {
    if planned.is_empty() {
        return Ok(Vec::new());
    }
    let stored = store::versions(conn, user, &sync::ids(planned)).await?;
    Ok(sync::conflicting(planned, &stored, since, |v, row| {
        v.held_by(row)
    }))
}

/// Applies the reminder changes from `version` on, returning the last version used; 422
/// past the account's limit.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    user: UserId,
    planned: &[PlannedReminder],
    mut version: i64,
) -> ApiResult<i64> {
    for change in planned {
        match &change.values {
            Some(values) => {
                version += 1;
                store::insert(conn, user, change.id, values, version).await?;
            }
            None => {
                if store::tombstone(conn, user, change.id, version + 1).await? {
                    version += 1;
                }
            }
        }
    }
    if !planned.is_empty() && store::count_live(conn, user).await? > MAX_REMINDERS {
        return Err(limit_reached());
    }
    Ok(version)
}

/// The reminder changes with a version in `(since, upto]`, as a pull sends them.
pub async fn pulled(
    conn: &mut AsyncPgConnection,
    user: UserId,
    (since, upto): (i64, i64),
) -> ApiResult<Vec<ReminderChange>> {
    let rows = store::changes_between(conn, user, since, upto).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let zone = account_zone(conn, user).await?;
    Ok(rows
        .into_iter()
        .map(|row| match row.deleted_at {
            Some(deleted_at) => ReminderChange::Delete {
                id: row.id,
                deleted_at,
            },
            None => ReminderChange::Upsert {
                reminder: view(row, zone),
            },
        })
        .collect())
}
