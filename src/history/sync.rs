//! Offline sync: what a pull returns, how a push is checked against what changed on the
//! server since the client's cursor, and how it is applied (all or nothing).

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use uuid::Uuid;

use crate::auth::SignedReader;
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult, FieldError};
use crate::history::SessionId;
use crate::history::cursor;
use crate::history::model::{
    PulledChange, PushedChange, SessionWarnings, SyncPull, SyncPush, SyncPushResult,
};
use crate::history::rules::{self, ValidSession};
use crate::history::store::{self, SessionRow};
use crate::http::Lang;
use crate::personal;
use crate::personal::favorites::{self, sync::PlannedFavorites};
use crate::personal::reminders::{self, sync::PlannedReminder};
use crate::personal::routines::{self as own_routines, sync::PlannedRoutine};
use crate::problems::ProblemCode;
use crate::users::UserId;

/// Most changes in one pull response; `has_more` says when to pull again.
pub const PULL_PAGE: usize = 500;
/// Most session changes in one push.
pub const PUSH_LIMIT: usize = 500;
/// Most own-routine changes in one push.
pub const PUSH_ROUTINES_LIMIT: usize = 200;
/// Most reminder changes in one push.
pub const PUSH_REMINDERS_LIMIT: usize = 100;

/// One change of a push, checked.
pub enum Planned {
    Upsert(ValidSession),
    Delete(SessionId),
}

impl Planned {
    /// The session the change is about.
    pub fn id(&self) -> SessionId {
        match self {
            Self::Upsert(valid) => valid.id,
            Self::Delete(id) => *id,
        }
    }
}

/// Checks the session changes of a push: at most [`PUSH_LIMIT`], each upsert with its
/// client id and valid against the catalog and `own` (the own routines it may name).
/// Problems go to `problems`, each field prefixed with the change's place.
pub fn plan_sessions(
    snapshot: &Snapshot,
    own: &[Uuid],
    changes: Vec<PushedChange>,
    now: DateTime<Utc>,
    problems: &mut Vec<FieldError>,
) -> Vec<Planned> {
    let mut planned = Vec::with_capacity(changes.len());
    for (i, change) in changes.into_iter().enumerate() {
        match change {
            PushedChange::Upsert { session } if session.id.is_none() => {
                problems.push(FieldError::new(
                    format!("changes[{i}].session.id"),
                    "is required in a sync push",
                ));
            }
            PushedChange::Upsert { session } => {
                match rules::validate(snapshot, own, session, now) {
                    Ok(valid) => planned.push(Planned::Upsert(valid)),
                    Err(e) => {
                        personal::sync::collect(problems, &format!("changes[{i}].session"), e)
                    }
                }
            }
            PushedChange::Delete { id } => planned.push(Planned::Delete(id)),
        }
    }
    planned
}

/// Every change of a push, checked.
pub struct PushPlan {
    pub sessions: Vec<Planned>,
    pub routines: Vec<PlannedRoutine>,
    pub reminders: Vec<PlannedReminder>,
    pub favorites: Option<PlannedFavorites>,
}

/// Checks every change of a push before anything is applied; one 422 lists the problems
/// of all of them. Sessions and reminders may name the account's own routines, those of
/// this push included.
pub async fn plan(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user_id: UserId,
    push: SyncPush,
    now: DateTime<Utc>,
) -> ApiResult<PushPlan> {
    for (field, len, limit) in [
        ("changes", push.changes.len(), PUSH_LIMIT),
        ("routines", push.routines.len(), PUSH_ROUTINES_LIMIT),
        ("reminders", push.reminders.len(), PUSH_REMINDERS_LIMIT),
    ] {
        if len > limit {
            return Err(ApiError::invalid(
                field,
                format!("must hold at most {limit} changes"),
            ));
        }
    }
    let mut problems: Vec<FieldError> = Vec::new();
    let routines = own_routines::sync::plan(snapshot, push.routines, &mut problems);
    let named = push
        .changes
        .iter()
        .map(|c| match c {
            PushedChange::Upsert { session } => session.routine.as_deref(),
            PushedChange::Delete { .. } => None,
        })
        .chain(reminders::sync::routine_names(&push.reminders));
    let mut own = own_routines::known_among(conn, user_id, named).await?;
    own.extend(own_routines::sync::upserted(&routines));
    let sessions = plan_sessions(snapshot, &own, push.changes, now, &mut problems);
    let reminders = reminders::sync::plan(snapshot, &own, push.reminders, &mut problems);
    let favorites = push
        .favorites
        .map(|list| favorites::sync::plan(snapshot, list, &mut problems));
    if !problems.is_empty() {
        return Err(ApiError::Validation {
            detail: format!(
                "{} change(s) are invalid; nothing was applied",
                problems.len()
            ),
            errors: problems,
        });
    }
    Ok(PushPlan {
        sessions,
        routines,
        reminders,
        favorites,
    })
}

