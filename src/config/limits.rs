//! Bounds: the auth rate limits, and what slow or silent clients may hold (body deadline
//! and memory, connections per worker) with the drain before shutdown.

use std::time::Duration;

use super::env::{ConfigError, Env};

/// A token bucket: `burst` attempts at once, one more every `period`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub burst: u32,
    pub period: Duration,
}

impl RateLimit {
    /// A bucket from two variables: the burst and the period in milliseconds.
    pub(super) fn from_env(
        env: &Env<'_>,
        (burst_variable, burst): (&'static str, usize),
        (period_variable, period_ms): (&'static str, u64),
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            burst: env.parse_bounded(burst_variable, burst, 1, 100_000)? as u32,
            period: env.millis(period_variable, period_ms)?,
        })
    }
}

/// How the server bounds what slow or silent clients can hold, and how it stops.
#[derive(Clone, Debug)]
pub struct Serving {
    /// Deadline for reading a whole request body; 408 after it.
    pub body_timeout: Duration,
    /// Bytes of request bodies all requests of the process may hold at once; 503 beyond.
    pub body_memory: usize,
    /// Open connections per worker; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// After SIGTERM or SIGINT, how long `/readyz` answers 503 while requests are still
    /// accepted and served, before the listener closes.
    pub drain: Duration,
}

/// Descriptors kept free of client connections: the database pool, data files, logs.
const RESERVED_DESCRIPTORS: usize = 64;

/// The per-worker connection bound when none is configured: what the process's open-file
/// limit leaves after the database pool and a reserve, shared by the workers (at most
/// actix's own default of 25,000; 1,024 when the limit cannot be read).
fn default_max_connections(workers: usize, pool_size: usize) -> usize {
    let soft_limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            limits
                .lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_owned))
        })
        .and_then(|soft| soft.parse::<usize>().ok());
    match soft_limit {
        Some(limit) => (limit.saturating_sub(pool_size + RESERVED_DESCRIPTORS) / workers.max(1))
            .clamp(1, 25_000),
        None => 1_024,
    }
}

impl Serving {
    pub(super) fn from_env(
        env: &Env<'_>,
        body_limit: usize,
        workers: usize,
        pool_size: usize,
    ) -> Result<Self, ConfigError> {
        let body_memory_mb = env.parse_bounded("ACUPRESS_BODY_MEMORY_MB", 64, 1, 1 << 16)?;
        let body_memory = body_memory_mb << 20;
        if body_memory < body_limit {
            return Err(ConfigError {
                variable: "ACUPRESS_BODY_MEMORY_MB",
                message: format!(
                    "{body_memory_mb} MiB is less than one body of ACUPRESS_BODY_LIMIT \
                     ({body_limit} bytes): no body that large could ever be read"
                ),
            });
        }
        Ok(Self {
            body_timeout: env.millis("ACUPRESS_BODY_TIMEOUT_MS", 10_000)?,
            body_memory,
            max_connections: env.parse_bounded(
                "ACUPRESS_MAX_CONNECTIONS",
                default_max_connections(workers, pool_size),
                1,
                1_000_000,
            )?,
            drain: Duration::from_millis(env.parse_bounded(
                "ACUPRESS_DRAIN_MS",
                5_000,
                0,
                600_000,
            )? as u64),
        })
    }
}
