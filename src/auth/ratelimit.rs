//! Rate limits on the auth endpoints, per account and per client address, kept in
//! PostgreSQL (`rate_limits`) so that every instance on one database counts the same
//! attempts: N instances behind a load balancer give an attacker no more guesses than one.

use diesel::QueryResult;
use diesel::sql_types::{BigInt, Bool, Double, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::config::RateLimit;
use crate::db::prepared::PreparedSql;
use crate::error::{ApiError, ApiResult};

/// One check of one key, in one statement (so two instances cannot both take the last
/// attempt): a GCRA token bucket on the database's clock. `tat` is when the bucket is
/// full again; an attempt is allowed while `tat` is at most the burst tolerance ($3)
/// ahead of now, and moves it on by one period ($2). A refused attempt changes nothing
/// but the `allowed` flag, so retrying while refused does not extend the wait.
const CHECK_SQL: &str = "\
INSERT INTO rate_limits AS r (key, tat, allowed)
VALUES ($1, now() + $2 * interval '1 microsecond', true)
ON CONFLICT (key) DO UPDATE SET
    allowed = greatest(r.tat, now()) <= now() + $3 * interval '1 microsecond',
    tat = CASE WHEN greatest(r.tat, now()) <= now() + $3 * interval '1 microsecond'
               THEN greatest(r.tat, now()) + $2 * interval '1 microsecond'
               ELSE r.tat END
RETURNING allowed,
          extract(epoch FROM tat - now() - $3 * interval '1 microsecond')::float8 AS wait";

#[derive(diesel::QueryableByName)]
struct Checked {
    #[diesel(sql_type = Bool)]
    allowed: bool,
    /// Seconds until the next attempt is allowed (meaningful when refused).
    #[diesel(sql_type = Double)]
    wait: f64,
}

/// One rule: a token bucket per key, `burst` attempts at once and one more per period.
pub struct Limiter {
    /// Prefix of this rule's keys, so rules never share a bucket.
    rule: &'static str,
    /// Microseconds per attempt (the period).
    interval: i64,
    /// Microseconds the bucket may run ahead of now: `burst - 1` periods.
    tolerance: i64,
}

impl Limiter {
    pub fn new(rule: &'static str, limit: RateLimit) -> Self {
        let interval = i64::try_from(limit.period.as_micros())
            .unwrap_or(i64::MAX)
            .max(1);
        Self {
            rule,
            interval,
            tolerance: interval.saturating_mul(i64::from(limit.burst.max(1) - 1)),
        }
    }

    /// Takes one attempt for `key`, or answers 429 with the seconds until the next one.
    /// A database failure is the usual 503.
    pub async fn check(&self, conn: &mut AsyncPgConnection, key: &str) -> ApiResult<()> {
        let checked: Checked = PreparedSql::new(CHECK_SQL)
            .bind::<Text, _>(format!("{}:{key}", self.rule))
            .bind::<BigInt, _>(self.interval)
            .bind::<BigInt, _>(self.tolerance)
            // `load`, not `get_result`: read to the end, so a commit that fails is an error.
            .load(conn)
            .await?
            .into_iter()
            .next()
            .ok_or(diesel::result::Error::NotFound)?;
        if checked.allowed {
            return Ok(());
        }
        Err(ApiError::TooManyRequests {
            // Whole seconds, rounded up: a client that waits that long is let in.
            retry_after: checked.wait.ceil().max(1.0) as u64,
        })
    }
}

/// The limits every sign-in style endpoint passes. An account is limited per client
/// address with the configured quota, and as a whole with ten times that: one attacker
/// cannot keep its owner locked out from their own phone, while a spread-out guessing
/// run still meets a limit. Logins and password confirmations (password change,
/// account deletion) count against the same account buckets, keyed by the email.
pub struct AuthLimits {
    account: Limiter,
    account_total: Limiter,
    address: Limiter,
}

/// How much looser the whole-account limit is than the per-address one.
const ACCOUNT_TOTAL_FACTOR: u32 = 10;

impl AuthLimits {
    pub fn new(account: RateLimit, address: RateLimit) -> Self {
        let total = RateLimit {
            burst: account.burst.saturating_mul(ACCOUNT_TOTAL_FACTOR),
            period: account.period / ACCOUNT_TOTAL_FACTOR,
        };
        Self {
            account: Limiter::new("account", account),
            account_total: Limiter::new("account_total", total),
            address: Limiter::new("address", address),
        }
    }

    /// Checks the client address, then (when known) the account; an attempt refused by
    /// one rule takes nothing from the rules after it.
    pub async fn check(
        &self,
        conn: &mut AsyncPgConnection,
        address: &str,
        account: Option<&str>,
    ) -> ApiResult<()> {
        self.check_address(conn, address).await?;
        if let Some(account) = account {
            self.check_account(conn, account, address).await?;
        }
        Ok(())
    }

    /// Checks the client address alone.
    pub async fn check_address(
        &self,
        conn: &mut AsyncPgConnection,
        address: &str,
    ) -> ApiResult<()> {
        self.address.check(conn, address).await
    }

    /// Checks an account, from this client address and as a whole.
    pub async fn check_account(
        &self,
        conn: &mut AsyncPgConnection,
        account: &str,
        address: &str,
    ) -> ApiResult<()> {
        self.account
            .check(conn, &format!("{account} from {address}"))
            .await?;
        self.account_total.check(conn, account).await
    }
}

/// Forgets buckets that are full again (a missing row is a full bucket); called by
/// housekeeping.
pub async fn purge(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_limits WHERE tat < now()")
        .execute(conn)
        .await
}