/// What a stored record that a push touches means for the push.
pub enum Verdict<'a> {
    /// Unchanged since the client's cursor, or a retry of a delete: apply.
    Clear,
    /// Changed on the server after the client's cursor.
    Conflict,
    /// Changed after the cursor: a conflict unless the server already holds exactly
    /// this (a retried push whose response was lost).
    UnlessStored(&'a ValidSession),
}

/// The verdict on the stored record `id` (at `version`, a tombstone when `deleted`)
/// for a push made from `since`; the push's last change to the record decides.
pub fn verdict(
    planned: &[Planned],
    id: SessionId,
    version: i64,
    deleted: bool,
    since: i64,
) -> Verdict<'_> {
    if version <= since {
        return Verdict::Clear;
    }
    match planned.iter().rev().find(|p| p.id() == id) {
        // Deleting what is gone is a retry, not a conflict.
        Some(Planned::Delete(_)) if deleted => Verdict::Clear,
        Some(Planned::Upsert(valid)) => Verdict::UnlessStored(valid),
        _ => Verdict::Conflict,
    }
}

/// The 409 listing the records that changed on the server after the cursor: a session
/// by its id, another record by its kind and id (`routines/…`), the list as `favorites`.
fn conflict(records: Vec<String>) -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::SyncConflict,
        detail: "some records changed on the server after your cursor; nothing was applied".into(),
        errors: records
            .into_iter()
            .map(|record| FieldError::new(record, "changed on the server after your cursor"))
            .collect(),
    }
}

/// The version the cursor answered to a push stands for: a client that was up to date
/// (`since == before`) stays up to date at `after`; otherwise it keeps its own cursor
/// and pulls next (the pull includes this push).
pub fn pushed_cursor_version(since: i64, before: i64, after: i64) -> i64 {
    if since == before { after } else { since }
}

/// Changes in the order they were committed (by version; a tombstone first should two
/// share one), each as its latest state.
pub fn pulled(mut rows: Vec<SessionRow>) -> Vec<PulledChange> {
    rows.sort_by_key(|r| (r.version, r.deleted_at.is_none()));
    rows.into_iter()
        .map(|r| match r.deleted_at {
            Some(deleted_at) => PulledChange::Delete {
                id: r.id,
                deleted_at,
            },
            None => PulledChange::Upsert {
                session: r.into_session(),
            },
        })
        .collect()
}

/// Every change since the cursor: at most [`PULL_PAGE`] sessions, and the own routines,
/// reminders and favorites changed up to the same version.
pub async fn pull(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    lang: Lang,
    reader: &SignedReader,
    raw_cursor: Option<&str>,
) -> ApiResult<SyncPull> {
    let user_id = reader.user_id;
    let marks = store::history_marks(conn, user_id).await?;
    let since = cursor::decode_sync(user_id, raw_cursor, marks.version, marks.purged)?;
    let mut rows = store::changes_since(conn, user_id, since, PULL_PAGE as i64 + 1).await?;
    // Every write up to the counter read has committed; later ones come with the next pull.
    rows.retain(|r| r.version <= marks.version);
    // Tombstones purged between the two reads would be missing: the cursor is too old.
    if raw_cursor.is_some_and(|c| !c.is_empty()) {
        let purged_now = store::history_marks(conn, user_id).await?.purged;
        cursor::decode_sync(user_id, raw_cursor, i64::MAX, purged_now)?;
    }
    let has_more = rows.len() > PULL_PAGE;
    rows.truncate(PULL_PAGE);
    let upto = if has_more {
        rows.last().map_or(since, |r| r.version)
    } else {
        marks.version.max(since)
    };
    let span = (since, upto);
    let favorites = if marks.favorites > since && marks.favorites <= upto {
        Some(favorites::list(conn, snapshot, lang, user_id).await?)
    } else {
        None
    };
    Ok(SyncPull {
        changes: pulled(rows),
        routines: own_routines::sync::pulled(conn, snapshot, lang, &reader.profile, user_id, span)
            .await?,
        reminders: reminders::sync::pulled(conn, user_id, span).await?,
        favorites,
        cursor: cursor::encode_sync(user_id, upto),
        has_more,
    })
}

