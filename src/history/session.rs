//! One session: read, record, change, delete. Each write moves the user's history
//! version on in the same transaction, so sync pulls see every write once.

use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::auth::AuthUser;
use crate::auth::tokens::Claims;
use crate::catalog::store::Snapshot;
use crate::error::{ApiError, ApiResult};
use crate::history::SessionId;
use crate::history::model::{Session, SessionInput, SessionPatch, SessionWithWarnings};
use crate::history::{rules, store};
use crate::personal::routines as own_routines;
use crate::problems::ProblemCode;
use crate::users::UserId;

fn session_exists() -> ApiError {
    ApiError::conflict(
        ProblemCode::SessionExists,
        "a session with this id already exists",
    )
}

fn no_session(id: SessionId) -> ApiError {
    ApiError::not_found(format!("no session {id}"))
}

/// Validates and stores a new session in one statement that also checks that the
/// device is still signed in, bumps the counter and locks the user's row.
pub async fn create(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    claims: &Claims,
    input: SessionInput,
) -> ApiResult<SessionWithWarnings> {
    let own = own_routines::known_among(conn, claims.sub, [input.routine.as_deref()]).await?;
    let valid = rules::validate(snapshot, &own, input, Utc::now())?;
    match store::insert_new(conn, claims.sub, claims.sid, &valid).await? {
        Some((session, safety)) => Ok(SessionWithWarnings {
            warnings: rules::warnings(snapshot, &safety, &session.steps),
            session,
        }),
        // Rare: tell a signed-out device (or deleted account) from a taken id.
        None => {
            AuthUser::check(conn, claims).await?;
            Err(session_exists())
        }
    }
}

/// Applies a patch to this user's session `id` (404 when there is none), checked again
/// as a whole.
pub async fn update(
    conn: &mut AsyncPgConnection,
    snapshot: &Snapshot,
    user_id: UserId,
    id: SessionId,
    patch: SessionPatch,
) -> ApiResult<SessionWithWarnings> {
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = store::lock_history(conn, user_id).await?;
        let current = store::find(conn, user_id, id)
            .await?
            .ok_or_else(|| no_session(id))?;
        if patch == SessionPatch::default() {
            // An empty merge patch changes nothing: no new version for sync to send.
            return Ok(SessionWithWarnings {
                warnings: rules::warnings(snapshot, &lock.safety, &current.steps),
                session: current,
            });
        }
        let input = rules::patched(current, patch);
        let own = own_routines::known_among(conn, user_id, [input.routine.as_deref()]).await?;
        let valid = rules::validate(snapshot, &own, input, Utc::now())?;
        let session = store::upsert(conn, user_id, &valid, lock.version + 1).await?;
        store::set_history_version(conn, user_id, lock.version + 1).await?;
        Ok(SessionWithWarnings {
            warnings: rules::warnings(snapshot, &lock.safety, &session.steps),
            session,
        })
    })
    .await
}

/// Turns this user's session `id` into a tombstone (404 when there is none).
pub async fn delete(conn: &mut AsyncPgConnection, user_id: UserId, id: SessionId) -> ApiResult<()> {
    conn.transaction::<_, ApiError, _>(async move |conn| {
        let lock = store::lock_history(conn, user_id).await?;
        if !store::tombstone(conn, user_id, id, lock.version + 1).await? {
            return Err(no_session(id));
        }
        store::set_history_version(conn, user_id, lock.version + 1).await?;
        Ok(())
    })
    .await
}

/// This user's session `id`; 404 when there is none (another user's included).
pub async fn find(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    id: SessionId,
) -> ApiResult<Session> {
    store::find(conn, user_id, id)
        .await?
        .ok_or_else(|| no_session(id))
}
