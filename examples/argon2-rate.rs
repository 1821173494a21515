//! Raw Argon2id verification rate on this machine, one thread per core, with the
//! server's exact parameters. Used by scripts/bench.sh next to the login storm.
//!
//!   cargo run --release --example argon2-rate -- 10      # seconds

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use acupress::auth::password;

fn main() {
    let seconds: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let phc = password::hash_blocking("quiet otter lantern river");
    let done = AtomicU64::new(0);
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                while Instant::now() < until {
                    assert!(password::verify_blocking("quiet otter lantern river", &phc));
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let rate = done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    println!("argon2id_verifications_per_second {rate:.1} threads {threads}");
}
