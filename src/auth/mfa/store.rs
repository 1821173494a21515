//! The rows of two-factor sign-in: the authenticator secret, recovery codes, challenges.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::db::schema::{mfa_challenges, mfa_recovery_codes, mfa_totp};
use crate::users::UserId;

/// The database's clock, by which codes are judged on every instance alike.
pub async fn database_now(conn: &mut AsyncPgConnection) -> QueryResult<DateTime<Utc>> {
    diesel::select(diesel::dsl::now.into_sql::<diesel::sql_types::Timestamptz>())
        .get_result(conn)
        .await
}

/// When the account's authenticator was confirmed, if it was.
pub async fn confirmed_totp(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> QueryResult<Option<DateTime<Utc>>> {
    mfa_totp::table
        .find(user)
        .select(mfa_totp::confirmed_at)
        .first::<Option<DateTime<Utc>>>(conn)
        .await
        .optional()
        .map(Option::flatten)
}

/// An authenticator secret, locked.
pub struct Totp {
    pub secret: Vec<u8>,
    pub confirmed: bool,
    pub last_step: i64,
}

/// The account's authenticator row, locked for this transaction (pending or confirmed).
pub async fn lock_totp(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Option<Totp>> {
    let row: Option<(Vec<u8>, Option<DateTime<Utc>>, i64)> = mfa_totp::table
        .find(user)
        .select((
            mfa_totp::secret,
            mfa_totp::confirmed_at,
            mfa_totp::last_step,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(secret, confirmed_at, last_step)| Totp {
        secret,
        confirmed: confirmed_at.is_some(),
        last_step,
    }))
}

/// [`lock_totp`] when it is confirmed.
pub async fn lock_confirmed_totp(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> QueryResult<Option<Totp>> {
    Ok(lock_totp(conn, user).await?.filter(|t| t.confirmed))
}

/// Stores a new pending secret, replacing a pending one.
pub async fn put_pending(
    conn: &mut AsyncPgConnection,
    user: UserId,
    secret: &[u8],
) -> QueryResult<()> {
    diesel::insert_into(mfa_totp::table)
        .values((
            mfa_totp::user_id.eq(user),
            mfa_totp::secret.eq(secret),
            mfa_totp::last_step.eq(0i64),
        ))
        .on_conflict(mfa_totp::user_id)
        .do_update()
        .set((
            mfa_totp::secret.eq(secret),
            mfa_totp::confirmed_at.eq(None::<DateTime<Utc>>),
            mfa_totp::last_step.eq(0i64),
            mfa_totp::created_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn confirm(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::update(mfa_totp::table.find(user))
        .set(mfa_totp::confirmed_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_last_step(
    conn: &mut AsyncPgConnection,
    user: UserId,
    step: i64,
) -> QueryResult<()> {
    diesel::update(mfa_totp::table.find(user))
        .set(mfa_totp::last_step.eq(step))
        .execute(conn)
        .await?;
    Ok(())
}

/// Turns two-factor sign-in off: the secret, the recovery codes and open challenges go.
pub async fn remove(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::delete(mfa_totp::table.find(user))
        .execute(conn)
        .await?;
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user)))
        .execute(conn)
        .await?;
    drop_challenges(conn, user).await
}

/// Replaces the account's recovery codes with `codes` (lookup, hash).
pub async fn replace_recovery_codes(
    conn: &mut AsyncPgConnection,
    user: UserId,
    codes: &[(String, String)],
) -> QueryResult<()> {
    diesel::delete(mfa_recovery_codes::table.filter(mfa_recovery_codes::user_id.eq(user)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = codes
        .iter()
        .map(|(lookup, hash)| {
            (
                mfa_recovery_codes::user_id.eq(user),
                mfa_recovery_codes::lookup.eq(lookup),
                mfa_recovery_codes::hash.eq(hash),
            )
        })
        .collect();
    diesel::insert_into(mfa_recovery_codes::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(())
}

/// The hash of the unused recovery code with this lookup part.
pub async fn unused_recovery_code(
    conn: &mut AsyncPgConnection,
    user: UserId,
    lookup: &str,
) -> QueryResult<Option<String>> {
    mfa_recovery_codes::table
        .find((user, lookup))
        .filter(mfa_recovery_codes::used_at.is_null())
        .select(mfa_recovery_codes::hash)
        .first(conn)
        .await
        .optional()
}

pub async fn use_recovery_code(
    conn: &mut AsyncPgConnection,
    user: UserId,
    lookup: &str,
) -> QueryResult<()> {
    diesel::update(mfa_recovery_codes::table.find((user, lookup)))
        .set(mfa_recovery_codes::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn recovery_codes_left(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<i64> {
    mfa_recovery_codes::table
        .filter(mfa_recovery_codes::user_id.eq(user))
        .filter(mfa_recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
        .await
}

pub async fn insert_challenge(
    conn: &mut AsyncPgConnection,
    user: UserId,
    token_hash: &[u8],
    (method, device, agent): (&str, &str, Option<&str>),
    pending: Option<serde_json::Value>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::id.eq(Uuid::now_v7()),
            mfa_challenges::user_id.eq(user),
            mfa_challenges::token_hash.eq(token_hash),
            mfa_challenges::method.eq(method),
            mfa_challenges::device_name.eq(device),
            mfa_challenges::user_agent.eq(agent),
            mfa_challenges::pending_identity.eq(pending),
            mfa_challenges::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The account a challenge belongs to (read without a lock: the account's row is locked
/// before the challenge's).
pub async fn challenge_user(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
) -> QueryResult<Option<UserId>> {
    mfa_challenges::table
        .filter(mfa_challenges::token_hash.eq(token_hash))
        .select(mfa_challenges::user_id)
        .first(conn)
        .await
        .optional()
}

/// A challenge that can still be answered, locked.
pub struct OpenChallenge {
    pub id: Uuid,
    pub method: String,
    pub device_name: String,
    pub user_agent: Option<String>,
    pub pending_identity: Option<serde_json::Value>,
}

/// The challenge, locked, if it is unused, unexpired (by the database's clock) and has
/// fewer than `tries` wrong answers.
pub async fn lock_live_challenge(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    tries: i32,
) -> QueryResult<Option<OpenChallenge>> {
    type Row = (
        Uuid,
        String,
        String,
        Option<String>,
        Option<serde_json::Value>,
    );
    let row: Option<Row> = mfa_challenges::table
        .filter(mfa_challenges::token_hash.eq(token_hash))
        .filter(mfa_challenges::used_at.is_null())
        .filter(mfa_challenges::expires_at.gt(diesel::dsl::now))
        .filter(mfa_challenges::attempts.lt(tries))
        .select((
            mfa_challenges::id,
            mfa_challenges::method,
            mfa_challenges::device_name,
            mfa_challenges::user_agent,
            mfa_challenges::pending_identity,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(
        |(id, method, device_name, user_agent, pending_identity)| OpenChallenge {
            id,
            method,
            device_name,
            user_agent,
            pending_identity,
        },
    ))
}

/// Counts one wrong answer; the number of wrong answers now.
pub async fn count_wrong(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<i32> {
    // `load`, not `get_result`: read to the end, so a commit that fails is an error.
    let attempts: Vec<i32> = diesel::update(mfa_challenges::table.find(id))
        .set(mfa_challenges::attempts.eq(mfa_challenges::attempts + 1))
        .returning(mfa_challenges::attempts)
        .load(conn)
        .await?;
    attempts
        .into_iter()
        .next()
        .ok_or(diesel::result::Error::NotFound)
}

pub async fn use_challenge(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(mfa_challenges::table.find(id))
        .set(mfa_challenges::used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every open challenge of the account (its password changed, or two-factor
/// sign-in was turned off).
pub async fn drop_challenges(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<()> {
    diesel::delete(mfa_challenges::table.filter(mfa_challenges::user_id.eq(user)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes challenges that expired an hour ago or more.
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        mfa_challenges::table
            .filter(mfa_challenges::expires_at.lt(Utc::now() - chrono::Duration::hours(1))),
    )
    .execute(conn)
    .await
}
