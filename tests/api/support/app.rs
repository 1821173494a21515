//! The application under test: its configuration for tests, and the app itself, built
//! once per test and reused by every request, or the running instance a black-box run
//! points at.

use std::ops::Deref;
use std::rc::Rc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test::{self, TestRequest};
use acupress::app::{self, AppState};
use acupress::config::{Config, JwtKeys, RateLimit, Secret};
use acupress::server;
use futures_util::future::LocalBoxFuture;

use super::{Remote, Response, TestDb, data_dir, observe};

pub const TEST_KID: &str = "test-key";
pub const TEST_SECRET: &[u8; 32] = b"acupress-test-signing-secret-32b";

/// Configuration for a test: defaults, pointed at the test's database and data.
pub fn test_config(database_url: &str) -> Config {
    let mut config = Config::from_lookup(|_| None).expect("defaults are valid");
    config.database_url = database_url.to_owned();
    config.private_cluster = None;
    config.data_dir = data_dir();
    config.db_pool_size = 4;
    config.mail.delivery =
        acupress::config::MailDelivery::Folder(std::env::temp_dir().join("acupress-test-mail"));
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

/// The app a test talks to: the real application in process on a database of its own,
/// or, in black-box mode, the running instance at `ACUPRESS_TEST_BASE_URL`.
pub struct TestApp {
    target: Target,
    /// Inserted before the `@` of the emails a test registers, unique to this test and
    /// run in black-box mode (the target's database persists), empty otherwise.
    tag: String,
    /// The database of an app in process, dropped after the app.
    _db: Option<TestDb>,
}

enum Target {
    InProcess(InProcess),
    Remote(Remote),
}

impl TestApp {
    /// The app for a test that speaks HTTP only: in black-box mode the running instance,
    /// otherwise the real application in process on a database of its own.
    pub async fn new() -> Self {
        match Remote::from_env() {
            Some(remote) => Self {
                target: Target::Remote(remote),
                tag: unique_tag(),
                _db: None,
            },
            None => LocalApp::with_config(|_| {}).await.app,
        }
    }

    /// Sends one request through the complete app (middleware, routing, handlers) and
    /// holds the answer to the contract of the spec ([`observe`]).
    pub async fn send(&self, req: TestRequest) -> Response {
        observed(req.to_request(), async |req| match &self.target {
            Target::InProcess(service) => service.call(req).await,
            Target::Remote(remote) => remote.send(req).await,
        })
        .await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }

    /// `GET uri` with these request headers.
    pub async fn get_with(&self, uri: &str, headers: &[(&str, &str)]) -> Response {
        self.send(get_with(uri, headers)).await
    }

    /// `email` made unique to this test and run in black-box mode (as it is otherwise):
    /// `mei@example.com` becomes `mei+<tag>@example.com`. Registration applies it.
    pub fn email(&self, email: &str) -> String {
        match email.rfind('@') {
            Some(at) if !self.tag.is_empty() => {
                format!("{}+{}{}", &email[..at], self.tag, &email[at..])
            }
            _ => email.to_owned(),
        }
    }
}

/// A `GET` of `uri` with these request headers.
pub fn get_with(uri: &str, headers: &[(&str, &str)]) -> TestRequest {
    headers
        .iter()
        .fold(TestRequest::get().uri(uri), |req, &(name, value)| {
            req.insert_header((name, value))
        })
}

/// A tag no earlier run can have used: the time this process started, its id and a
/// count of the apps it made (lower case, so email normalisation keeps it).
fn unique_tag() -> String {
    static STARTED: OnceLock<u128> = OnceLock::new();
    static APPS: AtomicUsize = AtomicUsize::new(0);
    let started = STARTED.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("a clock after 1970")
            .as_millis()
    });
    let n = APPS.fetch_add(1, Ordering::SeqCst);
    format!("{started:x}.{:x}.{n}", std::process::id())
}

/// The real application in process, for a test that needs its internals: the state
/// (database, pool, catalog, configuration), a configuration of its own, or several
/// instances. Make it with [`local_app!`], which skips the test in black-box mode.
pub struct LocalApp {
    pub state: AppState,
    app: TestApp,
}

impl LocalApp {
    /// Use [`local_app!`] instead: it skips the test in black-box mode first.
    pub async fn with_config(adjust: impl FnOnce(&mut Config)) -> Self {
        assert!(
            Remote::from_env().is_none(),
            "a test that needs the app's internals starts with local_app!, which skips it in black-box mode"
        );
        let db = TestDb::cloned();
        let mut config = test_config(&db.url);
        adjust(&mut config);
        let state = server::prepare(config).await.expect("app state");
        let service = InProcess::build(state.clone()).await;
        Self {
            state,
            app: TestApp {
                target: Target::InProcess(service),
                tag: String::new(),
                _db: Some(db),
            },
        }
    }

    /// The URL of this test's own database.
    pub fn db_url(&self) -> &str {
        &self.state.config.database_url
    }

    /// `email` registered and made an admin (through the library, as `acupress admin
    /// grant` does); its token is the admin's on the next request.
    pub async fn admin(&self, email: &str) -> crate::support::Account<'_> {
        let account = self.register(email).await;
        let mut config = self.state.config.as_ref().clone();
        config.database_url = self.db_url().to_owned();
        acupress::admin::grant(&config, email).await.unwrap();
        account
    }
}

impl Deref for LocalApp {
    type Target = TestApp;

    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// The actix service of the whole app, built from one state; cheap to clone, and
/// requests may run through it concurrently.
#[derive(Clone)]
pub struct InProcess(Rc<dyn Fn(Request) -> LocalBoxFuture<'static, Response>>);

impl InProcess {
    pub async fn build(state: AppState) -> Self {
        let service = Rc::new(test::init_service(app::build(state)).await);
        Self(Rc::new(move |req| {
            let service = service.clone();
            Box::pin(async move { collect(&*service, req).await })
        }))
    }

    async fn call(&self, req: Request) -> Response {
        (self.0)(req).await
    }

    /// Sends one request, its answer held to the contract as [`TestApp::send`] does.
    pub async fn send(&self, req: TestRequest) -> Response {
        observed(req.to_request(), async |req| self.call(req).await).await
    }

    pub async fn get(&self, uri: &str) -> Response {
        self.send(TestRequest::get().uri(uri)).await
    }
}

/// Sends `req` with `send` and checks the answer against the spec's contract.
async fn observed(req: Request, send: impl AsyncFnOnce(Request) -> Response) -> Response {
    let (method, path) = (req.method().to_string(), req.path().to_owned());
    let res = send(req).await;
    observe(&method, &path, &res);
    res
}

/// Sends a request to any actix service and collects the whole response (no contract:
/// for services other than the app).
pub async fn call<S, B>(service: &S, req: TestRequest) -> Response
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    collect(service, req.to_request()).await
}

async fn collect<S, B>(service: &S, req: Request) -> Response
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let res = test::call_service(service, req).await;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = test::read_body(res).await;
    Response {
        status,
        headers,
        body,
    }
}