/// Applies a planned push in one transaction, under the user's history lock: 409 and
/// nothing applied when a record changed on the server after the cursor. Own routines go
/// first (sessions, reminders and favorites may name them), then sessions, reminders and
/// the favorites list.
pub async fn push(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user_id: UserId,
    raw_cursor: Option<&str>,
    plan: PushPlan,
) -> ApiResult<SyncPushResult> {
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = store::lock_history(conn, user_id).await?;
        let before = lock.version;
        let since = cursor::decode_sync(user_id, raw_cursor, before, lock.purged)?;
        let planned = &plan.sessions;
        let ids: Vec<SessionId> = planned.iter().map(Planned::id).collect();
        let mut conflicts: Vec<String> = Vec::new();
        // Only this account's records: ids are per account.
        for (id, version, deleted) in store::versions(conn, user_id, &ids).await? {
            let conflicting = match verdict(planned, id, version, deleted, since) {
                Verdict::Clear => false,
                Verdict::Conflict => true,
                Verdict::UnlessStored(valid) => !store::find(conn, user_id, id)
                    .await?
                    .is_some_and(|current| rules::unchanged(valid, &current)),
            };
            if conflicting {
                conflicts.push(id.to_string());
            }
        }
        for id in own_routines::sync::conflicts(conn, user_id, &plan.routines, since).await? {
            conflicts.push(format!("routines/{id}"));
        }
        for id in reminders::sync::conflicts(conn, user_id, &plan.reminders, since).await? {
            conflicts.push(format!("reminders/{id}"));
        }
        if let Some(list) = &plan.favorites
            && favorites::sync::conflicts(conn, user_id, list, lock.favorites, since).await?
        {
            conflicts.push("favorites".to_owned());
        }
        if !conflicts.is_empty() {
            return Err(conflict(conflicts));
        }
        let mut version = own_routines::sync::apply(
            conn,
            snapshot,
            user_id,
            &lock.safety,
            &plan.routines,
            before,
        )
        .await?;
        let mut warnings = Vec::new();
        for change in planned {
            match change {
                Planned::Upsert(valid) => {
                    version += 1;
                    let session = store::upsert(conn, user_id, valid, version).await?;
                    let found = rules::warnings(snapshot, &lock.safety, &session.steps);
                    if !found.is_empty() {
                        warnings.push(SessionWarnings {
                            id: session.id,
                            warnings: found,
                        });
                    }
                }
                Planned::Delete(id) => {
                    if store::tombstone(conn, user_id, *id, version + 1).await? {
                        version += 1;
                    }
                }
            }
        }
        version = reminders::sync::apply(conn, user_id, &plan.reminders, version).await?;
        if let Some(list) = &plan.favorites {
            version = favorites::sync::apply(conn, user_id, list, version).await?;
        }
        store::set_history_version(conn, user_id, version).await?;
        let cursor = cursor::encode_sync(user_id, pushed_cursor_version(since, before, version));
        Ok(SyncPushResult {
            applied: plan.sessions.len()
                + plan.routines.len()
                + plan.reminders.len()
                + usize::from(plan.favorites.is_some()),
            cursor,
            warnings,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::content::Contents;
    use crate::catalog::data::SafetyRecord;
    use crate::history::model::SessionInput;
    use uuid::Uuid;

    /// Session id `n` of the tests.
    fn sid(n: u128) -> SessionId {
        SessionId::from(Uuid::from_u128(n))
    }

    fn empty_catalog() -> Snapshot {
        Snapshot::build(
            "test".into(),
            Vec::new(),
            Contents {
                points: Vec::new(),
                conditions: Vec::new(),
                routines: Vec::new(),
                safety: SafetyRecord::default(),
                retired: Default::default(),
            },
        )
    }

    fn now() -> DateTime<Utc> {
        "2026-11-20T12:00:00Z".parse().unwrap()
    }

    fn input(id: Option<u128>) -> SessionInput {
        serde_json::from_value(serde_json::json!({
            "id": id.map(Uuid::from_u128),
            "started_at": "2026-11-20T08:00:00Z",
            "duration_seconds": 300,
        }))
        .unwrap()
    }

    fn upsert(id: Option<u128>) -> PushedChange {
        PushedChange::Upsert { session: input(id) }
    }

    fn row(id: u128, version: i64, deleted: bool) -> SessionRow {
        let at: DateTime<Utc> = "2026-11-20T08:00:00Z".parse().unwrap();
        SessionRow {
            id: sid(id),
            user_id: UserId::from(Uuid::from_u128(99)),
            started_at: at,
            duration_seconds: 60,
            routine_slug: None,
            condition_slug: None,
            pain_before: None,
            pain_after: None,
            stress_before: None,
            stress_after: None,
            mood: None,
            notes: None,
            steps: serde_json::json!([]),
            created_at: at,
            updated_at: at,
            deleted_at: deleted.then_some(at),
            version,
        }
    }

    /// The checked session changes, or the problems found.
    fn plan(changes: Vec<PushedChange>) -> Result<Vec<Planned>, Vec<FieldError>> {
        let mut problems = Vec::new();
        let planned = plan_sessions(&empty_catalog(), &[], changes, now(), &mut problems);
        if problems.is_empty() {
            Ok(planned)
        } else {
            Err(problems)
        }
    }

    fn planned(changes: Vec<PushedChange>) -> Vec<Planned> {
        plan(changes).unwrap_or_else(|e| panic!("{e:?}"))
    }

    #[test]
    fn plan_keeps_the_order_of_the_changes() {
        let p = planned(vec![upsert(Some(1)), PushedChange::Delete { id: sid(2) }]);
        let ids: Vec<SessionId> = p.iter().map(Planned::id).collect();
        assert_eq!(ids, [sid(1), sid(2)]);
        assert!(matches!(p[1], Planned::Delete(_)));
    }

    #[test]
    fn plan_lists_the_problems_of_every_change() {
        let mut bad = input(Some(3));
        bad.duration_seconds = 0;
        let changes = vec![
            upsert(Some(1)),
            upsert(None),
            PushedChange::Upsert { session: bad },
        ];
        let Err(errors) = plan(changes) else {
            panic!("422");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "changes[1].session.id",
                "changes[2].session.duration_seconds"
            ]
        );
    }

    #[test]
    fn records_unchanged_since_the_cursor_are_clear() {
        let p = planned(vec![upsert(Some(1))]);
        assert!(matches!(verdict(&p, sid(1), 5, false, 5), Verdict::Clear));
        assert!(matches!(verdict(&p, sid(1), 4, true, 5), Verdict::Clear));
    }

    #[test]
    fn records_changed_after_the_cursor_conflict_unless_retried() {
        let one = sid(1);
        let delete = planned(vec![PushedChange::Delete { id: one }]);
        assert!(
            matches!(verdict(&delete, one, 6, true, 5), Verdict::Clear),
            "deleted again"
        );
        assert!(matches!(
            verdict(&delete, one, 6, false, 5),
            Verdict::Conflict
        ));
        let p = planned(vec![upsert(Some(1))]);
        assert!(matches!(
            verdict(&p, one, 6, false, 5),
            Verdict::UnlessStored(v) if v.id == one
        ));
        assert!(matches!(
            verdict(&p, sid(2), 6, false, 5),
            Verdict::Conflict
        ));
    }

    #[test]
    fn the_last_change_to_a_record_decides() {
        let one = sid(1);
        let p = planned(vec![upsert(Some(1)), PushedChange::Delete { id: one }]);
        assert!(matches!(verdict(&p, one, 6, true, 5), Verdict::Clear));
        let p = planned(vec![PushedChange::Delete { id: one }, upsert(Some(1))]);
        assert!(matches!(
            verdict(&p, one, 6, true, 5),
            Verdict::UnlessStored(_)
        ));
    }

    #[test]
    fn conflict_lists_every_record() {
        let records = vec![sid(1).to_string(), "routines/2".to_owned()];
        let ApiError::Conflict { code, errors, .. } = conflict(records) else {
            panic!("409");
        };
        assert_eq!(code, ProblemCode::SyncConflict);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, sid(1).to_string());
    }

    #[test]
    fn a_client_up_to_date_stays_up_to_date() {
        assert_eq!(pushed_cursor_version(7, 7, 9), 9);
        assert_eq!(pushed_cursor_version(5, 7, 9), 5, "behind: pull next");
    }

    #[test]
    fn pulled_changes_come_in_commit_order() {
        let changes = pulled(vec![row(1, 3, false), row(2, 1, true), row(3, 2, false)]);
        let order: Vec<(SessionId, bool)> = changes
            .iter()
            .map(|c| match c {
                PulledChange::Upsert { session } => (session.id, true),
                PulledChange::Delete { id, .. } => (*id, false),
            })
            .collect();
        assert_eq!(order, [(sid(2), false), (sid(3), true), (sid(1), true),]);
    }
}
