//! Device sessions and refresh tokens in PostgreSQL (the account row is in
//! [`crate::users::store`]). No HTTP types here.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::auth::DeviceSessionId;
use crate::auth::model::Device;
use crate::auth::tokens::Aal;
use crate::db::schema::{auth_sessions, refresh_tokens, users};
use crate::users::model::SafetyProfile;
use crate::users::{Role, UserId};

/// The constraint a failed write broke, if it was a unique one.
pub fn unique_constraint(e: &DieselError) -> Option<&str> {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            Some(info.constraint_name().unwrap_or(""))
        }
        _ => None,
    }
}

/// Whether a failed write broke the unique email index.
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// The owner's role if session `sid` of user `sub` is still signed in.
/// A device session that still counts: with two-factor sign-in on, only one signed in
/// at `aal2` does (no `aal1` session outlives an enrolment, whatever raced it).
fn assured_enough() -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql(
        "(auth_sessions.aal = 2 OR NOT EXISTS (SELECT 1 FROM mfa_totp t \
         WHERE t.user_id = auth_sessions.user_id AND t.confirmed_at IS NOT NULL))",
    )
}

pub async fn live_session_role(
    conn: &mut AsyncPgConnection,
    sid: DeviceSessionId,
    sub: UserId,
) -> QueryResult<Option<Role>> {
    auth_sessions::table
        .inner_join(users::table)
        .filter(auth_sessions::id.eq(sid))
        .filter(auth_sessions::user_id.eq(sub))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(assured_enough())
        .filter(users::disabled_at.is_null())
        .select(users::role)
        .first(conn)
        .await
        .optional()
}

