//! The tests' PostgreSQL: a template migrated and loaded once per test process, a
//! clone of it for every test, dropped when the test (or, at the latest, the process)
//! ends, and helpers that read or write a test's database directly.

use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use acupress::catalog::data::Dataset;
use acupress::config;
use acupress::db::SyncPgConnection;
use acupress::db::{bootstrap, embedded};
use diesel::Connection;
use diesel::connection::SimpleConnection;

/// The server the tests use: `TEST_DATABASE_URL`, else `DATABASE_URL`, else the local
/// default (`ACUPRESS_DEFAULT_DATABASE_URL` moves it) when it answers usably, else a
/// private cluster in `.acupress/postgres` (`ACUPRESS_PRIVATE_DB_DIR` moves it), as the
/// server does (`acupress::db::embedded`).
pub fn server_url() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let set = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        if let Some(url) = set("TEST_DATABASE_URL").or_else(|| set("DATABASE_URL")) {
            return url;
        }
        let default =
            set("ACUPRESS_DEFAULT_DATABASE_URL").unwrap_or(config::DEFAULT_DATABASE_URL.into());
        let private = config::PrivateClusterConfig {
            dir: set("ACUPRESS_PRIVATE_DB_DIR").map_or_else(
                || Path::new(env!("CARGO_MANIFEST_DIR")).join(config::DEFAULT_PRIVATE_DB_DIR),
                Into::into,
            ),
            bindir: set("ACUPRESS_PG_BINDIR").map(Into::into),
        };
        let url = config::with_database(&default, "postgres");
        blocking(move || {
            let chosen = embedded::url_or_private(&url, &private)
                .unwrap_or_else(|e| panic!("no PostgreSQL for the tests: {e}"));
            if chosen != url {
                eprintln!(
                    "tests: no usable PostgreSQL at {}: using the private cluster in {}",
                    config::redact_url(&url),
                    private.dir.display()
                );
            }
            chosen
        })
    })
    .clone()
}

pub fn url_for(database: &str) -> String {
    config::with_database(&server_url(), database)
}

pub fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

const PREFIX: &str = "acupress_test_";

fn template_name() -> String {
    format!("{PREFIX}{}_tpl", std::process::id())
}

/// Runs blocking database work on its own thread (no async runtime in scope there).
pub fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f)
        .join()
        .expect("database helper thread panicked")
}

fn admin() -> SyncPgConnection {
    SyncPgConnection::establish(&url_for("postgres"))
        .expect("PostgreSQL must be running: see the README, Quick start")
}

/// The names of the databases whose names are `LIKE` the pattern.
fn databases_like(conn: &mut SyncPgConnection, pattern: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let query = format!("SELECT datname FROM pg_database WHERE datname LIKE '{pattern}'");
    diesel::RunQueryDsl::load::<Name>(diesel::sql_query(query), conn)
        .map(|names| names.into_iter().map(|n| n.datname).collect())
        .unwrap_or_default()
}

fn drop_database(conn: &mut SyncPgConnection, name: &str) {
    let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
}

/// Drops databases left by test processes that no longer run (killed runs).
fn drop_stale(conn: &mut SyncPgConnection) {
    for name in databases_like(conn, &format!("{PREFIX}%")) {
        let pid = name[PREFIX.len()..].split('_').next().unwrap_or_default();
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            drop_database(conn, &name);
        }
    }
}

fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        blocking(|| {
            let name = template_name();
            let mut conn = admin();
            drop_stale(&mut conn);
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .expect("drop an old template");
            conn.batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("create template database");
            let mut tpl = SyncPgConnection::establish(&url_for(&name)).expect("connect template");
            let dataset = Dataset::load(&data_dir()).expect("data files load");
            bootstrap::migrate_and_seed(&mut tpl, &dataset).expect("migrate and seed template");
            name
        })
    })
}

/// Drops this process's template (and any clone a crashed test left) at exit.
#[ctor::dtor]
fn drop_template() {
    let pid = std::process::id();
    let _ = blocking(move || {
        let mut conn = SyncPgConnection::establish(&url_for("postgres")).ok()?;
        for name in databases_like(&mut conn, &format!("{PREFIX}{pid}\\_%")) {
            drop_database(&mut conn, &name);
        }
        Some(())
    });
}

/// Runs `SELECT count(*) ...`-style SQL returning one bigint column `n` (test checks).
pub fn count_rows(url: &str, sql: String) -> i64 {
    let url = url.to_owned();
    blocking(move || {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = SyncPgConnection::establish(&url).unwrap();
        diesel::sql_query(sql).get_result::<N>(&mut conn).unwrap().n
    })
}

/// Runs SQL statements directly (to set up states the API cannot reach).
pub fn execute(url: &str, sql: String) {
    let url = url.to_owned();
    blocking(move || {
        SyncPgConnection::establish(&url)
            .unwrap()
            .batch_execute(&sql)
            .unwrap()
    });
}

/// Waits (at most 10 s) until `n` backends of the database at `url` wait for a lock,
/// and returns their process ids.
pub async fn lock_waiters(url: &str, n: usize) -> Vec<i32> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let url = url.to_owned();
        let waiting = blocking(move || {
            use diesel::RunQueryDsl;
            #[derive(diesel::QueryableByName)]
            struct Pid {
                #[diesel(sql_type = diesel::sql_types::Integer)]
                pid: i32,
            }
            let mut conn = SyncPgConnection::establish(&url).unwrap();
            diesel::sql_query(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .load::<Pid>(&mut conn)
            .unwrap()
        });
        if waiting.len() >= n {
            return waiting.into_iter().map(|p| p.pid).collect();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} requests wait for the lock",
            waiting.len()
        );
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A database of its own for one test; dropped when the guard goes away.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// A fresh clone of the migrated, loaded template.
    pub fn cloned() -> Self {
        let template = template();
        let db = Self::named();
        let create = format!("CREATE DATABASE \"{}\" TEMPLATE \"{template}\"", db.name);
        blocking(move || admin().batch_execute(&create)).expect("clone template");
        db
    }

    /// A unique name whose database does not exist yet (start-up must create it).
    pub fn named() -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "{PREFIX}{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        Self {
            url: url_for(&name),
            name,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let _ = blocking(move || admin().batch_execute(&drop));
    }
}

/// A small pool for `url` with short deadlines, for a state whose database is broken.
pub fn pool_at(url: &str) -> acupress::db::DbPool {
    acupress::db::pool(
        url,
        2,
        Duration::from_millis(500),
        acupress::db::SessionSettings {
            statement_timeout: Duration::from_secs(1),
            connect_timeout: Duration::from_millis(500),
        },
    )
}
