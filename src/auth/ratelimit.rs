//! Rate limits on the auth endpoints, per account and per client address
//! (`governor`, MIT/Apache-2.0; in memory, per instance).

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::config::RateLimit;
use crate::error::ApiError;

pub struct Limiter {
    limiter: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Self {
        let burst = NonZeroU32::new(limit.burst.max(1)).expect("burst is at least 1");
        let quota = Quota::with_period(limit.period.max(Duration::from_millis(1)))
            .expect("a positive period")
            .allow_burst(burst);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        }
    }

    /// Takes one attempt for `key`, or answers 429 with the seconds until the next one.
    pub fn check(&self, key: &str) -> Result<(), ApiError> {
        self.limiter
            .check_key(&key.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(self.clock.now());
                ApiError::TooManyRequests {
                    retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                }
            })
    }

    /// Forgets keys whose buckets are full again (called periodically).
    pub fn prune(&self) {
        self.limiter.retain_recent();
    }
}

/// The limits every sign-in style endpoint passes. An account is limited per client
/// address with the configured quota, and as a whole with ten times that: one attacker
/// cannot keep its owner locked out from their own phone, while a spread-out guessing
/// run still meets a limit.
pub struct AuthLimits {
    account: Limiter,
    account_total: Limiter,
    pub address: Limiter,
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
            account: Limiter::new(account),
            account_total: Limiter::new(total),
            address: Limiter::new(address),
        }
    }

    /// Checks the client address, then (when known) the account.
    pub fn check(&self, address: &str, account: Option<&str>) -> Result<(), ApiError> {
        self.address.check(address)?;
        if let Some(account) = account {
            self.check_account(account, address)?;
        }
        Ok(())
    }

    /// Checks an account, from this client address and as a whole.
    pub fn check_account(&self, account: &str, address: &str) -> Result<(), ApiError> {
        self.account.check(&format!("{account} from {address}"))?;
        self.account_total.check(account)
    }

    pub fn prune(&self) {
        self.account.prune();
        self.account_total.prune();
        self.address.prune();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_burst_then_recovers() {
        let limiter = Limiter::new(RateLimit {
            burst: 2,
            period: Duration::from_millis(50),
        });
        assert!(limiter.check("a").is_ok());
        assert!(limiter.check("a").is_ok());
        match limiter.check("a") {
            Err(ApiError::TooManyRequests { retry_after }) => assert!(retry_after >= 1),
            other => panic!("{other:?}"),
        }
        assert!(limiter.check("b").is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(60));
        assert!(limiter.check("a").is_ok(), "not blocked forever");
    }
}