/// The safety profile of the user whose device session `sid` is still signed in.
pub async fn live_session_profile(
    conn: &mut AsyncPgConnection,
    sid: DeviceSessionId,
    sub: UserId,
) -> QueryResult<Option<SafetyProfile>> {
    let facts: Option<(bool, bool, bool, bool, bool)> = auth_sessions::table
        .inner_join(users::table)
        .filter(auth_sessions::id.eq(sid))
        .filter(auth_sessions::user_id.eq(sub))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(assured_enough())
        .filter(users::disabled_at.is_null())
        .select((
            users::pregnant,
            users::bleeding_risk,
            users::varicose_veins,
            users::recent_surgery_or_fracture,
            users::skin_condition,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(facts.map(
        |(pregnant, bleeding_risk, varicose_veins, recent_surgery_or_fracture, skin_condition)| {
            SafetyProfile {
                pregnant,
                bleeding_risk,
                varicose_veins,
                recent_surgery_or_fracture,
                skin_condition,
            }
        },
    ))
}

/// The user's password hash, with their row held (`FOR SHARE`) until the transaction
/// ends, so that a password change or a deletion waits for it; `None` when the user is
/// gone or has no password.
pub async fn lock_password_hash(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
) -> QueryResult<Option<String>> {
    Ok(users::table
        .find(user_id)
        .select(users::password_hash)
        .for_share()
        .first::<Option<String>>(conn)
        .await
        .optional()?
        .flatten())
}

/// Opens a device session with its first refresh token.
pub async fn open_session(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    (device_name, user_agent): (&str, Option<&str>),
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
    aal: Aal,
) -> QueryResult<DeviceSessionId> {
    let id = DeviceSessionId::new_v7();
    diesel::insert_into(auth_sessions::table)
        .values((
            auth_sessions::id.eq(id),
            auth_sessions::user_id.eq(user_id),
            auth_sessions::device_name.eq(device_name),
            auth_sessions::user_agent.eq(user_agent),
            auth_sessions::aal.eq(aal.level()),
        ))
        .execute(conn)
        .await?;
    insert_refresh_token(conn, id, token_hash, expires_at).await?;
    Ok(id)
}

pub async fn insert_refresh_token(
    conn: &mut AsyncPgConnection,
    session_id: DeviceSessionId,
    token_hash: &[u8],
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::session_id.eq(session_id),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A refresh token as found, locked for this transaction.
pub struct PresentedToken {
    pub session_id: DeviceSessionId,
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub session_revoked: bool,
    /// The session's assurance level.
    pub aal: Aal,
    /// The database's clock, which stamped `rotated_at`: expiry and the grace period
    /// are judged by it, not by this process's clock.
    pub now: DateTime<Utc>,
}

#[derive(Queryable)]
struct TokenRow {
    expires_at: DateTime<Utc>,
    rotated_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
}

#[derive(Queryable)]
struct DeviceRow {
    id: DeviceSessionId,
    device_name: String,
    user_agent: Option<String>,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
}

/// Finds a refresh token and locks its device session's row, then the token's row.
/// Session first, as every writer of a session's tokens does (refresh, sign-outs,
/// deletion): refreshes of one session, whichever of its tokens they present, queue
/// behind each other instead of deadlocking over sibling tokens. `None` when the token
/// is not known (or went while this waited).
pub async fn lock_refresh_token(
    conn: &mut AsyncPgConnection,
    hash: &[u8],
) -> QueryResult<Option<PresentedToken>> {
    let session: Option<(DeviceSessionId, UserId, Option<DateTime<Utc>>, i16)> =
        auth_sessions::table
            .filter(
                auth_sessions::id.eq_any(
                    refresh_tokens::table
                        .filter(refresh_tokens::token_hash.eq(hash))
                        .select(refresh_tokens::session_id),
                ),
            )
            .select((
                auth_sessions::id,
                auth_sessions::user_id,
                auth_sessions::revoked_at,
                auth_sessions::aal,
            ))
            .for_update()
            .first(conn)
            .await
            .optional()?;
    let Some((session_id, user_id, revoked_at, aal)) = session else {
        return Ok(None);
    };
    let token: Option<TokenRow> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(hash))
        .filter(refresh_tokens::session_id.eq(session_id))
        .select((
            refresh_tokens::expires_at,
            refresh_tokens::rotated_at,
            diesel::dsl::now.into_sql::<diesel::sql_types::Timestamptz>(),
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(token.map(|t| PresentedToken {
        session_id,
        user_id,
        expires_at: t.expires_at,
        rotated_at: t.rotated_at,
        session_revoked: revoked_at.is_some(),
        aal: Aal::from_level(aal),
        now: t.now,
    }))
}

/// Marks every live refresh token of the session as used: the one presented, and any
/// sibling handed out within a grace period. Only the pair issued now stays live, so a
/// chain forked by a replayed token ends at the next refresh and a later use of the
/// other branch is caught as reuse.
pub async fn mark_rotated(
    conn: &mut AsyncPgConnection,
    session_id: DeviceSessionId,
) -> QueryResult<()> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::session_id.eq(session_id))
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the assurance level of a session.
pub async fn set_session_aal(
    conn: &mut AsyncPgConnection,
    id: DeviceSessionId,
    aal: Aal,
) -> QueryResult<()> {
    diesel::update(auth_sessions::table.find(id))
        .set(auth_sessions::aal.eq(aal.level()))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn touch_session(conn: &mut AsyncPgConnection, id: DeviceSessionId) -> QueryResult<()> {
    diesel::update(auth_sessions::table.find(id))
        .set(auth_sessions::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Holds the user's row against deletion to the end of the transaction (`FOR KEY
/// SHARE`); `false` when the account is gone.
pub async fn hold_user(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<bool> {
    Ok(users::table
        .find(user_id)
        .select(users::id)
        .for_key_share()
        .first::<UserId>(conn)
        .await
        .optional()?
        .is_some())
}

/// Holds the user's row `FOR SHARE` to the end of the transaction: a sign-in's lock,
/// which a credential change (`FOR NO KEY UPDATE`) waits for; `false` when the account
/// is gone.
pub async fn share_user(conn: &mut AsyncPgConnection, user_id: UserId) -> QueryResult<bool> {
    Ok(users::table
        .find(user_id)
        .select(users::id)
        .for_share()
        .first::<UserId>(conn)
        .await
        .optional()?
        .is_some())
}

/// Signs one session out; its refresh tokens die with it. Returns whether it was live.
pub async fn revoke_session(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    id: DeviceSessionId,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        auth_sessions::table
            .filter(auth_sessions::id.eq(id))
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::revoked_at.eq(diesel::dsl::now),
        auth_sessions::revoke_reason.eq(reason),
    ))
    .execute(conn)
    .await?;
    if n > 0 {
        diesel::delete(refresh_tokens::table.filter(refresh_tokens::session_id.eq(id)))
            .execute(conn)
            .await?;
    }
    Ok(n > 0)
}

/// Signs out every session of a user except `keep`. Call it in a transaction: it locks
/// the user's row first and holds it to the end, so that sign-outs of many sessions,
/// password changes and deletions of one account queue in one order (user, then
/// sessions, then tokens) and cannot deadlock.
pub async fn revoke_other_sessions(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    keep: Option<DeviceSessionId>,
    reason: &str,
) -> QueryResult<usize> {
    users::table
        .find(user_id)
        .select(users::id)
        .for_no_key_update()
        .load::<UserId>(conn)
        .await?;
    let keep = keep.unwrap_or(DeviceSessionId::from(Uuid::nil()));
    let revoked: Vec<DeviceSessionId> = diesel::update(
        auth_sessions::table
            .filter(auth_sessions::user_id.eq(user_id))
            .filter(auth_sessions::id.ne(keep))
            .filter(auth_sessions::revoked_at.is_null()),
    )
    .set((
        auth_sessions::revoked_at.eq(diesel::dsl::now),
        auth_sessions::revoke_reason.eq(reason),
    ))
    .returning(auth_sessions::id)
    .get_results(conn)
    .await?;
    diesel::delete(refresh_tokens::table.filter(refresh_tokens::session_id.eq_any(&revoked)))
        .execute(conn)
        .await?;
    Ok(revoked.len())
}

/// What [`purge_expired`] removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub refresh_tokens: usize,
    pub sessions: usize,
    pub guests: usize,
}

/// Days a signed-out device session is kept, so that its tokens are answered
/// `session_revoked` rather than merely unknown.
const REVOKED_SESSION_DAYS: i32 = 30;

/// Sign-in data nobody can use any more: refresh tokens past their expiry (rotated ones
/// are kept until then, to catch reuse), device sessions signed out a month ago or left
/// without a refresh token, and guest accounts with no device session left (a guest has
/// no password, so nobody can ever reach them again; their history goes with them).
pub async fn purge_expired(conn: &mut AsyncPgConnection) -> QueryResult<Purged> {
    let refresh_tokens = diesel::delete(
        refresh_tokens::table.filter(refresh_tokens::expires_at.lt(diesel::dsl::now)),
    )
    .execute(conn)
    .await?;
    let sessions = diesel::sql_query(format!(
        "DELETE FROM auth_sessions s
          WHERE s.revoked_at < now() - interval '{REVOKED_SESSION_DAYS} days'
             OR (s.created_at < now() - interval '1 day'
                 AND NOT EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id))"
    ))
    .execute(conn)
    .await?;
    let guests = diesel::sql_query(
        "DELETE FROM users u
          WHERE u.is_guest AND u.created_at < now() - interval '1 day'
            AND NOT EXISTS (SELECT 1 FROM auth_sessions s
                             WHERE s.user_id = u.id AND s.revoked_at IS NULL)",
    )
    .execute(conn)
    .await?;
    Ok(Purged {
        refresh_tokens,
        sessions,
        guests,
    })
}

/// The user's signed-in devices: not signed out, and holding a refresh token that has
/// not expired.
pub async fn live_devices(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    current: DeviceSessionId,
) -> QueryResult<Vec<Device>> {
    let rows: Vec<DeviceRow> = auth_sessions::table
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::revoked_at.is_null())
        .filter(diesel::dsl::exists(
            refresh_tokens::table
                .filter(refresh_tokens::session_id.eq(auth_sessions::id))
                .filter(refresh_tokens::expires_at.gt(diesel::dsl::now)),
        ))
        .order((auth_sessions::last_used_at.desc(), auth_sessions::id.desc()))
        .select((
            auth_sessions::id,
            auth_sessions::device_name,
            auth_sessions::user_agent,
            auth_sessions::created_at,
            auth_sessions::last_used_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Device {
            current: r.id == current,
            id: r.id,
            device_name: r.device_name,
            user_agent: r.user_agent,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
        })
        .collect())
}

/// Whether the account has had a device session (live or signed out, until such are
/// purged) with this device name and user agent.
pub async fn has_used_device(
    conn: &mut AsyncPgConnection,
    user_id: UserId,
    device: &str,
    user_agent: Option<&str>,
) -> QueryResult<bool> {
    let same = auth_sessions::table
        .filter(auth_sessions::user_id.eq(user_id))
        .filter(auth_sessions::device_name.eq(device))
        .filter(auth_sessions::user_agent.is_not_distinct_from(user_agent));
    diesel::select(diesel::dsl::exists(same))
        .get_result(conn)
        .await
}
