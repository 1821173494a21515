//! Prometheus metrics, served at `GET /metrics` in the text exposition format: requests
//! per method, route template and status with a latency histogram, the database pool,
//! the catalog version, and the process start time. Counters live in memory, per
//! instance.
//!
//! Nothing a client sends becomes a label value: the method is one the API answers or
//! `other`, the route is the matched template or `unmatched`, and the status is the one
//! the server chose, so the number of series is fixed by the code, not by the traffic.
//! A request only read-locks the series map and counts with atomics; a scrape copies
//! the numbers under the same read lock and formats them after letting it go.

use std::collections::BTreeMap;
use std::fmt::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// The methods the API answers (CORS preflights included), each its own label value.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Method label for any method not in [`METHODS`].
pub const OTHER_METHOD: &str = "other";

/// Route label for a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The label for a request's method: itself when the API answers it, else `other`.
fn method_label(method: &str) -> &'static str {
    METHODS
        .into_iter()
        .find(|known| *known == method)
        .unwrap_or(OTHER_METHOD)
}

/// Requests of one method, route template and status.
#[derive(Default)]
struct Series {
    /// Requests per latency bucket (not cumulative); the last counts those above the
    /// highest bound. The total is their sum, so `+Inf` and `_count` always agree.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
}

impl Series {
    fn record(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let bucket = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    fn read(&self) -> ([u64; BUCKETS.len() + 1], u64) {
        (
            self.buckets
                .each_ref()
                .map(|bucket| bucket.load(Ordering::Relaxed)),
            self.sum_nanos.load(Ordering::Relaxed),
        )
    }
}

/// Series by route template, then by method label and status. Nested maps let a
/// request find its series by `&str`, with no allocation once the series exists.
type Requests = BTreeMap<String, BTreeMap<(&'static str, u16), Series>>;

/// The numbers of one series at the time of a scrape.
struct Sample {
    method: &'static str,
    route: String,
    status: u16,
    buckets: [u64; BUCKETS.len() + 1],
    sum_nanos: u64,
}

pub struct Metrics {
    started: SystemTime,
    requests: RwLock<Requests>,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics::new(SystemTime::now()));

/// The process's metrics.
pub fn global() -> &'static Metrics {
    &METRICS
}

/// The database pool's state at the time of a scrape.
pub struct PoolState {
    pub max: usize,
    pub open: usize,
    pub idle: usize,
    pub waiting: usize,
}

impl Metrics {
    fn new(started: SystemTime) -> Self {
        Self {
            started,
            requests: RwLock::new(BTreeMap::new()),
        }
    }

    /// Counts one finished request. `method` may be anything a client sent; `route`
    /// must be a route template or [`UNMATCHED`], never a concrete path.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        {
            let requests = self.requests.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(series) = requests
                .get(route)
                .and_then(|statuses| statuses.get(&(method, status)))
            {
                series.record(elapsed);
                return;
            }
        }
        // First request of its series: the only time a request takes the write lock.
        let mut requests = self
            .requests
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if !requests.contains_key(route) {
            requests.insert(route.to_owned(), BTreeMap::new());
        }
        requests
            .get_mut(route)
            .expect("inserted above")
            .entry((method, status))
            .or_default()
            .record(elapsed);
    }

    /// Copies every series' numbers, holding the read lock only while copying.
    fn samples(&self) -> Vec<Sample> {
        let requests = self.requests.read().unwrap_or_else(PoisonError::into_inner);
        requests
            .iter()
            .flat_map(|(route, series)| {
                series.iter().map(|((method, status), s)| {
                    let (buckets, sum_nanos) = s.read();
                    Sample {
                        method,
                        route: route.clone(),
                        status: *status,
                        buckets,
                        sum_nanos,
                    }
                })
            })
            .collect()
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self, pool: &PoolState, catalog_version: &str) -> String {
        let mut out = String::new();
        self.render_to(&mut out, pool, catalog_version)
            .expect("writing to a String cannot fail");
        out
    }

    /// Writes the text exposition format to `out`; no lock is held while writing.
    fn render_to(
        &self,
        out: &mut impl Write,
        pool: &PoolState,
        catalog_version: &str,
    ) -> fmt::Result {
        let samples = self.samples();
        out.write_str(
            "# HELP acupress_http_requests_total Requests answered, by method, route template and status.\n\
             # TYPE acupress_http_requests_total counter\n",
        )?;
        for s in &samples {
            writeln!(
                out,
                "acupress_http_requests_total{{{}}} {}",
                s.labels(),
                s.buckets.iter().sum::<u64>()
            )?;
        }
        out.write_str(
            "# HELP acupress_http_request_duration_seconds Time from the request's arrival to its answer.\n\
             # TYPE acupress_http_request_duration_seconds histogram\n",
        )?;
        for s in &samples {
            let labels = s.labels();
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                writeln!(
                    out,
                    "acupress_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                )?;
            }
            let count = cumulative + s.buckets[BUCKETS.len()];
            writeln!(
                out,
                "acupress_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}\n\
                 acupress_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 acupress_http_request_duration_seconds_count{{{labels}}} {count}",
                s.sum_nanos as f64 / 1e9,
            )?;
        }
        write!(
            out,
            "# HELP acupress_db_pool_max_connections The pool's size limit.\n\
             # TYPE acupress_db_pool_max_connections gauge\n\
             acupress_db_pool_max_connections {}\n\
             # HELP acupress_db_pool_connections Open database connections, by state.\n\
             # TYPE acupress_db_pool_connections gauge\n\
             acupress_db_pool_connections{{state=\"idle\"}} {}\n\
             acupress_db_pool_connections{{state=\"in_use\"}} {}\n\
             # HELP acupress_db_pool_waiting Requests waiting for a database connection.\n\
             # TYPE acupress_db_pool_waiting gauge\n\
             acupress_db_pool_waiting {}\n\
             # HELP acupress_catalog_info The catalog content version being served.\n\
             # TYPE acupress_catalog_info gauge\n\
             acupress_catalog_info{{{}}} 1\n\
             # HELP acupress_build_info The running acupress version.\n\
             # TYPE acupress_build_info gauge\n\
             acupress_build_info{{{}}} 1\n\
             # HELP process_start_time_seconds When the process started, in Unix seconds.\n\
             # TYPE process_start_time_seconds gauge\n\
             process_start_time_seconds {}\n",
            pool.max,
            pool.idle,
            pool.open.saturating_sub(pool.idle),
            pool.waiting,
            labels(&[("version", catalog_version)]),
            labels(&[("version", env!("CARGO_PKG_VERSION"))]),
            self.started
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }
}

