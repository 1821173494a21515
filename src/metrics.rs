//! Prometheus metrics, served at `GET /metrics` in the text exposition format: requests
//! per route and status with a latency histogram, the database pool, the catalog
//! version, and the process start time. Counters live in memory, per instance.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Requests of one method, route template and status.
#[derive(Default)]
struct Series {
    /// Cumulative counts per bucket bound, as Prometheus wants them.
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// Series by route template, method and status. The route is the template
/// (`/v1/points/{code}`), never the concrete path, so the number of series stays small;
/// nested maps let a request find its series by `&str`, with no allocation once the
/// series exists.
type Requests = BTreeMap<String, BTreeMap<String, BTreeMap<u16, Series>>>;

pub struct Metrics {
    started: SystemTime,
    requests: Mutex<Requests>,
}

/// The value under `key`, made (and its key allocated) only the first time.
fn slot<'a, V: Default>(map: &'a mut BTreeMap<String, V>, key: &str) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| Metrics {
    started: SystemTime::now(),
    requests: Mutex::new(BTreeMap::new()),
});

/// The process's metrics.
pub fn global() -> &'static Metrics {
    &METRICS
}

/// Route label for a request that matched no route.
pub const UNMATCHED: &str = "unmatched";

/// The database pool's state at the time of a scrape.
pub struct PoolState {
    pub max: usize,
    pub open: usize,
    pub idle: usize,
    pub waiting: usize,
}

impl Metrics {
    /// Counts one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let series = slot(slot(&mut requests, route), method)
            .entry(status)
            .or_default();
        series.count += 1;
        series.sum_seconds += seconds;
        for (bound, bucket) in BUCKETS.iter().zip(series.buckets.iter_mut()) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self, pool: &PoolState, catalog_version: &str) -> String {
        let mut out = String::new();
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut counters = String::from(
            "# HELP acupress_http_requests_total Requests answered, by method, route template and status.\n\
             # TYPE acupress_http_requests_total counter\n",
        );
        let mut histograms = String::from(
            "# HELP acupress_http_request_duration_seconds Time from the request's arrival to its answer.\n\
             # TYPE acupress_http_request_duration_seconds histogram\n",
        );
        let series = requests.iter().flat_map(|(route, methods)| {
            methods.iter().flat_map(move |(method, statuses)| {
                statuses
                    .iter()
                    .map(move |(status, s)| (method, route, status, s))
            })
        });
        for (method, route, status, s) in series {
            let labels = labels(&[
                ("method", method),
                ("route", route),
                ("status", &status.to_string()),
            ]);
            let _ = writeln!(
                counters,
                "acupress_http_requests_total{{{labels}}} {}",
                s.count
            );
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                let _ = writeln!(
                    histograms,
                    "acupress_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                histograms,
                "acupress_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}\n\
                 acupress_http_request_duration_seconds_sum{{{labels}}} {}\n\
                 acupress_http_request_duration_seconds_count{{{labels}}} {}",
                s.count, s.sum_seconds, s.count
            );
        }
        out.push_str(&counters);
        out.push_str(&histograms);
        drop(requests);
        let _ = write!(
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
        );
        out
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

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let m = Metrics {
            started: UNIX_EPOCH,
            requests: Mutex::new(BTreeMap::new()),
        };
        m.observe("GET", "/v1/points/{code}", 200, Duration::from_micros(800));
        m.observe("GET", "/v1/points/{code}", 200, Duration::from_millis(30));
        m.observe("GET", "a\"b", 404, Duration::from_secs(9));
        let pool = PoolState {
            max: 16,
            open: 3,
            idle: 1,
            waiting: 0,
        };
        let text = m.render(&pool, "abc123");
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
        assert!(text.contains(r#"route="a\"b""#), "{text}");
        assert!(text.contains("acupress_db_pool_connections{state=\"in_use\"} 2"));
        assert!(text.contains("acupress_catalog_info{version=\"abc123\"} 1"));
        assert!(text.contains("process_start_time_seconds 0\n"));
    }
}
