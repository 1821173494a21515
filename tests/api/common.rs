//! Test support: every test gets its own database, cloned from a template that is
//! migrated and loaded once per test process and dropped when the process exits.

use std::fmt::Display;
use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use acupress::app::{self, AppState};
use acupress::catalog::data::Dataset;
use acupress::config::{self, Config, JwtKeys, RateLimit, Secret};
use acupress::db::SyncPgConnection;
use acupress::db::{bootstrap, embedded};
use acupress::server;
use diesel::Connection;
use diesel::connection::SimpleConnection;
use futures_util::future::LocalBoxFuture;
use serde_json::{Value, json};
use std::time::Duration;

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

/// Drops databases left by test processes that no longer run (killed runs).
fn drop_stale(conn: &mut SyncPgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let names: Vec<Name> = diesel::RunQueryDsl::load(
        diesel::sql_query(format!(
            "SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"
        )),
        conn,
    )
    .unwrap_or_default();
    for Name { datname } in names {
        let pid = datname[PREFIX.len()..]
            .split('_')
            .next()
            .unwrap_or_default();
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
            ));
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
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        let names: Vec<Name> = diesel::RunQueryDsl::load(
            diesel::sql_query(format!(
                "SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}{pid}\\_%'"
            )),
            &mut conn,
        )
        .ok()?;
        for Name { datname } in names {
            let _ = conn.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{datname}\" WITH (FORCE)"
            ));
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

pub const TEST_KID: &str = "test-key";
pub const TEST_SECRET: &[u8; 32] = b"acupress-test-signing-secret-32b";

/// Configuration for a test: defaults, pointed at the test's database and data.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_lookup(|_| None).expect("defaults are valid");
    config.database_url = database_url.to_owned();
    config.private_cluster = None;
    config.data_dir = data_dir();
    config.db_pool_size = 4;
    config.jwt_keys = JwtKeys {
        keys: vec![(TEST_KID.to_owned(), Secret(TEST_SECRET.to_vec()))],
        generated: false,
    };
    // Generous limits: the rate-limit tests set their own.
    config.auth_rate_account = RateLimit {
        burst: 1000,
        period: Duration::from_millis(1),
    };
    config.auth_rate_address = RateLimit {
        burst: 1000,
        period: Duration::from_millis(1),
    };
    config
}

/// Configures the sign-in limit per account for a test: `burst` attempts, then one per
/// `period` (the defaults of [`test_config`] are generous).
pub fn guesses_per_account(burst: u32, period: Duration) -> impl Fn(&mut Config) + Copy {
    move |config| config.auth_rate_account = RateLimit { burst, period }
}

/// The real application on its own database, built once and reused by every request.
pub struct TestApp {
    service: InProcess,
    pub state: AppState,
    pub _db: TestDb,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(|_| {}).await
    }

    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        let db = TestDb::cloned();
        let mut config = test_config(&db.url);
        adjust(&mut config);
        let state = server::prepare(config).await.expect("app state");
        Self {
            service: InProcess::build(state.clone()).await,
            state,
            _db: db,
        }
    }

    /// Sends one request through the complete app (middleware, routing, handlers).
    pub async fn send(&self, req: TestRequest) -> Response {
        self.service.send(req).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }
}

/// The actix service of the whole app, built from one state; cheap to clone, and
/// requests may run through it concurrently.
#[derive(Clone)]
pub struct InProcess(Rc<dyn Fn(TestRequest) -> LocalBoxFuture<'static, Response>>);

impl InProcess {
    pub async fn build(state: AppState) -> Self {
        let service = Rc::new(test::init_service(app::build(state)).await);
        Self(Rc::new(move |req| {
            let service = service.clone();
            Box::pin(async move { call(&*service, req).await })
        }))
    }

    pub async fn send(&self, req: TestRequest) -> Response {
        (self.0)(req).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
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

/// Sends a request to any actix service and collects the whole response.
pub async fn call<S, B>(service: &S, req: TestRequest) -> Response
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(service, req.to_request()).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Response {
        status,
        headers,
        body,
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts the status (the body in the message when it differs) and passes the
    /// response on.
    #[track_caller]
    pub fn assert_status(self, status: u16) -> Self {
        assert_eq!(self.status, status, "{}", self.text());
        self
    }

    /// The body as text, for failure messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns it.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(
            body["type"],
            format!("/problems/{}", code.replace('_', "-"))
        );
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
        assert_eq!(
            body["request_id"].as_str(),
            self.header("x-request-id"),
            "problem carries the request id"
        );
        body
    }
}

pub const PASSWORD: &str = "quiet otter lantern river";

impl TestApp {
    /// Registers `email` with [`PASSWORD`] (201 expected) and signs in as it.
    pub async fn register(&self, email: &str) -> Account<'_> {
        let res = self
            .post(
                "/v1/auth/register",
                json!({"email": email, "password": PASSWORD, "display_name": "Tester", "device_name": "phone"}),
            )
            .await;
        assert_eq!(res.status, 201, "{}", res.text());
        self.account(&res.json(), email)
    }

    /// A new guest account (201 expected).
    pub async fn guest(&self) -> Account<'_> {
        let res = self.send(TestRequest::post().uri("/v1/auth/guest")).await;
        assert_eq!(res.status, 201, "{}", res.text());
        self.account(&res.json(), "")
    }

    /// The account an answer with `user` and `tokens` signs in as.
    pub fn account(&self, auth: &Value, email: &str) -> Account<'_> {
        let token = |name: &str| auth["tokens"][name].as_str().unwrap().to_owned();
        Account {
            app: self,
            id: auth["user"]["id"].as_str().unwrap().to_owned(),
            email: email.to_owned(),
            access: token("access_token"),
            refresh: token("refresh_token"),
            session: token("session_id"),
        }
    }

    pub async fn post(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::post().uri(uri).set_json(body)).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post(
            "/v1/auth/login",
            json!({"email": email, "password": password}),
        )
        .await
    }

    /// Exchanges a refresh token.
    pub async fn refresh(&self, token: &str) -> Response {
        self.post("/v1/auth/refresh", json!({"refresh_token": token}))
            .await
    }

    /// Sends a request with `Authorization: Bearer <token>`.
    pub async fn authed(&self, req: TestRequest, token: &str) -> Response {
        self.send(bearer(req, token)).await
    }
}