impl Sample {
    fn labels(&self) -> String {
        labels(&[
            ("method", self.method),
            ("route", &self.route),
            ("status", &self.status.to_string()),
        ])
    }
}

/// `name="value",...` with the value escaped as the format requires.
fn labels(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| {
            let value = value
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{name}=\"{value}\"")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    const POOL: PoolState = PoolState {
        max: 16,
        open: 3,
        idle: 1,
        waiting: 0,
    };

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let m = Metrics::new(UNIX_EPOCH);
        m.observe("GET", "/v1/points/{code}", 200, Duration::from_micros(800));
        m.observe("GET", "/v1/points/{code}", 200, Duration::from_millis(30));
        m.observe("GET", "a\"b", 404, Duration::from_secs(9));
        let text = m.render(&POOL, "abc123");
        let series = r#"method="GET",route="/v1/points/{code}",status="200""#;
        assert!(text.contains(&format!("acupress_http_requests_total{{{series}}} 2")));
        assert!(text.contains(&format!(
            "acupress_http_request_duration_seconds_bucket{{{series},le=\"0.001\"}} 1"
        )));
        assert!(text.contains(&format!(
            "acupress_http_request_duration_seconds_bucket{{{series},le=\"0.05\"}} 2"
        )));
        assert!(text.contains(&format!(
            "acupress_http_request_duration_seconds_count{{{series}}} 2"
        )));
        assert!(text.contains(&format!(
            "acupress_http_request_duration_seconds_sum{{{series}}} 0.0308\n"
        )));
        let slow = r#"method="GET",route="a\"b",status="404""#;
        assert!(text.contains(&format!(
            "acupress_http_request_duration_seconds_bucket{{{slow},le=\"5\"}} 0\n\
             acupress_http_request_duration_seconds_bucket{{{slow},le=\"+Inf\"}} 1\n"
        )));
        assert!(text.contains("acupress_db_pool_connections{state=\"in_use\"} 2"));
        assert!(text.contains("acupress_catalog_info{version=\"abc123\"} 1"));
        assert!(text.contains("process_start_time_seconds 0\n"));
    }

    #[test]
    fn methods_the_api_does_not_answer_share_one_label() {
        let m = Metrics::new(UNIX_EPOCH);
        let long = "X".repeat(8_000);
        for method in ["BREW", "get", "TRACE", long.as_str(), "GET"] {
            m.observe(method, UNMATCHED, 404, Duration::from_millis(1));
        }
        let text = m.render(&POOL, "v");
        assert!(text.contains(
            "acupress_http_requests_total{method=\"other\",route=\"unmatched\",status=\"404\"} 4\n"
        ));
        assert!(text.contains(
            "acupress_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1\n"
        ));
        assert!(!text.contains("BREW") && !text.contains("XXXX") && !text.contains("get\""));
        assert!(text.len() < 8_000, "{} bytes", text.len());
    }

    /// A writer that, the first time it is written to, has other threads count
    /// requests (one of a series that exists, one of a new series, which needs the
    /// write lock) and waits for them, as requests arriving in the middle of a scrape.
    struct RequestsMidScrape {
        metrics: &'static Metrics,
        requests_done: Option<bool>,
    }

    impl Write for RequestsMidScrape {
        fn write_str(&mut self, _: &str) -> fmt::Result {
            if self.requests_done.is_none() {
                let (done, finished) = mpsc::channel();
                let metrics = self.metrics;
                std::thread::spawn(move || {
                    metrics.observe("GET", "/healthz", 200, Duration::from_millis(1));
                    metrics.observe("POST", "/v1/me/sessions", 201, Duration::from_millis(1));
                    let _ = done.send(());
                });
                // A held lock shows as no answer at all; a free one answers at once.
                self.requests_done = Some(finished.recv_timeout(Duration::from_secs(30)).is_ok());
            }
            Ok(())
        }
    }

    #[test]
    fn a_scrape_in_progress_does_not_hold_requests_back() {
        let metrics: &'static Metrics = Box::leak(Box::new(Metrics::new(UNIX_EPOCH)));
        for route in 0..50 {
            metrics.observe("GET", &format!("/r{route}"), 200, Duration::from_millis(1));
        }
        metrics.observe("GET", "/healthz", 200, Duration::from_millis(1));
        let mut scrape = RequestsMidScrape {
            metrics,
            requests_done: None,
        };
        metrics.render_to(&mut scrape, &POOL, "v").unwrap();
        assert_eq!(
            scrape.requests_done,
            Some(true),
            "requests waited for the scrape to finish"
        );
        let text = metrics.render(&POOL, "v");
        assert!(text.contains(
            "acupress_http_requests_total{method=\"POST\",route=\"/v1/me/sessions\",status=\"201\"} 1\n"
        ));
        assert!(text.contains(
            "acupress_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2\n"
        ));
    }
}