pub fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("authorization", format!("Bearer {token}")))
}

/// A signed-in device of an account: every request it sends carries its access token.
pub struct Account<'a> {
    pub app: &'a TestApp,
    pub id: String,
    pub email: String,
    pub access: String,
    pub refresh: String,
    pub session: String,
}

impl Account<'_> {
    pub async fn send(&self, req: TestRequest) -> Response {
        self.app.authed(req, &self.access).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }

    pub async fn post(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::post().uri(uri).set_json(body)).await
    }

    pub async fn put(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::put().uri(uri).set_json(body)).await
    }

    pub async fn patch(&self, uri: &str, body: Value) -> Response {
        self.send(TestRequest::patch().uri(uri).set_json(body))
            .await
    }

    pub async fn delete(&self, uri: &str) -> Response {
        self.send(TestRequest::delete().uri(uri)).await
    }

    /// `GET /v1/me`.
    pub async fn me(&self) -> Response {
        self.get("/v1/me").await
    }

    /// Patches the profile (200 expected) and returns it.
    pub async fn set_profile(&self, patch: Value) -> Value {
        let res = self.patch("/v1/me", patch).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }

    /// Signs in again with [`PASSWORD`] (200 expected): another device of this account.
    pub async fn second_device(&self) -> Self {
        let res = self.app.login(&self.email, PASSWORD).await;
        assert_eq!(res.status, 200, "{}", res.text());
        self.app.account(&res.json(), &self.email)
    }

    /// Exchanges this device's first refresh token.
    pub async fn refresh(&self) -> Response {
        self.app.refresh(&self.refresh).await
    }

    pub async fn logout(&self) -> Response {
        self.send(TestRequest::post().uri("/v1/auth/logout")).await
    }

    pub async fn change_password(&self, current: &str, new: &str) -> Response {
        self.put(
            "/v1/me/password",
            json!({"current_password": current, "new_password": new}),
        )
        .await
    }

    /// `DELETE /v1/me`, confirmed with `password`.
    pub async fn delete_account(&self, password: &str) -> Response {
        self.send(
            TestRequest::delete()
                .uri("/v1/me")
                .set_json(json!({ "password": password })),
        )
        .await
    }

    pub async fn export(&self) -> Response {
        self.get("/v1/me/export").await
    }

    pub async fn create_session(&self, body: Value) -> Response {
        self.post("/v1/me/sessions", body).await
    }

    /// Creates a session with an `Idempotency-Key`.
    pub async fn create_session_keyed(&self, body: Value, key: impl Display) -> Response {
        self.send(keyed(body, key)).await
    }

    /// Creates a session (201 expected) and returns its id.
    pub async fn new_session(&self, body: Value) -> String {
        let res = self.create_session(body).await;
        assert_eq!(res.status, 201, "{}", res.text());
        res.json()["session"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn session(&self, id: &str) -> Response {
        self.get(&format!("/v1/me/sessions/{id}")).await
    }

    pub async fn edit_session(&self, id: &str, patch: Value) -> Response {
        self.patch(&format!("/v1/me/sessions/{id}"), patch).await
    }

    pub async fn delete_session(&self, id: &str) -> Response {
        self.delete(&format!("/v1/me/sessions/{id}")).await
    }

    /// `GET /v1/me/sessions` with `query` (`""` or `"?limit=2"`).
    pub async fn list_sessions(&self, query: &str) -> Response {
        self.get(&format!("/v1/me/sessions{query}")).await
    }

    pub async fn sync_pull(&self, cursor: Option<&str>) -> Response {
        match cursor {
            Some(c) => self.get(&format!("/v1/me/sync?cursor={c}")).await,
            None => self.get("/v1/me/sync").await,
        }
    }

    /// The cursor of a full pull (200 expected).
    pub async fn sync_cursor(&self) -> String {
        let res = self.sync_pull(None).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()["cursor"].as_str().unwrap().to_owned()
    }

    pub async fn sync_push(&self, body: Value) -> Response {
        self.post("/v1/me/sync", body).await
    }

    /// Statistics for `query` (`from=...&to=...`), 200 expected.
    pub async fn stats(&self, query: &str) -> Value {
        let res = self.get(&format!("/v1/me/stats?{query}")).await;
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    }
}

/// `POST /v1/me/sessions` with `body` and an `Idempotency-Key`.
pub fn keyed(body: Value, key: impl Display) -> TestRequest {
    TestRequest::post()
        .uri("/v1/me/sessions")
        .insert_header(("idempotency-key", key.to_string()))
        .set_json(body)
}
